package dev.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The public API contract of DESIGN.md, written as it stands there, compiles and works. */
class DesignContractTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    record Widget(int id, String name, List<String> tags) {
    }

    @Test
    void theContractAsWritten() {
        String token = "t0k3n";
        List<String> urls = List.of(server.url("/json"), server.url("/ok"));
        String url = server.url("/json");

        FetchClient defaults = FetchClient.create();            // safe defaults
        defaults.close();
        FetchClient client = FetchClient.builder()             // immutable, thread-safe once built
                .concurrency(64)                                   // in-flight requests per call
                .maxConnections(100).maxConnectionsPerHost(10)     // the ConnectionProvider pool
                .connectTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofSeconds(10))           // until response headers / between reads
                .requestTimeout(Duration.ofSeconds(30))            // whole attempt, body included
                .defaultHeader("Authorization", "Bearer " + token)
                .build();

        Mono<List<FetchResult>> all  = client.fetchAll(urls);          // like gather(return_exceptions=True)
        Flux<FetchResult>       done = client.fetchAsCompleted(urls);  // like as_completed
        Flux<FetchResult>       seq  = client.fetchOrdered(urls);      // streamed, input order
        Mono<FetchResult>       one  = client.fetch(FetchRequest.get(url));

        Flux<FetchRequest> stream = Flux.just(FetchRequest.get(url));
        assertThat(client.fetchAll(stream).block(Duration.ofSeconds(10))).hasSize(1);
        assertThat(client.fetchAsCompleted(stream).count().block(Duration.ofSeconds(10))).isEqualTo(1);
        assertThat(client.fetchOrdered(stream).count().block(Duration.ofSeconds(10))).isEqualTo(1);

        assertThat(all.block(Duration.ofSeconds(10))).hasSize(2);
        assertThat(done.count().block(Duration.ofSeconds(10))).isEqualTo(2);
        assertThat(seq.map(FetchResult::index).collectList().block(Duration.ofSeconds(10))).containsExactly(0L, 1L);

        FetchResult r = one.block(Duration.ofSeconds(10));
        long index = r.index();
        FetchRequest request = r.request();
        boolean ok = r.isSuccess();
        int status = r.status();
        var headers = r.headers();
        byte[] body = r.body();
        String text = r.bodyAsString();
        JsonNode tree = r.json();
        Widget widget = r.json(Widget.class);
        Duration elapsed = r.elapsed();
        int attempts = r.attempts();
        Optional<FetchException> error = r.error();

        assertThat(index).isZero();
        assertThat(request.url()).isEqualTo(url);
        assertThat(ok).isTrue();
        assertThat(status).isEqualTo(200);
        assertThat(headers.get("content-type")).isEqualTo("application/json");
        assertThat(body).hasSize(text.length());
        assertThat(tree.get("id").asInt()).isEqualTo(7);
        assertThat(widget.name()).isEqualTo("widget");
        assertThat(elapsed).isPositive();
        assertThat(attempts).isEqualTo(1);
        assertThat(error).isEmpty();

        FetchRequest all7 = FetchRequest.post(url).header("X-A", "1").json(Map.of("a", 1)).timeout(Duration.ofSeconds(2));
        FetchRequest raw = FetchRequest.put(url).body(new byte[] {1}, "application/octet-stream");
        assertThat(List.of(all7, raw, FetchRequest.patch(url), FetchRequest.delete(url), FetchRequest.head(url),
                FetchRequest.options(url))).hasSize(6);

        FetchException.Kind kind = client.fetch("nope").block(Duration.ofSeconds(10)).error().get().kind();
        RuntimeException asRuntime = new FetchException(kind, "GET", "nope", 0, "x", null);
        assertThat(asRuntime).isInstanceOf(RuntimeException.class);
        assertThat(FetchException.Kind.values()).extracting(Enum::name).contains("INVALID_REQUEST", "DNS", "CONNECT",
                "TLS", "CONNECT_TIMEOUT", "RESPONSE_TIMEOUT", "REQUEST_TIMEOUT", "CONNECTION_CLOSED", "PROTOCOL",
                "HTTP_STATUS", "BODY_TOO_LARGE", "DECODE", "TOO_MANY_REDIRECTS", "BLOCKED_ADDRESS", "DEADLINE",
                "CANCELLED");

        client.close();                                                 // FetchClient is AutoCloseable
    }
}
