package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.examples.server.SampleApiServer;

import java.util.Collections;
import java.util.List;

/**
 * The semaphore recipe ({@code asyncio.Semaphore(5)} around each request): {@code concurrency(5)}
 * lets at most five requests of a call run at once; the next starts as one finishes. No
 * semaphore to write: the batch methods apply it with Reactor's {@code flatMap(..., 5)}.
 */
public final class ConcurrencyLimit {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder().concurrency(5).build()) {
            List<String> urls = Collections.nCopies(20, api.url("/delay/100"));

            long start = System.nanoTime();
            client.fetchAll(urls).block();
            long ms = (System.nanoTime() - start) / 1_000_000;

            System.out.printf("concurrency(5): 20 requests of 100 ms took %d ms (about 4 rounds)%n", ms);
            System.out.printf("most requests the server saw at once: %d%n", api.maxInFlight());
        }
    }

    private ConcurrencyLimit() {
    }
}
