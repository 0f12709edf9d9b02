package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The first example: fetch the sample API's endpoints concurrently, print url, status and item
 * count, and compare the time with fetching them one by one.
 */
public final class FetchSampleApi {

    public static void main(String[] args) {
        run(System.out);
    }

    /** Runs the demo, printing the table and the timing to {@code out}; used by {@code ./fanout demo} too. */
    public static void run(PrintStream out) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.create()) {

            List<String> urls = new ArrayList<>();
            for (String path : api.collectionPaths()) {
                urls.add(api.url(path));
            }
            for (int id = 1; id <= 4; id++) {
                urls.add(api.url("/v1/sample-data/products/" + id));
            }

            client.fetchAll(urls).block(); // warm up: connections, JIT

            long start = System.nanoTime();
            List<FetchResult> results = client.fetchAll(urls).block();
            Duration concurrent = Duration.ofNanos(System.nanoTime() - start);

            start = System.nanoTime();
            for (String url : urls) {
                client.fetch(url).block();
            }
            Duration oneByOne = Duration.ofNanos(System.nanoTime() - start);

            out.printf("%-58s %6s %6s %8s%n", "url", "status", "items", "ms");
            for (FetchResult r : results) {
                String items = r.isSuccess() ? String.valueOf(itemCount(r)) : r.kind().name();
                out.printf("%-58s %6d %6s %8.1f%n", r.request().url(), r.status(), items,
                        r.elapsed().toNanos() / 1e6);
            }
            out.printf("%nfetched %d URLs concurrently in %d ms; one by one took %d ms (%.1fx faster)%n",
                    urls.size(), concurrent.toMillis(), oneByOne.toMillis(),
                    (double) oneByOne.toNanos() / Math.max(1, concurrent.toNanos()));
        }
    }

    private static int itemCount(FetchResult r) {
        var json = r.json();
        return json.isArray() ? json.size() : 1;
    }

    private FetchSampleApi() {
    }
}
