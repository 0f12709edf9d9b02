package dev.fanout.internal;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.publisher.PublisherProbe;
import reactor.test.publisher.TestPublisher;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Outcomes#fold}: a value, an error and an empty completion each become one value; never an error. */
class OutcomesTest {

    private static Mono<String> fold(Mono<Integer> source) {
        return Outcomes.fold(source, v -> "value " + v, e -> "error " + e.getMessage(), () -> "empty");
    }

    @Test
    void aValueGoesThroughOnValue() {
        StepVerifier.create(fold(Mono.just(7))).expectNext("value 7").verifyComplete();
    }

    @Test
    void anErrorGoesThroughOnError() {
        StepVerifier.create(fold(Mono.error(new IllegalStateException("boom")))).expectNext("error boom").verifyComplete();
    }

    @Test
    void anEmptyCompletionGoesThroughOnEmpty() {
        StepVerifier.create(fold(Mono.empty())).expectNext("empty").verifyComplete();
    }

    @Test
    void aThrowingOnValueGoesToOnErrorAndCancelsTheSource() {
        TestPublisher<Integer> source = TestPublisher.create();
        // fromDirect: no Mono wrapper that would cancel the source at its value by itself
        Mono<String> folded = Outcomes.fold(Mono.fromDirect(source), v -> {
            throw new IllegalArgumentException("bad " + v);
        }, e -> "error " + e.getMessage(), () -> "empty");
        StepVerifier.create(folded)
                .then(() -> source.next(3))
                .expectNext("error bad 3")
                .verifyComplete();
        source.assertCancelled();
    }

    @Test
    void aNullFromOnValueGoesToOnError() {
        StepVerifier.create(Outcomes.fold(Mono.just(1), v -> (String) null, e -> "error " + e.getMessage(), () -> "empty"))
                .expectNext("error onValue returned null")
                .verifyComplete();
    }

    @Test
    void aThrowingOnErrorIsSignalledNotThrownAtTheSource() {
        Mono<String> folded = Outcomes.fold(Mono.<Integer>error(new IllegalStateException("first")), v -> "value",
                e -> {
                    throw new IllegalArgumentException("fallback failed");
                }, () -> "empty");
        StepVerifier.create(folded)
                .expectErrorSatisfies(e -> assertThat(e).hasMessage("fallback failed")
                        .satisfies(f -> assertThat(f.getSuppressed()).extracting(Throwable::getMessage).containsExactly("first")))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aThrowingOnEmptyIsSignalledNotThrownAtTheSource() {
        Mono<String> folded = Outcomes.fold(Mono.<Integer>empty(), v -> "value", e -> "error", () -> {
            throw new IllegalArgumentException("no empty result");
        });
        StepVerifier.create(folded)
                .expectErrorMessage("no empty result")
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void theResultWaitsForDemand() {
        StepVerifier.create(fold(Mono.just(1)), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext("value 1")
                .verifyComplete();
    }

    @Test
    void aCancelReachesTheSourceAndNothingIsEmitted() {
        PublisherProbe<Integer> source = PublisherProbe.of(Mono.never());
        StepVerifier.create(fold(source.mono()))
                .expectSubscription()
                .thenCancel()
                .verify(Duration.ofSeconds(5));
        source.assertWasCancelled();
    }

    @Test
    void anErrorAfterTheValueIsDroppedNotDelivered() {
        TestPublisher<Integer> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        StepVerifier.create(fold(Mono.fromDirect(source)))
                .then(() -> {
                    source.next(1);
                    source.error(new IllegalStateException("after the value"));
                })
                .expectNext("value 1")
                .expectComplete()
                .verifyThenAssertThat()
                .hasDroppedErrorWithMessage("after the value");
        assertThat(source.wasCancelled()).isFalse();
    }
}
