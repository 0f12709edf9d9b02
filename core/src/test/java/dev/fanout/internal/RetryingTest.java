package dev.fanout.internal;

import dev.fanout.RetryPolicy;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.test.StepVerifier;
import reactor.test.util.RaceTestUtils;
import reactor.util.context.Context;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static dev.fanout.internal.RetryStageTest.request;
import static dev.fanout.internal.RetryStageTest.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Retrying}'s own behaviour around {@link RetryStage}'s decisions (those are in RetryStageTest):
 * the backoff's timer disarmed by a cancel or a close, the slot lent and taken back, demand, the stack
 * when retries follow at once, the context. Timers are fired by hand; no sockets.
 */
class RetryingTest {

    private static final RetryPolicy TWO_TRIES = RetryPolicy.backoff(2, Duration.ofMillis(100)).jitter(0);

    private final ManualTimer timer = new ManualTimer();
    private final AtomicBoolean closed = new AtomicBoolean();

    private RetryStage stage(BooleanSupplier closed, Scheduler backoff) {
        return new RetryStage(new RetryBudget(0.2, 1_000_000, System::nanoTime), () -> backoff, () -> backoff, closed);
    }

    private RetryStage stage() {
        return stage(closed::get, timer);
    }

    /** Fails with a refused connection the first {@code failures} times, then emits the attempt number. */
    private static Mono<Integer> failing(int failures, AtomicInteger calls) {
        return RetryStageTest.failing(failures, new ConnectException("refused"), calls);
    }

    @Test
    void aCancelDuringTheBackoffDisarmsItAndSendsNothingMore() {
        AtomicInteger calls = new AtomicInteger();
        RetryStage stage = stage();
        Disposable subscription = stage.withRetries(failing(1, calls), request("GET"), TWO_TRIES, null, (e, n) -> { })
                .subscribe();
        ManualTimer.Armed backoff = timer.only();
        assertThat(backoff.delayNanos).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(stage.waitsInProgress()).isEqualTo(1);

        subscription.dispose();
        assertThat(backoff.disposed).as("the timer disarmed").isTrue();
        assertThat(stage.waitsInProgress()).isZero();
        backoff.fire(); // as a wheel would, had the dispose come too late to stop it
        assertThat(calls).as("no attempt after the cancel").hasValue(1);
    }

    @Test
    void aCancelDuringAnAttemptCancelsIt() {
        AtomicBoolean cancelled = new AtomicBoolean();
        Disposable subscription = stage().withRetries(Mono.never().doOnCancel(() -> cancelled.set(true)),
                request("GET"), TWO_TRIES, null, (e, n) -> { }).subscribe();
        subscription.dispose();
        assertThat(cancelled).isTrue();
    }

    @Test
    void theClientsCloseEndsABackoffAtOnceAsCancelled() {
        AtomicInteger calls = new AtomicInteger();
        RetryStage stage = stage();
        List<Throwable> errors = new ArrayList<>();
        stage.withRetries(failing(1, calls), request("GET"), TWO_TRIES, null, (e, n) -> { })
                .subscribe(v -> { }, errors::add);
        ManualTimer.Armed backoff = timer.only();

        closed.set(true);
        stage.closeWaits();
        assertThat(errors).singleElement().isInstanceOf(CancellationException.class)
                .extracting(Throwable::getMessage).isEqualTo("client closed");
        assertThat(backoff.disposed).isTrue();
        assertThat(stage.waitsInProgress()).isZero();
        backoff.fire();
        assertThat(calls).hasValue(1);
        assertThat(errors).as("one signal").hasSize(1);
    }

    @Test
    void aCloseBetweenTheDecisionAndTheWaitStillEndsIt() {
        // the decision sees the client open; the close then goes over the set of waits before this one joins it
        AtomicInteger asked = new AtomicInteger();
        RetryStage stage = stage(() -> asked.incrementAndGet() > 1, timer);
        List<Throwable> errors = new ArrayList<>();
        stage.withRetries(failing(1, new AtomicInteger()), request("GET"), TWO_TRIES, null, (e, n) -> { })
                .subscribe(v -> { }, errors::add);
        assertThat(errors).singleElement().isInstanceOf(CancellationException.class);
        assertThat(timer.armed).as("no timer armed for a wait that cannot happen").isEmpty();
        assertThat(stage.waitsInProgress()).isZero();
    }

