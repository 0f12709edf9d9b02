package dev.fanout.internal;

import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slots of one batch call without a network: inputs pass the gate only against a free slot, a
 * slot lent during a backoff serves the next input and goes back to its retry before any new input,
 * and every slot comes back exactly once, however inputs end.
 */
class CallSlotsTest {

    /** Takes everything the gate lets through, each with its slot. */
    private static final class Taker<T> extends BaseSubscriber<T> {
        final CallSlots slots;
        final List<T> items = new ArrayList<>();
        final List<CallSlots.Slot> held = new ArrayList<>();
        volatile boolean completed;
        volatile Throwable failure;

        Taker(CallSlots slots) {
            this.slots = slots;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            request(Long.MAX_VALUE);
        }

        @Override
        protected void hookOnNext(T value) {
            items.add(value);
            held.add(slots.slot());
        }

        @Override
        protected void hookOnComplete() {
            completed = true;
        }

        @Override
        protected void hookOnError(Throwable error) {
            failure = error;
        }

        void end(int i) {
            held.get(i).run();
        }
    }

    @Test
    void inputsPassOnlyAgainstFreeSlotsAndTheEndWaitsForTheLast() {
        CallSlots slots = new CallSlots(2);
        Taker<Integer> taker = new Taker<>(slots);
        slots.gate(Flux.range(0, 4)).subscribe(taker);
        assertThat(taker.items).containsExactly(0, 1);
        taker.end(1);
        assertThat(taker.items).containsExactly(0, 1, 2);
        taker.end(0);
        taker.end(0); // a second end gives nothing back
        assertThat(taker.items).containsExactly(0, 1, 2, 3);
        assertThat(slots.freeSlots()).isZero();
        assertThat(taker.completed).as("complete once the last input has passed").isTrue();
        taker.end(2);
        taker.end(3);
        assertThat(slots.freeSlots()).isEqualTo(2);
    }

    @Test
    void aLentSlotServesTheNextInputAndGoesBackToItsRetryFirst() {
        CallSlots slots = new CallSlots(1);
        Taker<Integer> taker = new Taker<>(slots);
        slots.gate(Flux.range(0, 3)).subscribe(taker);
        assertThat(taker.items).containsExactly(0);

        Sinks.One<Long> backoff = Sinks.one();
        AtomicBoolean retrying = new AtomicBoolean();
        lendDuring(taker.held.get(0), backoff.asMono()).subscribe(v -> retrying.set(true));
        assertThat(taker.items).as("input 1 takes the lent slot").containsExactly(0, 1);

        backoff.tryEmitValue(0L);
        assertThat(retrying).as("no slot free while input 1 holds it").isFalse();
        taker.end(1);
        assertThat(retrying).as("the retry gets the slot back").isTrue();
        assertThat(taker.items).as("before any new input").containsExactly(0, 1);
        taker.end(0);
        assertThat(taker.items).containsExactly(0, 1, 2);
        taker.end(2);
        assertThat(slots.freeSlots()).isEqualTo(1);
        assertThat(taker.completed).isTrue();
    }

    @Test
    void aSilentInputStreamHoldsNoSlotAWaitingRetryNeeds() {
        CallSlots slots = new CallSlots(1);
        Sinks.Many<Integer> inputs = Sinks.many().unicast().onBackpressureBuffer();
        Taker<Integer> taker = new Taker<>(slots);
        slots.gate(inputs.asFlux()).subscribe(taker); // asks for everything; the stream gives one
        inputs.tryEmitNext(0);
        assertThat(taker.items).containsExactly(0);

        Sinks.One<Long> backoff = Sinks.one();
        AtomicBoolean retrying = new AtomicBoolean();
        lendDuring(taker.held.get(0), backoff.asMono()).subscribe(v -> retrying.set(true));
        assertThat(slots.freeSlots()).as("lent, and nothing came to take it").isEqualTo(1);
        backoff.tryEmitValue(0L);
        assertThat(retrying).isTrue();
        assertThat(slots.freeSlots()).isZero();

        inputs.tryEmitNext(1);
        assertThat(taker.items).as("the next input waits for the retry's slot").containsExactly(0);
        taker.end(0);
        assertThat(taker.items).containsExactly(0, 1);
        inputs.tryEmitComplete();
        assertThat(taker.completed).isTrue();
    }

