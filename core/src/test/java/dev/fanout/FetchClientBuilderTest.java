package dev.fanout;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The builder says no at once, with a message that says what it expected. */
class FetchClientBuilderTest {

    @Test
    void rejectsNonPositiveLimitsWithAClearMessage() {
        assertThatThrownBy(() -> FetchClient.builder().concurrency(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("concurrency: 0 (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().maxConnections(-1))
                .hasMessage("maxConnections: -1 (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().maxConnectionsPerHost(0))
                .hasMessage("maxConnectionsPerHost: 0 (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().maxBodySize(-5))
                .hasMessage("maxBodySize: -5 (expected: >= 0)");
    }

    @Test
    void rejectsNonPositiveTimeouts() {
        assertThatThrownBy(() -> FetchClient.builder().connectTimeout(Duration.ZERO))
                .hasMessage("connectTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().responseTimeout(Duration.ofSeconds(-1)))
                .hasMessage("responseTimeout: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().requestTimeout(Duration.ZERO))
                .hasMessage("requestTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().requestTimeout(null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void rejectsHeadersThatWouldInjectOrAreNotTokens() {
        assertThatThrownBy(() -> FetchClient.builder().defaultHeader("X-A", "x\r\nEvil: 1"))
                .hasMessage("defaultHeader X-A: contains CR, LF or NUL (expected: a single-line value)");
        assertThatThrownBy(() -> FetchClient.builder().defaultHeader("Bad Name", "x"))
                .hasMessage("defaultHeader name: Bad Name (expected: an HTTP token)");
    }

    @Test
    void buildChecksThatThePerHostCapFitsTheTotal() {
        assertThatThrownBy(() -> FetchClient.builder().maxConnections(10).maxConnectionsPerHost(20).build())
                .hasMessage("maxConnectionsPerHost: 20 (expected: <= maxConnections, 10)");
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertThat(FetchClient.Builder.DEFAULT_CONCURRENCY).isEqualTo(64);
        assertThat(FetchClient.Builder.DEFAULT_MAX_CONNECTIONS).isEqualTo(256);
        assertThat(FetchClient.Builder.DEFAULT_MAX_CONNECTIONS_PER_HOST).isEqualTo(64);
        assertThat(FetchClient.Builder.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
        assertThat(FetchClient.Builder.DEFAULT_RESPONSE_TIMEOUT).isEqualTo(Duration.ofSeconds(10));
        assertThat(FetchClient.Builder.DEFAULT_REQUEST_TIMEOUT).isEqualTo(Duration.ofSeconds(30));
        assertThat(FetchClient.Builder.DEFAULT_MAX_BODY_SIZE).isEqualTo(16 * 1024 * 1024);
        try (FetchClient client = FetchClient.create()) {
            assertThat(client.concurrency()).isEqualTo(64);
            assertThat(client.poolStats().isQuiet()).isTrue();
        }
    }

    @Test
    void closeIsIdempotent() {
        FetchClient client = FetchClient.create();
        client.close();
        client.close();
        FetchResult afterClose = client.fetch("http://127.0.0.1:1/").block(Duration.ofSeconds(5));
        assertThat(afterClose.kind()).isEqualTo(FetchException.Kind.CANCELLED);
    }
}