    @Test
    void theBackoffLendsTheSlotAndTheRetryWaitsForOneToComeBack() {
        CallSlots slots = new CallSlots(1);
        List<Integer> passed = new ArrayList<>();
        slots.gate(Flux.range(0, 2)).subscribe(passed::add);
        assertThat(passed).as("one slot: one input").containsExactly(0);
        CallSlots.Slot first = slots.slot();

        AtomicInteger calls = new AtomicInteger();
        RetryStage stage = stage();
        List<Integer> values = new ArrayList<>();
        stage.withRetries(failing(1, calls), request("GET"), TWO_TRIES, first, (e, n) -> { }).subscribe(values::add);
        assertThat(passed).as("the backoff lent the slot to input 1").containsExactly(0, 1);
        CallSlots.Slot second = slots.slot();

        timer.only().fire();
        assertThat(calls).as("the backoff is over, but input 1 holds the only slot").hasValue(1);
        assertThat(stage.waitsInProgress()).as("a close would still end the wait for the slot").isEqualTo(1);

        second.run(); // input 1 ends: its slot goes to the waiting retry
        assertThat(values).containsExactly(2);
        assertThat(stage.waitsInProgress()).isZero();
        first.run();
        assertThat(slots.freeSlots()).isEqualTo(1);
    }

    @Test
    void theClientsCloseEndsTheWaitForTheSlotToo() {
        CallSlots slots = new CallSlots(1);
        slots.gate(Flux.range(0, 2)).subscribe();
        CallSlots.Slot first = slots.slot();
        AtomicInteger calls = new AtomicInteger();
        RetryStage stage = stage();
        List<Throwable> errors = new ArrayList<>();
        stage.withRetries(failing(1, calls), request("GET"), TWO_TRIES, first, (e, n) -> { })
                .subscribe(v -> { }, errors::add);
        CallSlots.Slot second = slots.slot();
        timer.only().fire(); // waiting for the slot input 1 holds

        closed.set(true);
        stage.closeWaits();
        assertThat(errors).singleElement().isInstanceOf(CancellationException.class);
        first.run(); // its failed result has gone out
        second.run();
        assertThat(calls).as("the slot that came back sent nothing").hasValue(1);
        assertThat(slots.freeSlots()).as("and went back to the call").isEqualTo(1);
    }

    @Test
    void eachAttemptIsAskedForItsValueOnlyOnceTheSubscriberAsks() {
        AtomicInteger calls = new AtomicInteger();
        List<Long> requests = new ArrayList<>();
        // Retry-After: 0, so the second attempt follows at once, before any demand
        Mono<Integer> attempt = Mono.defer(() -> calls.incrementAndGet() == 1
                        ? Mono.<Integer>error(status(503, "0")) : Mono.just(7))
                .doOnRequest(requests::add);
        StepVerifier.create(stage().withRetries(attempt, request("GET"), TWO_TRIES, null, (e, n) -> { }), 0)
                .expectSubscription()
                .then(() -> assertThat(calls).hasValue(2))
                .expectNoEvent(Duration.ofMillis(10))
                .thenRequest(1)
                .expectNext(7)
                .verifyComplete();
        assertThat(requests).as("the failed attempt was never asked; the second once").containsExactly(Long.MAX_VALUE);
    }

    @Test
    void retriesThatFollowAtOnceLoopInsteadOfDeepeningTheStack() {
        int attempts = 2_000;
        RetryPolicy policy = RetryPolicy.backoff(attempts, Duration.ofMillis(100));
        AtomicInteger calls = new AtomicInteger();
        int[] depth = new int[2];
        Mono<Integer> attempt = Mono.defer(() -> {
            int n = calls.incrementAndGet();
            if (n == 1 || n == attempts) {
                depth[n == 1 ? 0 : 1] = Thread.currentThread().getStackTrace().length;
            }
            return n < attempts ? Mono.error(status(503, "0")) : Mono.just(n);
        });
        StepVerifier.create(stage().withRetries(attempt, request("GET"), policy, null, (e, n) -> { }))
                .expectNext(attempts)
                .verifyComplete();
        assertThat(depth[1] - depth[0]).as("frames added by %d retries", attempts - 1).isLessThan(10);
    }

    @Test
    void theAttemptIsSubscribedWithTheSubscribersContext() {
        AtomicInteger calls = new AtomicInteger();
        Mono<String> attempt = Mono.deferContextual(ctx -> calls.incrementAndGet() == 1
                ? Mono.error(status(503, "0")) : Mono.just(ctx.get("trace")));
        StepVerifier.create(stage().withRetries(attempt, request("GET"), TWO_TRIES, null, (e, n) -> { })
                        .contextWrite(Context.of("trace", "abc")))
                .expectNext("abc")
                .verifyComplete();
    }