    @Test
    void anInputThatEndsWhileWaitingForItsSlotGivesNothingBackTwice() {
        CallSlots slots = new CallSlots(1);
        Taker<Integer> taker = new Taker<>(slots);
        slots.gate(Flux.range(0, 3)).subscribe(taker);
        Sinks.One<Long> backoff = Sinks.one();
        AtomicBoolean retrying = new AtomicBoolean();
        var waiting = lendDuring(taker.held.get(0), backoff.asMono()).subscribe(v -> retrying.set(true));
        backoff.tryEmitValue(0L); // input 1 holds the slot: input 0 waits for it
        waiting.dispose();
        taker.end(0); // input 0 ends (cancelled) while waiting
        assertThat(slots.freeSlots()).isZero();

        taker.end(1);
        assertThat(retrying).isFalse();
        assertThat(taker.items).as("the cancelled retry's turn passes to the next input").containsExactly(0, 1, 2);
        taker.end(2);
        assertThat(slots.freeSlots()).isEqualTo(1);
    }

    @Test
    void anInputStreamThatFailsEndsTheCallAtOnce() {
        CallSlots slots = new CallSlots(1);
        Sinks.Many<Integer> inputs = Sinks.many().unicast().onBackpressureBuffer();
        Taker<Integer> taker = new Taker<>(slots);
        slots.gate(inputs.asFlux()).subscribe(taker);
        inputs.tryEmitNext(0);
        // input 0 lends its slot (so the gate asks for one more input), then takes it back at once
        Sinks.One<Long> backoff = Sinks.one();
        lendDuring(taker.held.get(0), backoff.asMono()).subscribe();
        backoff.tryEmitValue(0L);
        inputs.tryEmitNext(1); // asked for, but no slot: it waits in the gate
        assertThat(taker.items).containsExactly(0);

        inputs.tryEmitError(new IllegalStateException("input failed"));
        assertThat(taker.failure).as("not delayed behind the queued input").hasMessage("input failed");
        assertThat(taker.items).containsExactly(0);
    }

    @Test
    void withoutRetriesNoMoreInputsAreAskedForThanSlotsAreFree() {
        CallSlots slots = new CallSlots(3);
        AtomicLong asked = new AtomicLong();
        Taker<Integer> taker = new Taker<>(slots);
        slots.gate(Flux.range(0, 10).doOnRequest(asked::addAndGet)).subscribe(taker); // the taker asks for everything
        assertThat(asked.get()).isEqualTo(3);
        taker.end(0);
        assertThat(asked.get()).isEqualTo(4);
        assertThat(taker.items).containsExactly(0, 1, 2, 3);
    }

    @RepeatedTest(3)
    void concurrentLendingAndEndingNeverHoldMoreThanTheSlotsAndLoseNone() {
        int concurrency = 4;
        int n = 5_000;
        CallSlots slots = new CallSlots(concurrency);
        // more threads than slots, and time spent inside each holding window: a gate that let a fifth
        // input through, or a retry back without its slot, would show here
        Scheduler threads = Schedulers.newParallel("call-slots-test", 16);
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger maxHolding = new AtomicInteger();
        try {
            Mono<Integer> hold = Mono.fromCallable(() -> {
                maxHolding.accumulateAndGet(holding.incrementAndGet(), Math::max);
                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(50_000));
                holding.decrementAndGet();
                return 1;
            }).subscribeOn(threads);
            Long results = MergeMonos.merge(slots.gate(Flux.range(0, n)), (Integer i) -> {
                        CallSlots.Slot slot = slots.slot();
                        Mono<Integer> one = i % 3 == 0
                                ? hold.then(lendDuring(slot, Mono.delay(
                                        Duration.ofNanos(ThreadLocalRandom.current().nextLong(200_000)), threads)))
                                        .then(hold)
                                : hold;
                        return one.doFinally(signal -> slot.run());
                    }, slots.openLimit())
                    .count()
                    .block(Duration.ofSeconds(60));
            assertThat(results).isEqualTo(n);
            assertThat(maxHolding.get()).as("inputs working at once").isLessThanOrEqualTo(concurrency);
            // doFinally runs after an inner's completion has reached the merge: the last slot may come back
            // just after block() returned; a lost one never does
            long until = System.nanoTime() + 5_000_000_000L;
            while (slots.freeSlots() != concurrency && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertThat(slots.freeSlots()).isEqualTo(concurrency);
        } finally {
            threads.dispose();
        }
    }

