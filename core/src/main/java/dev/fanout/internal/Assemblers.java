package dev.fanout.internal;

import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The three ways to hand results back: as they complete, in input order as a stream, and all at
 * once as a list in input order. Each consumes its input with backpressure: at most
 * {@code concurrency} requests in flight or answered and not yet drained downstream ({@link CallSlots};
 * in the ordered stream, answers waiting behind an earlier input count only towards the next bound),
 * and at most twice that many inputs taken from upstream (the rest waiting out a retry backoff or
 * for a slot).
 */
public final class Assemblers {

    private Assemblers() {
    }

    /** Results in completion order (like {@code asyncio.as_completed}). */
    public static Flux<FetchResult> asCompleted(Pipeline pipeline, Publisher<FetchRequest> requests, int concurrency) {
        return asCompleted(pipeline, requests, concurrency, pipeline.defaultDeadline());
    }

    /**
     * Results in completion order, under a batch deadline (null: none) that starts on subscription.
     * Once it passes, requests in flight are cancelled and every item still to come from upstream
     * completes at once as DEADLINE without being sent, so each input still yields one result.
     */
    public static Flux<FetchResult> asCompleted(Pipeline pipeline, Publisher<FetchRequest> requests, int concurrency,
                                                Duration deadline) {
        return Flux.defer(() -> {
            long[] next = {0}; // the merge calls its mapper serially, so a plain counter is safe
            Deadline d = pipeline.startDeadline(deadline);
            CallSlots slots = new CallSlots(concurrency);
            // MergeMonos, not flatMap: flatMap's work per result grows with the concurrency (see MergeMonos)
            return MergeMonos.merge(slots.gate(Flux.from(requests)),
                            (FetchRequest r) -> started(pipeline, next[0]++, r, d, slots), slots.openLimit())
                    .map(CallSlots.Slot::release)
                    .doFinally(signal -> d.dispose());
        });
    }

    /** Results streamed in input order, still fetched {@code concurrency} at a time. */
    public static Flux<FetchResult> ordered(Pipeline pipeline, Publisher<FetchRequest> requests, int concurrency) {
        return ordered(pipeline, requests, concurrency, pipeline.defaultDeadline());
    }

    /** Results streamed in input order, under a batch deadline (null: none); see {@link #asCompleted}. */
    public static Flux<FetchResult> ordered(Pipeline pipeline, Publisher<FetchRequest> requests, int concurrency,
                                            Duration deadline) {
        return Flux.defer(() -> {
            long[] next = {0};
            Deadline d = pipeline.startDeadline(deadline);
            CallSlots slots = new CallSlots(concurrency);
            return slots.gate(Flux.from(requests))
                    .flatMapSequential(r -> startedInOrder(pipeline, next[0]++, r, d, slots), slots.openLimit(), 1)
                    .doFinally(signal -> d.dispose());
        });
    }

    /**
     * One input, holding its slot from here until its result has gone downstream (lent while it waits
     * out a backoff). The pipeline never fails and never completes empty: a cancel is the only other end.
     * A Mono whose value comes with its completion, as {@link MergeMonos} passes values on.
     */
    private static Mono<CallSlots.Slot> started(Pipeline pipeline, long index, FetchRequest request,
                                                Deadline deadline, CallSlots slots) {
        CallSlots.Slot slot = slots.slot();
        return pipeline.execute(index, request, deadline, slot).map(slot).doOnCancel(slot);
    }

    /**
     * One input of the ordered stream: its slot is given back as soon as it has its result. A result
     * waiting behind an earlier input must not hold a slot: that earlier input may be a retry waiting for
     * one. {@code flatMapSequential}'s limit ({@link CallSlots#openLimit}) bounds the results waiting.
     */
    private static Mono<FetchResult> startedInOrder(Pipeline pipeline, long index, FetchRequest request,
                                                    Deadline deadline, CallSlots slots) {
        CallSlots.Slot slot = slots.slot();
        return pipeline.execute(index, request, deadline, slot).doFinally(signal -> slot.run());
    }

    /** All results, in input order (like {@code asyncio.gather(..., return_exceptions=True)}). */
    public static Mono<List<FetchResult>> gather(Pipeline pipeline, Publisher<FetchRequest> requests,
                                                 int concurrency, int sizeHint) {
        return gather(pipeline, requests, concurrency, sizeHint, pipeline.defaultDeadline());
    }

    /** All results, in input order, under a batch deadline (null: none); see {@link #asCompleted}. */
    public static Mono<List<FetchResult>> gather(Pipeline pipeline, Publisher<FetchRequest> requests,
                                                 int concurrency, int sizeHint, Duration deadline) {
        return asCompleted(pipeline, requests, concurrency, deadline)
                .collect(() -> new Gathered(sizeHint), Gathered::put)
                .map(Gathered::toList);
    }

    /** Like {@link #gather}, but the first failure becomes the error signal and cancels the rest. */
    public static Mono<List<FetchResult>> gatherFailFast(Pipeline pipeline, Publisher<FetchRequest> requests,
                                                         int concurrency, int sizeHint) {
        return asCompleted(pipeline, requests, concurrency)
                .<FetchResult>handle((result, sink) -> {
                    if (result.isSuccess()) {
                        sink.next(result);
                    } else {
                        sink.error(result.error().orElseThrow());
                    }
                })
                .collect(() -> new Gathered(sizeHint), Gathered::put)
                .map(Gathered::toList);
    }

    /** Results placed by input index. */
    private static final class Gathered {
        private FetchResult[] results;
        private int size;

        Gathered(int sizeHint) {
            results = new FetchResult[Math.max(sizeHint, 16)];
        }

        void put(FetchResult result) {
            int i = Math.toIntExact(result.index());
            if (i >= results.length) {
                results = Arrays.copyOf(results, Math.max(results.length * 2, i + 1));
            }
            results[i] = result;
            size = Math.max(size, i + 1);
        }

        List<FetchResult> toList() {
            return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(results, size)));
        }
    }
}
