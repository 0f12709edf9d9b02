package dev.fanout.internal;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;
import reactor.test.publisher.TestPublisher;
import reactor.test.util.RaceTestUtils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link RequestTimeout}: the source's own signal before the timer, a TimeoutException after it, the timer disarmed. */
class RequestTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Records every signal it is sent, even after a terminal one (a LambdaSubscriber would drop those). */
    private static final class Recording implements reactor.core.CoreSubscriber<String> {
        final ConcurrentLinkedQueue<Object> signals = new ConcurrentLinkedQueue<>();
        volatile org.reactivestreams.Subscription subscription;

        @Override
        public void onSubscribe(org.reactivestreams.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String value) {
            signals.add(value);
        }

        @Override
        public void onError(Throwable error) {
            signals.add(error);
        }

        @Override
        public void onComplete() {
            signals.add("complete");
        }
    }

    @Test
    void aValueBeforeTheTimeoutPassesAndDisarmsTheTimer() {
        ManualTimer timer = new ManualTimer();
        Sinks.One<String> value = Sinks.one();
        StepVerifier.create(RequestTimeout.within(value.asMono(), TIMEOUT, timer))
                .then(() -> {
                    assertThat(timer.only().delayNanos).isEqualTo(TIMEOUT.toNanos());
                    assertThat(timer.only().disposed).isFalse();
                    value.tryEmitValue("ok");
                })
                .expectNext("ok")
                .verifyComplete();
        assertThat(timer.only().disposed).isTrue();
    }

    @Test
    void noSignalWithinTheTimeoutFailsWithATimeoutExceptionAndCancelsTheSource() {
        ManualTimer timer = new ManualTimer();
        PublisherProbe<String> source = PublisherProbe.of(Mono.never());
        StepVerifier.create(RequestTimeout.within(source.mono(), TIMEOUT, timer))
                .then(() -> timer.only().fire())
                .expectErrorSatisfies(e -> assertThat(e).isExactlyInstanceOf(TimeoutException.class).hasMessage(null))
                .verify(Duration.ofSeconds(5));
        source.assertWasCancelled();
    }

    @Test
    void anErrorBeforeTheTimeoutPassesAndDisarmsTheTimer() {
        ManualTimer timer = new ManualTimer();
        Sinks.One<String> value = Sinks.one();
        StepVerifier.create(RequestTimeout.within(value.asMono(), TIMEOUT, timer))
                .then(() -> value.tryEmitError(new IllegalStateException("boom")))
                .expectErrorMessage("boom")
                .verify(Duration.ofSeconds(5));
        assertThat(timer.only().disposed).isTrue();
    }

    @Test
    void anEmptySourceCompletesEmpty() {
        ManualTimer timer = new ManualTimer();
        Sinks.One<String> value = Sinks.one();
        StepVerifier.create(RequestTimeout.within(value.asMono(), TIMEOUT, timer))
                .then(value::tryEmitEmpty)
                .verifyComplete();
        assertThat(timer.only().disposed).isTrue();
    }

    @Test
    void aCancelDisarmsTheTimerAndCancelsTheSource() {
        ManualTimer timer = new ManualTimer();
        PublisherProbe<String> source = PublisherProbe.of(Mono.never());
        Recording subscriber = new Recording();
        RequestTimeout.within(source.mono(), TIMEOUT, timer).subscribe(subscriber);
        assertThat(timer.only().disposed).isFalse();
        subscriber.subscription.cancel();
        source.assertWasCancelled();
        assertThat(timer.only().disposed).isTrue();
        timer.only().fire(); // a timer that fires anyway finds nothing to do
        assertThat(subscriber.signals).isEmpty();
    }

    @Test
    void aLateValueGoesToTheDiscardHook() {
        ManualTimer timer = new ManualTimer();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);
        StepVerifier.create(RequestTimeout.within(source.mono(), TIMEOUT, timer))
                .then(() -> timer.only().fire())
                .then(() -> source.next("late"))
                .expectError(TimeoutException.class)
                .verifyThenAssertThat()
                .hasDiscarded("late");
    }

    @Test
    void aSourceThatSignalsWhileSubscribingArmsNoTimer() {
        ManualTimer timer = new ManualTimer();
        // Mono.just signals inside onSubscribe's request, before the timer would be armed
        StepVerifier.create(RequestTimeout.within(Mono.just(1), TIMEOUT, timer)).expectNext(1).verifyComplete();
        assertThat(timer.armed).isEmpty();
    }

    @Test
    void aSignalAfterACancelIsNotDelivered() {
        ManualTimer timer = new ManualTimer();
        TestPublisher<String> source = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);
        Recording subscriber = new Recording();
        RequestTimeout.within(Mono.fromDirect(source), TIMEOUT, timer).subscribe(subscriber);
        subscriber.subscription.cancel();
        source.error(new IllegalStateException("a cancelled exchange's error"));
        assertThat(subscriber.signals).isEmpty();
    }

    @Test
    void aTimerThatRefusesTheTaskFailsTheRequestAndCancelsTheSource() {
        Scheduler refusing = new ManualTimer() {
            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                throw new java.util.concurrent.RejectedExecutionException("timer shut down");
            }
        };
        PublisherProbe<String> source = PublisherProbe.of(Mono.never());
        StepVerifier.create(RequestTimeout.within(source.mono(), TIMEOUT, refusing))
                .expectErrorMessage("timer shut down")
                .verify(Duration.ofSeconds(5));
        source.assertWasCancelled();
    }

    @Test
    void theValueAndTheTimerRacingGiveExactlyOneOutcome() {
        for (int i = 0; i < 10_000; i++) {
            ManualTimer timer = new ManualTimer();
            Sinks.One<String> value = Sinks.one();
            Recording subscriber = new Recording();
            RequestTimeout.within(value.asMono(), TIMEOUT, timer).subscribe(subscriber);
            ManualTimer.Armed armed = timer.only();
            RaceTestUtils.race(() -> value.tryEmitValue("v"), armed::fire);
            List<Object> seen = new ArrayList<>(subscriber.signals);
            if (seen.get(0) instanceof TimeoutException) {
                assertThat(seen).hasSize(1);
            } else {
                assertThat(seen).containsExactly("v", "complete");
            }
        }
    }
}
