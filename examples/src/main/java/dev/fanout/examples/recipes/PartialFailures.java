package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchException;
import dev.fanout.FetchResult;
import dev.fanout.RetryPolicy;
import dev.fanout.examples.server.SampleApiServer;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Partial failures: a batch where some requests fail still gives one result per URL, in input
 * order, each failure with its kind, like {@code asyncio.gather(..., return_exceptions=True)}.
 */
public final class PartialFailures {

    public static void main(String[] args) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // nothing listens here once it is closed
        }
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder()
                     .retry(RetryPolicy.backoff(2, Duration.ofMillis(50)))
                     .requestTimeout(Duration.ofSeconds(1))
                     .build()) {

            List<String> urls = List.of(
                    api.url("/v1/sample-data/products/1"),
                    api.url("/v1/sample-data/nothing-here"),   // 404
                    api.url("/status/503"),                    // 503, retried once, still 503
                    "not a url",                               // invalid, never sent
                    "http://127.0.0.1:" + closedPort + "/x",   // connection refused
                    api.url("/delay/3000"),                    // over the 1 s request timeout
                    api.url("/v1/sample-data/users/2"));

            List<FetchResult> results = client.fetchAll(urls).block();
            Map<String, Integer> tally = new TreeMap<>();
            for (FetchResult r : results) {
                String outcome = r.isSuccess() ? "ok" : r.kind().name();
                tally.merge(outcome, 1, Integer::sum);
                System.out.printf("#%d %-40s %s%n", r.index(), r.request().url(),
                        r.isSuccess() ? r.status() + " " + r.bodyAsString()
                                : r.error().map(FetchException::getMessage).orElse(""));
            }
            System.out.println("\n" + results.size() + " URLs, " + results.size() + " results: " + tally);
        }
    }

    private PartialFailures() {
    }
}
