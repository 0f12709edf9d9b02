package dev.fanout;

import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fanout.testing.PoolAssertions.assertPoolQuiet;
import static org.assertj.core.api.Assertions.assertThat;

/** Concurrency and connection caps, measured by the servers. */
class LimitsTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void concurrencyCapsRequestsInFlightPerCall() {
        List<String> urls = Collections.nCopies(120, server.url("/delay/40"));
        try (FetchClient client = FetchClient.builder().concurrency(12).build()) {
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(30));

            assertThat(results).allMatch(FetchResult::isSuccess);
            assertThat(server.maxInFlight()).isEqualTo(12);
            assertPoolQuiet(client);
        }
    }

    @Test
    void maxConnectionsPerHostCapsEachHostAcrossTwoServers() {
        try (TestServer other = new TestServer().start();
             FetchClient client = FetchClient.builder().concurrency(40).maxConnectionsPerHost(3).build()) {
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                urls.add(server.url("/delay/40"));
                urls.add(other.url("/delay/40"));
            }
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(30));

            assertThat(results).allMatch(FetchResult::isSuccess);
            // the pool's cap is on connections: each server sees exactly three, never a fourth
            assertThat(server.maxOpenConnections()).isEqualTo(3);
            assertThat(other.maxOpenConnections()).isEqualTo(3);
            assertThat(server.maxInFlight()).isEqualTo(3);
            assertPoolQuiet(client);
        }
    }

    @Test
    void maxConnectionsCapsTheTotalAcrossHostsAndCalls() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        try (TestServer a = new TestServer(inFlight, maxInFlight).start();
             TestServer b = new TestServer(inFlight, maxInFlight).start();
             FetchClient client = FetchClient.builder()
                     .concurrency(50).maxConnections(5).maxConnectionsPerHost(5).build()) {
            List<String> toA = Collections.nCopies(40, a.url("/delay/30"));
            List<String> toB = Collections.nCopies(40, b.url("/delay/30"));

            // two calls at once on the same client share the one cap
            var both = reactor.core.publisher.Mono.zip(client.fetchAll(toA), client.fetchAll(toB))
                    .block(Duration.ofSeconds(30));

            assertThat(both.getT1()).allMatch(FetchResult::isSuccess);
            assertThat(both.getT2()).allMatch(FetchResult::isSuccess);
            assertThat(maxInFlight.get()).isEqualTo(5);
            assertPoolQuiet(client);
        }
    }

    @Test
    void requestsWaitingForAConnectionNeverFailTheBatch() {
        // 200 requests, 2 connections: most wait in admission; none may fail for waiting.
        List<String> urls = Collections.nCopies(200, server.url("/ok"));
        try (FetchClient client = FetchClient.builder()
                .concurrency(100).maxConnections(2).maxConnectionsPerHost(2).build()) {
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(30));

            assertThat(results).hasSize(200).allMatch(FetchResult::isSuccess);
            assertThat(server.maxInFlight()).isLessThanOrEqualTo(2);
            assertPoolQuiet(client);
        }
    }

    @Test
    void waitingForAConnectionCountsAgainstTheRequestTimeout() {
        // one connection, each request holds it for 400 ms; with a 1 s request timeout the later ones time out waiting
        List<String> urls = Collections.nCopies(6, server.url("/delay/400"));
        try (FetchClient client = FetchClient.builder()
                .concurrency(6).maxConnections(1).maxConnectionsPerHost(1)
                .requestTimeout(Duration.ofSeconds(1)).build()) {
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(30));

            assertThat(results).hasSize(6);
            long ok = results.stream().filter(FetchResult::isSuccess).count();
            assertThat(ok).isBetween(1L, 3L);
            assertThat(results).filteredOn(r -> !r.isSuccess())
                    .allSatisfy(r -> assertThat(r.kind()).as(r.error().get().toString()).isEqualTo(FetchException.Kind.REQUEST_TIMEOUT));
            assertPoolQuiet(client);
        }
    }
}
