package dev.fanout;

import dev.fanout.FetchException.Kind;
import dev.fanout.testing.Closer;
import dev.fanout.testing.FaultServer;
import dev.fanout.testing.FaultServer.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Volume: stale keep-alive connections, and a load with random faults where nothing is lost or duplicated. */
class StaleConnectionAndLoadTest {

    static final int SEQUENTIAL = Integer.getInteger("fanout.test.sequential", 10_000);
    /**
     * The 50,000 by default (-Dfanout.test.load=N to change it): 47 to 72 s on the 2-core
     * build machine while three other builds ran, with paranoid leak detection on; less when it is quiet.
     */
    static final int LOAD = Integer.getInteger("fanout.test.load", 50_000);

    @RegisterExtension
    final Closer closer = new Closer();

    @Test
    void sequentialGetsAgainstAServerClosingKeepAliveConnectionsSeeNoErrors() throws Exception {
        // 1 s keep-alive and 5 requests per connection, both closed silently, against the 4 s default maxIdleTime:
        // pooled connections regularly go stale under the client.
        FaultServer server = new FaultServer(1000, 5).start();
        closer.add(server);
        FetchClient client = FetchClient.builder().build();
        closer.add(client);

        long start = System.nanoTime();
        List<FetchResult> failures = new ArrayList<>();
        int retried = 0;
        for (int i = 0; i < SEQUENTIAL; i++) {
            if (i == SEQUENTIAL / 3 || i == 2 * SEQUENTIAL / 3) {
                Thread.sleep(1000); // let the server's idle close race the next request
            }
            FetchResult r = client.fetch(server.url(Fault.OK, i)).block(Duration.ofSeconds(10));
            if (!r.isSuccess()) {
                failures.add(r);
            }
            if (r.attempts() > 1) {
                retried++;
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("stale keep-alive: %d sequential GETs in %d ms, %d connections, %d needed our retry%n",
                SEQUENTIAL, ms, server.connections(), retried);
        assertThat(failures).isEmpty();
        assertThat(server.connections()).isGreaterThanOrEqualTo(SEQUENTIAL / 5);
    }

    @Test
    void underRandomFaultsEveryInputYieldsExactlyOneResultAndSuccessesMatchTheServer() {
        FaultServer server = new FaultServer().start();
        closer.add(server);
        FetchClient client = FetchClient.builder()
                .concurrency(256)
                .maxConnectionsPerHost(256)
                .responseTimeout(Duration.ofMillis(500))
                .requestTimeout(Duration.ofSeconds(5))
                .retry(RetryPolicy.backoff(3, Duration.ofMillis(5)))
                .build();
        closer.add(client);

        Fault[] faults = {Fault.CLOSE_AFTER_REQUEST, Fault.RESET_BEFORE_RESPONSE, Fault.RESET_MID_BODY,
                Fault.STALL_HEADERS, Fault.STALL_BODY, Fault.MALFORMED_STATUS, Fault.BROKEN_CHUNKED, Fault.STATUS,
                Fault.STATUS_THEN_OK};
        Random random = new Random(42);
        List<String> urls = new ArrayList<>(LOAD);
        for (int i = 0; i < LOAD; i++) {
            if (random.nextInt(10) == 0) {
                Fault f = faults[random.nextInt(faults.length)];
                urls.add(switch (f) {
                    case STATUS -> server.url(f, 503, i);
                    case STATUS_THEN_OK -> server.url(f, 503, 1, i);
                    default -> server.url(f, i);
                });
            } else {
                urls.add(server.url(Fault.OK, i));
            }
        }

        long start = System.nanoTime();
        List<FetchResult> results = client.fetchAsCompleted(Flux.fromIterable(urls).map(FetchRequest::get))
                .collectList().block(Duration.ofSeconds(120));
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(results).hasSize(LOAD);
        Set<Long> seen = new HashSet<>();
        Map<Kind, Integer> kinds = new EnumMap<>(Kind.class);
        Set<String> served = new HashSet<>(server.served());
        Set<String> succeeded = new HashSet<>();
        for (FetchResult r : results) {
            assertThat(seen.add(r.index())).as("duplicate result " + r).isTrue();
            assertThat(r.request().url()).isEqualTo(urls.get((int) r.index()));
            if (r.isSuccess()) {
                String path = r.bodyAsString();
                assertThat(r.request().url()).endsWith(path);
                succeeded.add(path);
            } else {
                kinds.merge(r.kind(), 1, Integer::sum);
            }
        }
        int failures = LOAD - succeeded.size();
        System.out.printf("load: %d requests, concurrency 256, 10%% faults: %d ms, %d successes, failures %s; "
                        + "server saw %d requests and wrote %d full 200s for %d distinct paths%n", LOAD, ms,
                succeeded.size(), kinds, server.totalHits(), server.served().size(), served.size());
        assertThat(seen).hasSize(LOAD);
        // every success is a response the server wrote; a path written but not a success is an item that
        // failed after the server answered (a timeout racing the last bytes), so it is among the failures
        assertThat(served).containsAll(succeeded);
        assertThat(served.size() - succeeded.size()).isLessThanOrEqualTo(failures);
        assertThat(kinds.keySet()).doesNotContain(Kind.UNEXPECTED, Kind.CANCELLED);
    }
}
