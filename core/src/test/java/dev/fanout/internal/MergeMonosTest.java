package dev.fanout.internal;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link MergeMonos} behaves as {@code flatMap(mapper, maxConcurrency)} over Monos: completion order, the
 * bound on inners, one input asked for per inner finished, backpressure, cancel and errors.
 */
class MergeMonosTest {

    /** Inputs mapped to Monos completed by hand; counts the inners subscribed and cancelled. */
    private static final class Pending {
        final List<Sinks.One<Integer>> sinks = new ArrayList<>();
        final AtomicInteger subscribed = new AtomicInteger();
        final AtomicInteger cancelled = new AtomicInteger();

        Mono<Integer> next(Integer input) {
            Sinks.One<Integer> sink = Sinks.one();
            sinks.add(sink);
            return sink.asMono().doOnSubscribe(s -> subscribed.incrementAndGet()).doOnCancel(cancelled::incrementAndGet);
        }

        void complete(int i) {
            sinks.get(i).tryEmitValue(i * 10);
        }
    }

    @Test
    void valuesComeOutInTheOrderTheirMonosComplete() {
        Pending p = new Pending();
        StepVerifier.create(MergeMonos.merge(Flux.range(0, 3), p::next, 3))
                .then(() -> p.complete(2))
                .expectNext(20)
                .then(() -> p.complete(0))
                .expectNext(0)
                .then(() -> p.complete(1))
                .expectNext(10)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void atMostMaxConcurrencyInnersAreSubscribedAndEachFinishedOneAsksForOneInputAfterItsValue() {
        Pending p = new Pending();
        AtomicLong asked = new AtomicLong();
        AtomicLong passedOn = new AtomicLong();
        List<Long> passedOnAtEachRequest = new ArrayList<>();
        Flux<Integer> input = Flux.range(0, 10).doOnRequest(n -> {
            asked.addAndGet(n);
            passedOnAtEachRequest.add(passedOn.get());
        });
        StepVerifier.create(MergeMonos.merge(input, p::next, 3).doOnNext(v -> passedOn.incrementAndGet()))
                .then(() -> {
                    assertThat(p.subscribed.get()).isEqualTo(3);
                    assertThat(asked.get()).isEqualTo(3);
                })
                .then(() -> p.complete(1))
                .expectNext(10)
                .then(() -> {
                    assertThat(p.subscribed.get()).isEqualTo(4);
                    assertThat(asked.get()).isEqualTo(4);
                    // the gate (CallSlots) hands a slot on at the next request: it must come after the value
                    assertThat(passedOnAtEachRequest).containsExactly(0L, 1L);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aValueWaitingForDemandKeepsItsInnerCounted() {
        Pending p = new Pending();
        StepVerifier.create(MergeMonos.merge(Flux.range(0, 10), p::next, 2), 0)
                .then(() -> p.complete(0))
                .then(() -> p.complete(1))
                // both finished, neither passed on: no third input yet
                .then(() -> assertThat(p.subscribed.get()).isEqualTo(2))
                .thenRequest(1)
                .expectNext(0)
                .then(() -> assertThat(p.subscribed.get()).isEqualTo(3))
                .thenRequest(1)
                .expectNext(10)
                .then(() -> assertThat(p.subscribed.get()).isEqualTo(4))
                .thenCancel()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void emptyMonosAskForTheNextInputAndTheStreamCompletesAfterTheLast() {
        AtomicLong asked = new AtomicLong();
        StepVerifier.create(MergeMonos.merge(Flux.range(0, 5).doOnRequest(asked::addAndGet),
                        i -> i % 2 == 0 ? Mono.<Integer>empty() : Mono.just(i), 1))
                .expectNext(1, 3)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(asked.get()).isEqualTo(1 + 5);
    }

    @Test
    void monosThatCompleteDuringTheirSubscriptionRunWithoutRecursionOrLoss() {
        int n = 200_000;
        Long count = MergeMonos.merge(Flux.range(0, n), Mono::just, 4).count().block(Duration.ofSeconds(30));
        assertThat(count).isEqualTo(n);
    }

    @Test
    void aCancelReachesTheInputAndEveryLiveInnerAndDiscardsWaitingValues() {
        Pending p = new Pending();
        AtomicInteger inputCancelled = new AtomicInteger();
        List<Object> discarded = new ArrayList<>();
        StepVerifier.create(MergeMonos.merge(Flux.range(0, 10).doOnCancel(inputCancelled::incrementAndGet), p::next, 3)
                        .doOnDiscard(Integer.class, discarded::add), 0)
                .then(() -> p.complete(0)) // finished, waiting for demand
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        assertThat(inputCancelled.get()).isEqualTo(1);
        assertThat(p.cancelled.get()).as("the two inners still running").isEqualTo(2);
        assertThat(discarded).containsExactly(0);
    }

    @Test
    void anInputErrorEndsTheStreamAndCancelsTheInners() {
        Pending p = new Pending();
        TestPublisher<Integer> input = TestPublisher.create();
        StepVerifier.create(MergeMonos.merge(input.flux(), p::next, 4))
                .then(() -> input.next(0, 1))
                .then(() -> p.complete(1))
                .expectNext(10)
                .then(() -> input.error(new IllegalStateException("input failed")))
                .expectErrorMessage("input failed")
                .verify(Duration.ofSeconds(5));
        assertThat(p.cancelled.get()).isEqualTo(1);
    }

    @Test
    void anInnerErrorEndsTheStreamAndCancelsTheInputAndTheOtherInners() {
        TestPublisher<Integer> input = TestPublisher.create();
        Pending p = new Pending();
        Sinks.One<Integer> failing = Sinks.one();
        StepVerifier.create(MergeMonos.merge(input.flux(), i -> i == 1 ? failing.asMono() : p.next(i), 4))
                .then(() -> input.next(0, 1, 2))
                .then(() -> failing.tryEmitError(new IllegalStateException("inner failed")))
                .expectErrorMessage("inner failed")
                .verify(Duration.ofSeconds(5));
        input.assertCancelled();
        assertThat(p.cancelled.get()).isEqualTo(2);
    }

    @Test
    void aMapperThatThrowsEndsTheStreamWithItsErrorAndCancelsTheInput() {
        AtomicInteger inputCancelled = new AtomicInteger();
        StepVerifier.create(MergeMonos.merge(Flux.range(0, 3).doOnCancel(inputCancelled::incrementAndGet), i -> {
                    if (i == 1) {
                        throw new IllegalArgumentException("bad input " + i);
                    }
                    return Mono.just(i);
                }, 2))
                .expectNext(0)
                .expectErrorMessage("bad input 1")
                .verify(Duration.ofSeconds(5));
        assertThat(inputCancelled.get()).as("the input was cancelled (cancel is idempotent)").isPositive();
    }

    @Test
    void theConsumersContextReachesTheInners() {
        StepVerifier.create(MergeMonos.merge(Flux.range(0, 2),
                        i -> Mono.deferContextual(ctx -> Mono.just(ctx.get("who") + "-" + i)), 2)
                        .contextWrite(ctx -> ctx.put("who", "caller")))
                .expectNext("caller-0", "caller-1")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aBadConcurrencyIsRefused() {
        assertThatThrownBy(() -> MergeMonos.merge(Flux.just(1), Mono::just, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @RepeatedTest(3)
    void monosCompletedOnManyThreadsAllComeOutOnceAndNeverExceedTheBound() {
        int n = 50_000;
        int concurrency = 8;
        Scheduler threads = Schedulers.newParallel("merge-monos-test", 4);
        // live inners: from the mapper (the merge subscribes at once) until the value comes out of the merge
        AtomicInteger live = new AtomicInteger();
        AtomicInteger maxLive = new AtomicInteger();
        ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
        try {
            Long count = MergeMonos.merge(Flux.range(0, n), i -> {
                        maxLive.accumulateAndGet(live.incrementAndGet(), Math::max);
                        return Mono.fromCallable(() -> {
                            if (i % 64 == 0) {
                                LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(20_000));
                            }
                            return i;
                        }).subscribeOn(threads);
                    }, concurrency)
                    .doOnNext(i -> live.decrementAndGet())
                    // a consumer that asks for 16 at a time, so that values also wait in the merge for demand
                    .publishOn(Schedulers.single(), 16)
                    .doOnNext(i -> assertThat(seen.put(i, Boolean.TRUE)).as("value %d twice", i).isNull())
                    .count()
                    .block(Duration.ofSeconds(60));
            assertThat(count).isEqualTo(n);
            assertThat(seen).hasSize(n);
            assertThat(maxLive.get()).isEqualTo(concurrency);
        } finally {
            threads.dispose();
        }
    }

    @Test
    void anInputThatFailsWhileTheConsumerAsksIsNeverTakenForOneThatCompleted() {
        // onError and request on two threads: a drain that read "ended" without the error would complete
        for (int run = 0; run < 10_000; run++) {
            TestPublisher<Integer> input = TestPublisher.createNoncompliant(TestPublisher.Violation.REQUEST_OVERFLOW);
            AtomicInteger outcome = new AtomicInteger(); // 1 completed, 2 failed
            reactor.core.publisher.BaseSubscriber<Integer> consumer = new reactor.core.publisher.BaseSubscriber<>() {
                @Override
                protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
                }

                @Override
                protected void hookOnError(Throwable throwable) {
                    outcome.compareAndSet(0, 2);
                }

                @Override
                protected void hookOnComplete() {
                    outcome.compareAndSet(0, 1);
                }
            };
            MergeMonos.merge(input.flux(), (Integer i) -> Mono.just(i), 4).subscribe(consumer);
            Thread failing = new Thread(() -> input.error(new IllegalStateException("input failed")));
            failing.start();
            while (outcome.get() == 0) {
                consumer.request(1);
            }
            try {
                failing.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(outcome.get()).as("run %d", run).isEqualTo(2);
        }
    }
}
