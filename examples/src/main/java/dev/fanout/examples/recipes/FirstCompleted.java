package dev.fanout.examples.recipes;

import dev.fanout.BatchProgress;
import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

import java.util.List;
import java.util.stream.IntStream;

/**
 * First completed ({@code asyncio.wait(..., return_when=FIRST_COMPLETED)}, or "take the first N
 * answers"): {@code fetchAsCompleted(...).take(n)} keeps the first n results and cancels every
 * request still running, freeing its connection.
 */
public final class FirstCompleted {

    public static void main(String[] args) {
        BatchProgress progress = new BatchProgress();
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder().listener(progress).build()) {
            // ten mirrors of one resource, some slow
            List<String> mirrors = IntStream.range(0, 10).mapToObj(i -> api.url("/delay/" + (100 + 300 * (i % 4))))
                    .toList();

            List<FetchResult> firstTwo = client.fetchAsCompleted(mirrors).take(2).collectList().block();

            firstTwo.forEach(r -> System.out.printf("  took #%d %s in %d ms%n", r.index(), r.request().url(),
                    r.elapsed().toMillis()));
            System.out.println("the other requests were cancelled: " + waitForCancels(progress, 8) + " cancelled");
        }
    }

    /** Cancellation reaches the other requests just after take(2) completes; give it a moment. */
    private static long waitForCancels(BatchProgress progress, long expected) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (progress.snapshot().cancelled() < expected && System.nanoTime() < deadline) {
            sleep(5);
        }
        return progress.snapshot().cancelled();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private FirstCompleted() {
    }
}
