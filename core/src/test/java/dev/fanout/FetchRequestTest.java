package dev.fanout;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Requests are values: every mutator returns a new instance and leaves the original as it was. */
class FetchRequestTest {

    @Test
    void everyMutatorReturnsANewInstanceAndLeavesTheOriginalUnchanged() {
        FetchRequest original = FetchRequest.get("http://h/x");
        String before = describe(original);
        List<UnaryOperator<FetchRequest>> mutators = List.of(
                r -> r.header("A", "1"),
                r -> r.json(Map.of("k", "v")),
                r -> r.body(new byte[] {1, 2}, "application/octet-stream"),
                r -> r.timeout(Duration.ofSeconds(1)),
                r -> r.responseTimeout(Duration.ofSeconds(2)),
                r -> r.connectTimeout(Duration.ofSeconds(3)),
                r -> r.retry(RetryPolicy.none()),
                r -> r.decode(Map.class));
        for (UnaryOperator<FetchRequest> mutate : mutators) {
            FetchRequest changed = mutate.apply(original);
            assertThat(changed).isNotSameAs(original);
            assertThat(describe(changed)).isNotEqualTo(before);
            assertThat(describe(original)).isEqualTo(before);
        }
    }

    @Test
    void everyMutatorCarriesTheOtherFieldsAlong() {
        FetchRequest full = FetchRequest.post("http://h/x").header("A", "1").json(Map.of("k", "v"))
                .timeout(Duration.ofSeconds(1)).responseTimeout(Duration.ofSeconds(2))
                .connectTimeout(Duration.ofSeconds(3)).retry(RetryPolicy.none()).decode(Map.class);
        FetchRequest more = full.header("B", "2");
        assertThat(more.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(more.responseTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(more.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(more.retry()).isSameAs(RetryPolicy.none());
        assertThat(more.decodeAs()).isEqualTo(full.decodeAs());
        assertThat(more.jsonValue()).isEqualTo(Map.of("k", "v"));
    }

    @Test
    void headersAccumulateInOrder() {
        FetchRequest r = FetchRequest.get("http://h/").header("A", "1").header("B", "2").header("A", "3");
        assertThat(r.headerCount()).isEqualTo(3);
        assertThat(r.headerName(2)).isEqualTo("A");
        assertThat(r.headerValue(2)).isEqualTo("3");
        assertThat(r.header("a")).isEqualTo("1");
    }

    @Test
    void theBodyIsCopiedSoTheCallerCannotChangeItLater() {
        byte[] bytes = {1, 2, 3};
        FetchRequest r = FetchRequest.post("http://h/").body(bytes, "x/y");
        bytes[0] = 9;
        assertThat(r.body()).containsExactly(1, 2, 3);
    }

    @Test
    void methodFactoriesSetTheMethod() {
        assertThat(List.of(FetchRequest.get("u"), FetchRequest.head("u"), FetchRequest.post("u"),
                FetchRequest.put("u"), FetchRequest.patch("u"), FetchRequest.delete("u"), FetchRequest.options("u")))
                .extracting(FetchRequest::method)
                .containsExactly("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    }

    @Test
    void toStringRedactsCredentials() {
        FetchRequest r = FetchRequest.get("https://alice:s3cret@example.com/path?q=1")
                .header("Authorization", "Bearer abc").header("Cookie", "sid=1").header("X-Trace", "t1");
        assertThat(r.toString())
                .isEqualTo("GET https://example.com/path?q=1 [Authorization: <redacted>, Cookie: <redacted>, X-Trace: t1]")
                .doesNotContain("s3cret").doesNotContain("abc");
    }

    @Test
    void timeoutsMustBePositive() {
        assertThatThrownBy(() -> FetchRequest.get("u").timeout(Duration.ZERO))
                .hasMessage("timeout: PT0S (expected: > 0)");
    }

    private static String describe(FetchRequest r) {
        return r.method() + r.url() + r.headerCount() + r.jsonValue() + (r.body() == null ? "-" : r.body().length)
                + r.contentType() + r.timeout() + r.responseTimeout() + r.connectTimeout() + r.retry() + r.decodeAs();
    }
}