    @Test
    void aTimerThatRefusesTheBackoffFailsTheRequest() {
        Scheduler refusing = new ManualTimer() {
            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                throw new RejectedExecutionException("timer shut down");
            }
        };
        RetryStage stage = stage(closed::get, refusing);
        StepVerifier.create(stage.withRetries(failing(1, new AtomicInteger()), request("GET"), TWO_TRIES, null,
                        (e, n) -> { }))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RejectedExecutionException.class))
                .verify(Duration.ofSeconds(5));
        assertThat(stage.waitsInProgress()).isZero();
    }

    @Test
    void theFirstAttemptsSuccessArmsNoTimerAndRegistersNoWait() {
        RetryStage stage = stage();
        StepVerifier.create(stage.withRetries(Mono.just(1), request("GET"), TWO_TRIES, null, (e, n) -> { }))
                .expectNext(1)
                .verifyComplete();
        assertThat(timer.armed).isEmpty();
        assertThat(stage.waitsInProgress()).isZero();
    }

    @Test
    void aRefusedBackoffWithTheSlotLentGivesNothingBackTwice() {
        CallSlots slots = new CallSlots(1);
        slots.gate(Flux.range(0, 2)).subscribe();
        CallSlots.Slot first = slots.slot();
        Scheduler refusing = new ManualTimer() {
            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                throw new RejectedExecutionException("timer shut down");
            }
        };
        List<Throwable> errors = new ArrayList<>();
        stage(closed::get, refusing).withRetries(failing(1, new AtomicInteger()), request("GET"), TWO_TRIES, first,
                (e, n) -> { }).subscribe(v -> { }, errors::add);
        assertThat(errors).singleElement().isInstanceOf(RejectedExecutionException.class);
        CallSlots.Slot second = slots.slot(); // input 1 took the slot lent before the timer refused
        first.run();
        second.run();
        assertThat(slots.freeSlots()).isEqualTo(1);
    }

    @RepeatedTest(3)
    void aCancelRacingTheEndOfTheBackoffLeavesNoWaitBehind() {
        for (int i = 0; i < 2_000; i++) {
            ManualTimer timer = new ManualTimer();
            RetryStage stage = stage(closed::get, timer);
            AtomicInteger calls = new AtomicInteger();
            List<Object> signals = new java.util.concurrent.CopyOnWriteArrayList<>();
            Disposable subscription = stage.withRetries(failing(1, calls), request("GET"), TWO_TRIES, null,
                    (e, n) -> { }).subscribe(signals::add, signals::add);
            ManualTimer.Armed backoff = timer.only();
            RaceTestUtils.race(subscription::dispose, backoff::fire);
            assertThat(stage.waitsInProgress()).isZero();
            assertThat(signals).as("no error; at most the second attempt's value").allMatch(v -> v.equals(2));
            assertThat(calls.get()).isBetween(1, 2);
        }
    }

    @RepeatedTest(3)
    void theCloseRacingTheSlotsReturnEndsTheRequestOnceAndLosesNoSlot() {
        for (int i = 0; i < 2_000; i++) {
            CallSlots slots = new CallSlots(1);
            slots.gate(Flux.range(0, 2)).subscribe();
            CallSlots.Slot first = slots.slot();
            AtomicBoolean closing = new AtomicBoolean();
            ManualTimer timer = new ManualTimer();
            RetryStage stage = stage(closing::get, timer);
            AtomicInteger calls = new AtomicInteger();
            List<Object> signals = new java.util.concurrent.CopyOnWriteArrayList<>();
            stage.withRetries(failing(1, calls), request("GET"), TWO_TRIES, first, (e, n) -> { })
                    .subscribe(signals::add, signals::add);
            CallSlots.Slot second = slots.slot();
            timer.only().fire(); // waiting for the slot input 1 holds
            RaceTestUtils.race(() -> {
                closing.set(true);
                stage.closeWaits();
            }, second::run);
            assertThat(signals).as("either the retry's value or the close").hasSize(1)
                    .allMatch(v -> v.equals(2) || v instanceof CancellationException);
            assertThat(stage.waitsInProgress()).isZero();
            first.run(); // the result has gone out
            assertThat(slots.freeSlots()).isEqualTo(1);
        }
    }
}
