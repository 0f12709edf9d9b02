package dev.fanout.internal;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.TestPublisher;
import reactor.test.subscriber.TestSubscriber;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CheckedAttempt}: a fresh start per subscription, a value the check rejects becomes the
 * error, and every error is recorded before the subscriber sees it.
 */
class CheckedAttemptTest {

    /** An attempt built from parts, recording what it was told, and in which order against the subscriber. */
    private static final class Recording implements CheckedAttempt.Attempt<Integer> {
        final AtomicInteger starts = new AtomicInteger();
        final List<String> events = new ArrayList<>();
        private final Supplier<Mono<Integer>> start;
        private final Function<Integer, Throwable> check;

        Recording(Supplier<Mono<Integer>> start, Function<Integer, Throwable> check) {
            this.start = start;
            this.check = check;
        }

        @Override
        public Mono<Integer> start() {
            starts.incrementAndGet();
            return start.get();
        }

        @Override
        public Throwable check(Integer value) {
            events.add("check " + value);
            return check.apply(value);
        }

        @Override
        public void failed(Throwable error) {
            events.add("failed " + error.getMessage());
        }
    }

    private static Throwable rejectOdd(Integer v) {
        return v % 2 == 1 ? new IllegalStateException("odd " + v) : null;
    }

    @Test
    void aValueTheCheckAcceptsPassesOnAndNothingIsRecorded() {
        Recording attempt = new Recording(() -> Mono.just(4), CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt)).expectNext(4).verifyComplete();
        assertThat(attempt.events).containsExactly("check 4");
    }

    @Test
    void aValueTheCheckRejectsBecomesTheErrorRecordedFirstAndTheSourceIsCancelled() {
        TestPublisher<Integer> source = TestPublisher.create();
        Recording attempt = new Recording(() -> Mono.fromDirect(source), CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt))
                .then(() -> source.next(3))
                .expectErrorSatisfies(e -> {
                    assertThat(e).hasMessage("odd 3");
                    // recorded before the subscriber saw it (a retry decides on the recorded log)
                    assertThat(attempt.events).containsExactly("check 3", "failed odd 3");
                })
                .verify();
        source.assertCancelled();
    }

    @Test
    void signalsAfterTheTerminalOneAreDroppedAndNothingMoreIsRecorded() {
        // a source that keeps signalling after the cancel: the subscriber still sees one terminal signal
        TestPublisher<Integer> rejected = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Recording attempt = new Recording(() -> Mono.fromDirect(rejected), CheckedAttemptTest::rejectOdd);
        TestSubscriber<Integer> first = TestSubscriber.create();
        CheckedAttempt.of(attempt).subscribe(first);
        rejected.next(3);
        rejected.error(new IllegalStateException("late"));
        rejected.complete();
        assertThat(first.getTerminalSignal()).isNotNull();
        assertThat(first.expectTerminalError()).hasMessage("odd 3");
        assertThat(first.getProtocolErrors()).isEmpty();
        assertThat(attempt.events).containsExactly("check 3", "failed odd 3");

        // a value that passes completes the subscriber at once; the source's later error is not an attempt's failure
        TestPublisher<Integer> passed = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Recording second = new Recording(() -> Mono.fromDirect(passed), CheckedAttemptTest::rejectOdd);
        TestSubscriber<Integer> subscriber = TestSubscriber.create();
        CheckedAttempt.of(second).subscribe(subscriber);
        passed.next(4);
        assertThat(subscriber.getReceivedOnNext()).containsExactly(4);
        assertThat(subscriber.isTerminatedComplete()).isTrue();
        passed.error(new IllegalStateException("late"));
        assertThat(subscriber.getProtocolErrors()).isEmpty();
        assertThat(second.events).containsExactly("check 4");
    }

    @Test
    void aFailedThatThrowsIsTheErrorSignalledWithTheAttemptsErrorSuppressed() {
        CheckedAttempt.Attempt<Integer> attempt = new CheckedAttempt.Attempt<>() {
            @Override
            public Mono<Integer> start() {
                return Mono.error(new IllegalStateException("refused"));
            }

            @Override
            public Throwable check(Integer value) {
                return null;
            }

            @Override
            public void failed(Throwable error) {
                throw new IllegalArgumentException("recording broke");
            }
        };
        StepVerifier.create(CheckedAttempt.of(attempt))
                .expectErrorSatisfies(e -> {
                    assertThat(e).hasMessage("recording broke");
                    assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("refused");
                })
                .verify();
    }

    @Test
    void aStartThatReturnsNullIsRecordedAndSignalled() {
        Recording attempt = new Recording(() -> null, CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt)).expectErrorMessage("the attempt started nothing").verify();
        assertThat(attempt.events).containsExactly("failed the attempt started nothing");
    }

    @Test
    void nothingArrivesBeforeTheSubscriberAsks() {
        TestPublisher<Integer> source = TestPublisher.create();
        Recording attempt = new Recording(() -> Mono.fromDirect(source), CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt), 0)
                .expectSubscription()
                .then(() -> assertThat(source.wasRequested()).isFalse())
                .thenRequest(1)
                .then(() -> source.next(6))
                .expectNext(6)
                .expectComplete() // at the value: the source never completes here
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void theRejectionIsNotSwallowedByACallersOnErrorContinue() {
        Recording attempt = new Recording(() -> Mono.just(5), CheckedAttemptTest::rejectOdd);
        List<Throwable> continued = new ArrayList<>();
        StepVerifier.create(CheckedAttempt.of(attempt).onErrorContinue((e, v) -> continued.add(e)))
                .expectErrorMessage("odd 5")
                .verify();
        assertThat(continued).isEmpty();
    }

    @Test
    void aThrowingCheckIsTheAttemptsError() {
        Recording attempt = new Recording(() -> Mono.just(2), v -> {
            throw new IllegalArgumentException("check broke on " + v);
        });
        StepVerifier.create(CheckedAttempt.of(attempt)).expectErrorMessage("check broke on 2").verify();
        assertThat(attempt.events).containsExactly("check 2", "failed check broke on 2");
    }

    @Test
    void theSourcesErrorIsRecordedThenPassedOn() {
        Recording attempt = new Recording(() -> Mono.error(new IllegalStateException("refused")),
                CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt)).expectErrorMessage("refused").verify();
        assertThat(attempt.events).containsExactly("failed refused");
    }

    @Test
    void aStartThatThrowsIsRecordedAndSignalledNotThrown() {
        Recording attempt = new Recording(() -> {
            throw new IllegalStateException("could not start");
        }, CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt)).expectErrorMessage("could not start").verify();
        assertThat(attempt.events).containsExactly("failed could not start");
    }

    @Test
    void everySubscriptionStartsAFreshAttempt() {
        AtomicInteger value = new AtomicInteger();
        // 1 and 3 are rejected, 2 and 4 pass: a retry re-subscribes and gets a new start each time
        Recording attempt = new Recording(() -> Mono.fromSupplier(value::incrementAndGet), CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt).retry(1)).expectNext(2).verifyComplete();
        assertThat(attempt.starts).hasValue(2);
        assertThat(attempt.events).containsExactly("check 1", "failed odd 1", "check 2");
    }

    @Test
    void aCancelReachesTheSourceAndRecordsNothing() {
        TestPublisher<Integer> source = TestPublisher.create();
        Recording attempt = new Recording(() -> Mono.fromDirect(source), CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt))
                .expectSubscription()
                .thenCancel()
                .verify();
        source.assertCancelled();
        assertThat(attempt.events).isEmpty();
    }

    @Test
    void theSubscribersContextReachesTheSource() {
        Recording attempt = new Recording(() -> Mono.deferContextual(ctx -> Mono.just(ctx.<Integer>get("n"))),
                CheckedAttemptTest::rejectOdd);
        StepVerifier.create(CheckedAttempt.of(attempt).contextWrite(ctx -> ctx.put("n", 8)))
                .expectNext(8)
                .verifyComplete();
    }
}
