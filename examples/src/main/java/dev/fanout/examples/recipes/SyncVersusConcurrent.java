package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.examples.server.SampleApiServer;

import java.time.Duration;
import java.util.Collections;
import java.util.List;

/**
 * The synchronous versus the concurrent way: twenty requests of 100 ms each, one after another
 * (a loop of {@code block()}), then all at once with {@code fetchAll}. Same client, same server.
 */
public final class SyncVersusConcurrent {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start(0, Duration.ofMillis(100));
             FetchClient client = FetchClient.create()) {
            List<String> urls = Collections.nCopies(20, api.url("/v1/sample-data/users"));
            client.fetchAll(urls).block(); // warm up connections and the JIT for a fair comparison

            long start = System.nanoTime();
            for (String url : urls) {
                client.fetch(url).block();          // synchronous: wait for each before the next
            }
            long sync = (System.nanoTime() - start) / 1_000_000;

            start = System.nanoTime();
            client.fetchAll(urls).block();          // concurrent: all in flight together
            long concurrent = (System.nanoTime() - start) / 1_000_000;

            System.out.printf("one by one: %d ms%nconcurrent: %d ms (%.1fx faster)%n", sync, concurrent,
                    (double) sync / Math.max(1, concurrent));
        }
    }

    private SyncVersusConcurrent() {
    }
}
