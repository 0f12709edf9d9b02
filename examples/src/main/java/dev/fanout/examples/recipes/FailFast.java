package dev.fanout.examples.recipes;

import dev.fanout.BatchProgress;
import dev.fanout.FetchClient;
import dev.fanout.FetchException;
import dev.fanout.examples.server.SampleApiServer;

import java.util.ArrayList;
import java.util.List;

/**
 * Fail-fast ({@code asyncio.gather} without {@code return_exceptions}): {@code fetchAllFailFast}
 * signals the first failure as an error and cancels the requests still in flight, so a batch that
 * cannot succeed stops at once.
 */
public final class FailFast {

    public static void main(String[] args) {
        BatchProgress progress = new BatchProgress();
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder().listener(progress).build()) {
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                urls.add(api.url("/delay/2000"));          // slow ones...
            }
            urls.add(api.url("/status/500"));             // ...and one that fails at once

            long start = System.nanoTime();
            try {
                client.fetchAllFailFast(urls).block();
                System.out.println("all succeeded");
            } catch (FetchException e) {
                System.out.printf("failed fast after %d ms: %s%n", (System.nanoTime() - start) / 1_000_000,
                        e.getMessage());
            }
            // the cancellation reaches the slow requests just after the error signal; give it a moment
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (progress.snapshot().cancelled() < 10 && System.nanoTime() < deadline) {
                sleep(5);
            }
            System.out.println("the slow requests were cancelled, not awaited: " + progress.snapshot().cancelled()
                    + " cancelled");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private FailFast() {
    }
}
