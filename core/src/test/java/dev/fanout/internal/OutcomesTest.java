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
        Mono<String> folded = Outcomes.fold(source.mono(), v -> {
            throw new IllegalArgumentException("bad " + v);
        }, e -> "error " + e.getMessage(), () -> "empty");
        StepVerifier.create(folded)
                .then(() -> source.next(3))
                .expectNext("error bad 3")
                .verifyComplete();
        source.assertCancelled();
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
    void aCompletionAfterTheValueAddsNothing() {
        TestPublisher<Integer> source = TestPublisher.createNoncompliant(TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        StepVerifier.create(fold(source.mono()))
                .then(() -> {
                    source.next(1);
                    source.error(new IllegalStateException("after the value"));
                })
                .expectNext("value 1")
                .verifyComplete();
        assertThat(source.wasCancelled()).isFalse();
    }
}
