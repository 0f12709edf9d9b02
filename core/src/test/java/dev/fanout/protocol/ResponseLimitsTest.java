package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchResult;
import dev.fanout.internal.BlockedAddressException;
import dev.fanout.internal.ErrorClassifier;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Limits on the status line, the header block and the header count: PROTOCOL when exceeded. */
class ResponseLimitsTest {

    static DisposableServer raw;
    static final Map<String, String> responses = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        responses.put("/long-line", "HTTP/1.1 200 " + "x".repeat(5000) + "\r\nContent-Length: 2\r\n\r\nok");
        responses.put("/big-header", "HTTP/1.1 200 OK\r\nX-Big: " + "y".repeat(20_000) + "\r\nContent-Length: 2\r\n\r\nok");
        StringBuilder many = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 300; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        responses.put("/many-headers", many.append("Content-Length: 2\r\n\r\nok").toString());
        StringBuilder some = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < 50; i++) {
            some.append("X-H").append(i).append(": v\r\n");
        }
        responses.put("/some-headers", some.append("Content-Length: 2\r\n\r\nok").toString());
        // A raw server: the first request line picks a canned response, then the connection is closed.
        raw = TcpServer.create().host("127.0.0.1").port(0)
                .handle((in, out) -> in.receive().asString(StandardCharsets.ISO_8859_1).next().flatMap(request -> {
                    String path = request.substring(request.indexOf(' ') + 1, request.indexOf(' ', request.indexOf(' ') + 1));
                    String response = responses.getOrDefault(path, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    return out.sendString(Mono.just(response), StandardCharsets.ISO_8859_1).then();
                }))
                .bindNow(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        raw.disposeNow(Duration.ofSeconds(5));
    }

    private static FetchResult fetch(FetchClient client, String path) {
        return client.fetch("http://127.0.0.1:" + raw.port() + path).block(Duration.ofSeconds(10));
    }

    @Test
    void aStatusLineOverTheLimitIsAProtocolFailure() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, "/long-line");
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.PROTOCOL);
        }
        try (FetchClient client = FetchClient.builder().maxInitialLineLength(8192).build()) {
            assertThat(fetch(client, "/long-line").isSuccess()).isTrue();
        }
    }

    @Test
    void aHeaderBlockOverTheLimitIsAProtocolFailure() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, "/big-header");
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.PROTOCOL);
        }
        try (FetchClient client = FetchClient.builder().maxHeaderSize(32 * 1024).build()) {
            assertThat(fetch(client, "/big-header").isSuccess()).isTrue();
        }
    }

    @Test
    void tooManyHeaderFieldsIsAProtocolFailure() {
        try (FetchClient client = FetchClient.create()) {
            FetchResult r = fetch(client, "/many-headers");
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.PROTOCOL);
            assertThat(r.error().orElseThrow().getMessage()).contains("maxHeaderCount 256");
            assertThat(fetch(client, "/some-headers").isSuccess()).isTrue();
        }
        try (FetchClient client = FetchClient.builder().maxHeaderCount(20).build()) {
            assertThat(fetch(client, "/some-headers").kind()).isEqualTo(Kind.PROTOCOL);
        }
    }

    @Test
    void builderRejectsNonPositiveLimits() {
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().maxHeaderCount(0))
                .withMessage("maxHeaderCount: 0 (expected: > 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().maxHeaderSize(-1))
                .withMessage("maxHeaderSize: -1 (expected: > 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().maxInitialLineLength(0))
                .withMessage("maxInitialLineLength: 0 (expected: > 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> FetchClient.builder().maxRedirects(-1))
                .withMessage("maxRedirects: -1 (expected: >= 0)");
    }

    @Test
    void classifierRowsForProtocolTlsAndGuardExceptions() {
        assertThat(ErrorClassifier.kindOf(new TooLongHttpLineException("An HTTP line is larger than 4096 bytes.")))
                .isEqualTo(Kind.PROTOCOL);
        assertThat(ErrorClassifier.kindOf(new TooLongHttpHeaderException("HTTP header is larger than 16384 bytes.")))
                .isEqualTo(Kind.PROTOCOL);
        assertThat(ErrorClassifier.kindOf(new SslHandshakeTimeoutException("handshake timed out after 300ms")))
                .isEqualTo(Kind.TLS);
        assertThat(ErrorClassifier.kindOf(new BlockedAddressException("x resolved to 127.0.0.1")))
                .isEqualTo(Kind.BLOCKED_ADDRESS);
        assertThat(ErrorClassifier.kindOf(new RuntimeException(new java.io.IOException(
                new BlockedAddressException("wrapped"))))).isEqualTo(Kind.BLOCKED_ADDRESS);
    }
}