    /**
     * A backoff as {@code Retrying} waits one: lend the slot, wait, take a slot back; emits the wait's
     * value once the slot is back (at once if nothing was lent: the input had ended).
     */
    private static <T> Mono<T> lendDuring(CallSlots.Slot slot, Mono<T> wait) {
        return Mono.defer(() -> {
            boolean lent = slot.lend();
            return wait.flatMap(value -> lent ? Mono.<T>create(sink -> slot.reclaim(() -> sink.success(value)))
                    : Mono.just(value));
        });
    }

    private static FetchResult result(int i) {
        return FetchResult.success(i, FetchRequest.get("http://127.0.0.1/" + i), 200, EmptyHttpHeaders.INSTANCE,
                new byte[0], Duration.ZERO, 1, null);
    }

    /**
     * {@code fetchAsCompleted}'s wiring ({@code Assemblers.asCompleted}) around each input's work; a work
     * that is a Flux may send its value before its completion ({@code fromDirect} passes it on as a Mono
     * without cancelling it after the value).
     */
    private static Flux<FetchResult> asCompleted(CallSlots slots, Flux<Integer> inputs,
                                                 BiFunction<Integer, CallSlots.Slot, Publisher<FetchResult>> work) {
        return MergeMonos.merge(slots.gate(inputs), (Integer i) -> {
                    CallSlots.Slot slot = slots.slot();
                    return Mono.fromDirect(Flux.from(work.apply(i, slot)).map(slot).doOnCancel(slot));
                }, slots.openLimit())
                .map(CallSlots.Slot::release);
    }

    @RepeatedTest(3)
    void aResultHandsItsSlotOnOnlyAsItLeavesTheMerge() {
        // counted from the merge's subscription of an inner until its result comes out of the merge, just
        // before release() hands the slot on: a slot handed on any earlier takes the merge past concurrency
        int concurrency = 4;
        int n = 3_000;
        CallSlots slots = new CallSlots(concurrency);
        Scheduler threads = Schedulers.newParallel("call-slots-inners", 4);
        AtomicInteger open = new AtomicInteger();
        AtomicInteger maxOpen = new AtomicInteger();
        try {
            Long results = MergeMonos.merge(slots.gate(Flux.range(0, n)), (Integer i) -> {
                        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        CallSlots.Slot slot = slots.slot();
                        return Mono.fromCallable(() -> result(i)).subscribeOn(threads).map(slot).doOnCancel(slot);
                    }, slots.openLimit())
                    .doOnNext(slot -> open.decrementAndGet())
                    .map(CallSlots.Slot::release)
                    .count()
                    .block(Duration.ofSeconds(60));
            assertThat(results).isEqualTo(n);
            assertThat(maxOpen.get()).as("inners open in the merge at once").isEqualTo(concurrency);
            assertThat(slots.freeSlots()).isEqualTo(concurrency);
        } finally {
            threads.dispose();
        }
    }

    @Test
    void resultsThatArriveDuringTheirSubscriptionNeverStallTheGate() {
        // an invalid URL or a closed client: the result is there before the merge has finished subscribing
        CallSlots slots = new CallSlots(2);
        List<FetchResult> out = asCompleted(slots, Flux.range(0, 1_000), (i, slot) -> Mono.just(result(i)))
                .collectList()
                .block(Duration.ofSeconds(10));
        assertThat(out).hasSize(1_000);
        assertThat(slots.freeSlots()).isEqualTo(2);
    }

