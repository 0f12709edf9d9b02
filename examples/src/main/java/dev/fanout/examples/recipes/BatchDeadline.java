package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A deadline for a whole batch: whatever has not finished after one second ends as DEADLINE, and
 * the list still holds one result per URL.
 */
public final class BatchDeadline {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder().concurrency(4).build()) {

            List<String> urls = IntStream.range(1, 11).mapToObj(i -> api.url("/delay/" + i * 250))
                    .collect(Collectors.toList());
            long start = System.nanoTime();
            List<FetchResult> results = client.fetchAll(urls, Duration.ofSeconds(1)).block();
            long ms = (System.nanoTime() - start) / 1_000_000;

            for (FetchResult r : results) {
                System.out.printf("%-14s %s%n", r.request().url().replaceFirst("http://[^/]+", ""),
                        r.isSuccess() ? "ok after " + r.elapsed().toMillis() + " ms" : r.kind());
            }
            System.out.printf("%n%d results for %d URLs, the batch ended after %d ms%n", results.size(), urls.size(), ms);
        }
    }

    private BatchDeadline() {
    }
}
