package dev.fanout;

import dev.fanout.FetchException.Kind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryPolicyTest {

    @Test
    void defaultsAreThreeAttemptsAndTheDocumentedSets() {
        RetryPolicy p = RetryPolicy.defaults();
        assertThat(p.maxAttempts()).isEqualTo(3);
        assertThat(p.maxRetryAfter()).isEqualTo(Duration.ofSeconds(30));
        for (Kind k : Kind.values()) {
            assertThat(p.retries(k)).as(k.name()).isEqualTo(k.retryableByDefault());
        }
        assertThat(p.retriesStatus(429)).isTrue();
        assertThat(p.retriesStatus(502)).isTrue();
        assertThat(p.retriesStatus(503)).isTrue();
        assertThat(p.retriesStatus(504)).isTrue();
        assertThat(p.retriesStatus(500)).isFalse();
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    }

    @Test
    void everyMutatorReturnsANewPolicyAndLeavesTheOriginalUnchanged() {
        RetryPolicy p = RetryPolicy.backoff(3, Duration.ofMillis(100)).jitter(0);
        String before = p.toString();
        assertThat(p.maxAttempts(5)).isNotSameAs(p);
        assertThat(p.base(Duration.ofSeconds(1))).isNotSameAs(p);
        assertThat(p.multiplier(3)).isNotSameAs(p);
        assertThat(p.maxBackoff(Duration.ofSeconds(1))).isNotSameAs(p);
        assertThat(p.jitter(0.5)).isNotSameAs(p);
        assertThat(p.random(() -> 0.1)).isNotSameAs(p);
        assertThat(p.retryOn(Set.of(Kind.CONNECT))).isNotSameAs(p);
        assertThat(p.retryOnStatus(s -> false)).isNotSameAs(p);
        assertThat(p.maxRetryAfter(Duration.ZERO)).isNotSameAs(p);
        assertThat(p.retryNonIdempotent(true)).isNotSameAs(p);
        assertThat(p.idempotencyKeyHeader("X-Key")).isNotSameAs(p);
        assertThat(p.toString()).isEqualTo(before);
        assertThat(p.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(p.retries(Kind.CONNECTION_CLOSED)).isTrue();
    }

    @Test
    void aRequestsRetryIsCopyOnWriteAndSurvivesTheOtherMutators() {
        FetchRequest plain = FetchRequest.get("http://h/");
        RetryPolicy none = RetryPolicy.none();
        FetchRequest withRetry = plain.retry(none);
        assertThat(plain.retry()).isNull();
        assertThat(withRetry).isNotSameAs(plain);
        assertThat(withRetry.retry()).isSameAs(none);
        assertThat(withRetry.header("a", "b").retry()).isSameAs(none);
        assertThat(withRetry.timeout(Duration.ofSeconds(1)).retry()).isSameAs(none);
        assertThat(withRetry.responseTimeout(Duration.ofSeconds(1)).retry()).isSameAs(none);
        assertThat(withRetry.connectTimeout(Duration.ofSeconds(1)).retry()).isSameAs(none);
        assertThat(withRetry.body(new byte[] {1}, "x/y").retry()).isSameAs(none);
        assertThat(withRetry.json(java.util.Map.of()).retry()).isSameAs(none);
    }

    @Test
    void settersSayNoWithTheExpectedShape() {
        assertThatThrownBy(() -> RetryPolicy.backoff(0, Duration.ZERO))
                .hasMessage("maxAttempts: 0 (expected: >= 1)");
        assertThatThrownBy(() -> RetryPolicy.defaults().jitter(1.5))
                .hasMessage("jitter: 1.5 (expected: >= 0 and <= 1)");
        assertThatThrownBy(() -> RetryPolicy.defaults().multiplier(0.5))
                .hasMessage("multiplier: 0.5 (expected: >= 1)");
        assertThatThrownBy(() -> RetryPolicy.defaults().maxBackoff(Duration.ofSeconds(-1)))
                .hasMessage("maxBackoff: PT-1S (expected: >= 0)");
        assertThatThrownBy(() -> FetchClient.builder().rateLimit(0))
                .hasMessage("rateLimit: 0.0 (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().burst(0))
                .hasMessage("burst: 0 (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().retryBudget(-0.1, 10))
                .hasMessage("retryBudget ratio: -0.1 (expected: >= 0)");
    }

    @Test
    void idempotencyDecidesWhatMayBeResent() {
        RetryPolicy p = RetryPolicy.defaults();
        for (String m : new String[] {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
            assertThat(p.mayResend(FetchRequest.of(m, "http://h/"), Kind.CONNECTION_CLOSED)).as(m).isTrue();
        }
        for (String m : new String[] {"POST", "PATCH"}) {
            assertThat(p.mayResend(FetchRequest.of(m, "http://h/"), Kind.CONNECTION_CLOSED)).as(m).isFalse();
            assertThat(p.mayResend(FetchRequest.of(m, "http://h/"), Kind.CONNECT)).as(m).isTrue();
            assertThat(p.mayResend(FetchRequest.of(m, "http://h/").header("Idempotency-Key", "k"),
                    Kind.CONNECTION_CLOSED)).as(m).isTrue();
            assertThat(p.retryNonIdempotent(true).mayResend(FetchRequest.of(m, "http://h/"), Kind.HTTP_STATUS))
                    .as(m).isTrue();
        }
    }
}
