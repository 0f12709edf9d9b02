package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.testing.InFlight;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How many TCP connections HTTP/2 uses: requests to one host are multiplexed as streams on as few
 * connections as the server's {@code SETTINGS_MAX_CONCURRENT_STREAMS} allows, while the per-host limit
 * still caps the streams in flight. Connections are counted at the server as distinct client ports.
 */
class Http2PoolTest {

    static DisposableServer streams100;
    static DisposableServer streams10;
    static final InFlight inFlight = new InFlight();
    static final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() {
        streams100 = h2cServer(100);
        streams10 = h2cServer(10);
    }

    private static DisposableServer h2cServer(int maxConcurrentStreams) {
        return HttpServer.create().host("127.0.0.1").port(0).protocol(HttpProtocol.H2C)
                .http2Settings(s -> s.maxConcurrentStreams(maxConcurrentStreams))
                .handle(Http2PoolTest::handle).bindNow(Duration.ofSeconds(10));
    }

    private static org.reactivestreams.Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        clientPorts.add(req.remoteAddress().getPort());
        Runnable leave = inFlight.enter();
        return Mono.delay(Duration.ofMillis(1000)).doOnNext(t -> leave.run())
                .then(res.sendString(Mono.just(req.version().text())).then())
                .doFinally(s -> leave.run());
    }

    @AfterAll
    static void stop() {
        streams100.disposeNow(Duration.ofSeconds(5));
        streams10.disposeNow(Duration.ofSeconds(5));
    }

    @BeforeEach
    void reset() throws InterruptedException {
        // the server may still be finishing the previous test's last responses
        for (int i = 0; i < 100 && inFlight.now() != 0; i++) {
            Thread.sleep(50);
        }
        inFlight.resetMax();
        clientPorts.clear();
    }

    private static List<FetchResult> fetch(DisposableServer server, int requests, int perHost) {
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            urls.add("http://127.0.0.1:" + server.port() + "/" + i);
        }
        try (FetchClient client = FetchClient.builder().h2cPriorKnowledge().maxConnectionsPerHost(perHost)
                .concurrency(requests).build()) {
            return client.fetchAll(urls).block(Duration.ofSeconds(30));
        }
    }

    @Test
    void concurrentRequestsShareOneConnectionWhenTheServerAllowsTheStreams() {
        List<FetchResult> results = fetch(streams100, 64, 64);
        assertThat(results).allMatch(FetchResult::isSuccess);
        assertThat(results).allMatch(r -> r.bodyAsString().equals("HTTP/2.0"));
        assertThat(inFlight.max()).isEqualTo(64); // all 64 at once: the per-host limit, not the pool, bounds them
        assertThat(clientPorts).hasSize(1);
    }

    @Test
    void aServerWithFewStreamsGetsJustEnoughConnectionsAndThePerHostLimitStillCapsStreams() {
        List<FetchResult> results = fetch(streams10, 64, 32);
        assertThat(results).allMatch(FetchResult::isSuccess);
        assertThat(results).allMatch(r -> r.bodyAsString().equals("HTTP/2.0"));
        assertThat(inFlight.max()).isEqualTo(32);
        // 32 streams in flight at 10 per connection: at least, and at most, ceil(32 / 10) = 4 connections
        assertThat(clientPorts).hasSize(4);
    }
}