    @Test
    void aRetryWaitingForItsSlotGetsTheSlotOfAResultGoingDownstreamAfterTheInputHasEnded() {
        // the input has ended, so no new input takes the slot: it must reach the retry
        CallSlots slots = new CallSlots(1);
        Sinks.One<Long> backoff = Sinks.one();
        Sinks.One<FetchResult> second = Sinks.one();
        List<Long> out = new ArrayList<>();
        asCompleted(slots, Flux.range(0, 2), (i, slot) -> i == 0
                ? lendDuring(slot, backoff.asMono()).map(waited -> result(0))
                : second.asMono())
                .subscribe(r -> out.add(r.index()));
        assertThat(out).as("input 1 took the slot input 0 lent").isEmpty();
        backoff.tryEmitValue(0L); // input 0's backoff ends: it waits for its slot
        assertThat(out).isEmpty();

        second.tryEmitValue(result(1));
        assertThat(out).as("input 1's result, then input 0 with the slot it gave back").containsExactly(1L, 0L);
        assertThat(slots.freeSlots()).isEqualTo(1);
    }

    @Test
    void aRetryWaitingForItsSlotGetsTheSlotOfAResultGoingDownstreamWhileInputsRemain() {
        CallSlots slots = new CallSlots(1);
        Sinks.One<Long> backoff = Sinks.one();
        Sinks.One<FetchResult> second = Sinks.one();
        Sinks.Many<Integer> inputs = Sinks.many().unicast().onBackpressureBuffer();
        List<Long> out = new ArrayList<>();
        asCompleted(slots, inputs.asFlux(), (i, slot) -> i == 0
                ? lendDuring(slot, backoff.asMono()).map(waited -> result(0))
                : i == 1 ? second.asMono() : Mono.just(result(i)))
                .subscribe(r -> out.add(r.index()));
        inputs.tryEmitNext(0);
        inputs.tryEmitNext(1); // takes the slot input 0 lent
        inputs.tryEmitNext(2); // waits upstream: the gate asks for inputs only against free slots
        backoff.tryEmitValue(0L); // input 0 waits for its slot, ahead of input 2
        second.tryEmitValue(result(1));
        assertThat(out).as("the retry before the new input").containsExactly(1L, 0L, 2L);
        assertThat(slots.freeSlots()).isEqualTo(1);
    }

    @Test
    void aRetryTakesASlotGivenBackByAResultGoneDownstreamWhileTheConsumerAsksForNothing() {
        // a retry waiting for its slot gets the one a result gives back as it goes downstream, even while the
        // consumer asks for nothing more and inputs remain upstream
        CallSlots slots = new CallSlots(2);
        Sinks.One<Long> backoff = Sinks.one();
        Sinks.Many<FetchResult> y = Sinks.many().unicast().onBackpressureBuffer();
        Sinks.Many<FetchResult> x = Sinks.many().unicast().onBackpressureBuffer();
        AtomicBoolean retried = new AtomicBoolean();
        List<Long> out = new ArrayList<>();
        BaseSubscriber<FetchResult> consumer = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                request(1);
            }

            @Override
            protected void hookOnNext(FetchResult r) {
                out.add(r.index());
            }
        };
        // input 3 stays upstream: the gate has not ended
        asCompleted(slots, Flux.range(0, 4), (i, slot) -> switch (i) {
            case 0 -> lendDuring(slot, backoff.asMono()).doOnNext(v -> retried.set(true)).map(v -> result(0));
            case 1 -> y.asFlux();
            case 2 -> x.asFlux(); // its value, then its completion when the test says
            default -> Mono.just(result(i));
        }).subscribe(consumer);
        // input 0 lent its slot to input 2; inputs 1 and 2 hold the two slots
        x.tryEmitNext(result(2)); // held by the merge until x completes
        y.tryEmitNext(result(1)); // likewise
        backoff.tryEmitValue(0L); // input 0's retry wants a slot: none is free, so it waits
        x.tryEmitComplete(); // result 2 goes downstream (the consumer's one request), its slot to the retry at once
        assertThat(out).containsExactly(2L);
        assertThat(retried).as("the retry got the slot without waiting for the consumer").isTrue();

        consumer.request(10);
        y.tryEmitComplete();
        assertThat(out).containsExactlyInAnyOrder(2L, 1L, 0L, 3L);
        assertThat(slots.freeSlots()).isEqualTo(2);
    }
}
