package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.RetryPolicy;
import dev.fanout.examples.server.SampleApiServer;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Rate limiting against a server that allows one request per second, as public demo APIs do:
 * first without a limit (most requests get 429), then with {@code rateLimitPerHost(1)}, which
 * spaces the requests a second apart so every one succeeds.
 */
public final class RateLimit {

    public static void main(String[] args) throws InterruptedException {
        try (SampleApiServer api = SampleApiServer.start()) {
            List<String> urls = IntStream.range(0, 5).mapToObj(i -> api.url("/rate-limited/" + i))
                    .collect(Collectors.toList());

            try (FetchClient unlimited = FetchClient.builder().retry(RetryPolicy.none()).build()) {
                report("no rate limit, no retries", unlimited.fetchAll(urls).block());
            }
            Thread.sleep(1000); // let the server's one-second window pass

            try (FetchClient limited = FetchClient.builder().rateLimitPerHost(1).build()) {
                report("rateLimitPerHost(1)", limited.fetchAll(urls).block());
            }
        }
    }

    private static void report(String title, List<FetchResult> results) {
        System.out.println(title + ":");
        for (FetchResult r : results) {
            System.out.printf("  %-20s %3d  after %5d ms%n", r.request().url().replaceFirst("http://[^/]+", ""),
                    r.status(), r.elapsed().toMillis());
        }
        long ok = results.stream().filter(FetchResult::isSuccess).count();
        System.out.printf("  %d of %d succeeded%n%n", ok, results.size());
    }

    private RateLimit() {
    }
}
