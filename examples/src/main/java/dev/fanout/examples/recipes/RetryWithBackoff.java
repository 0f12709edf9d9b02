package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.RetryPolicy;
import dev.fanout.examples.server.SampleApiServer;

import java.time.Duration;
import java.util.List;

/**
 * Retries with exponential backoff and Retry-After: flaky endpoints that answer 503 a few times,
 * one that answers 429 with {@code Retry-After: 1}, and what happens when retries run out.
 */
public final class RetryWithBackoff {

    public static void main(String[] args) {
        RetryPolicy policy = RetryPolicy.backoff(4, Duration.ofMillis(100)) // 4 attempts in total
                .multiplier(2)
                .maxBackoff(Duration.ofSeconds(2))
                .maxRetryAfter(Duration.ofSeconds(10));
        try (SampleApiServer api = SampleApiServer.start()) {
            try (FetchClient client = FetchClient.builder().retry(policy).build()) {
                print(client.fetchAll(List.of(
                        api.url("/flaky/1/a"),                // 503 once, then 200
                        api.url("/flaky/3/b"),                // 503 three times, then 200 on the 4th attempt
                        api.url("/flaky/9/c"))).block());     // 503 more often than we try: fails with 503

                FetchResult once = client.fetch(FetchRequest.get(api.url("/flaky/1/e")).retry(RetryPolicy.none()))
                        .block();
                System.out.printf("with RetryPolicy.none() for one request: %s after %d attempt%n%n",
                        once.kind() + " " + once.status(), once.attempts());
            }
            // Retry-After replaces the computed backoff, and pauses every request to that host meanwhile
            // (a client of its own here, so that the pause does not slow the batch above).
            try (FetchClient client = FetchClient.builder().retry(policy).build()) {
                print(client.fetchAll(List.of(api.url("/flaky-retry-after/1/d"))).block()); // 429 Retry-After: 1, then 200
            }
        }
    }

    private static void print(List<FetchResult> results) {
        System.out.printf("%-28s %-16s %8s %8s  %s%n", "path", "outcome", "attempts", "ms", "failed attempts");
        for (FetchResult r : results) {
            System.out.printf("%-28s %-16s %8d %8d  %s%n", r.request().url().replaceFirst("http://[^/]+", ""),
                    r.isSuccess() ? r.status() : r.kind() + " " + r.status(), r.attempts(),
                    r.elapsed().toMillis(), r.attemptKinds());
        }
        System.out.println();
    }

    private RetryWithBackoff() {
    }
}
