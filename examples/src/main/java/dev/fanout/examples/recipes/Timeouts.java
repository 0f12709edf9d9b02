package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.List;

/**
 * Session-level and per-request timeouts ({@code aiohttp.ClientTimeout}): the client's
 * {@code requestTimeout} bounds every request; {@code FetchRequest.timeout} overrides it for one.
 * A timeout is a failed result of kind REQUEST_TIMEOUT (or RESPONSE_TIMEOUT / CONNECT_TIMEOUT for
 * the other two clocks), never a hung batch.
 */
public final class Timeouts {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder()
                     .requestTimeout(Duration.ofSeconds(1))     // session-level: whole request
                     .responseTimeout(Duration.ofSeconds(5))    // until headers, and between reads
                     .connectTimeout(Duration.ofSeconds(1))
                     .build()) {
            client.fetch(api.url("/delay/0")).block(); // warm up (connections, JIT) so that timings are about the server

            List<FetchRequest> requests = List.of(
                    FetchRequest.get(api.url("/delay/100")),                                  // in time
                    FetchRequest.get(api.url("/delay/2000")),                                 // over 1 s
                    FetchRequest.get(api.url("/delay/2000")).timeout(Duration.ofSeconds(4)),  // allowed longer
                    FetchRequest.get(api.url("/delay/500")).timeout(Duration.ofMillis(200))); // allowed shorter

            for (FetchResult r : client.fetchAll(Flux.fromIterable(requests)).block()) {
                System.out.printf("  %-40s %-16s after %4d ms%n", r.request().url().replace(api.url(""), ""),
                        r.isSuccess() ? "ok " + r.status() : r.kind(), r.elapsed().toMillis());
            }
        }
    }

    private Timeouts() {
    }
}
