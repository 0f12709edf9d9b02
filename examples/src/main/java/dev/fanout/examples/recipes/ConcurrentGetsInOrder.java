package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchResult;
import dev.fanout.examples.server.SampleApiServer;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Concurrent GETs, results in input order ({@code asyncio.gather}): {@code fetchAll} sends them
 * all at once (up to the concurrency) and hands back one list, result i for URL i, whichever
 * finished first.
 */
public final class ConcurrentGetsInOrder {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.create()) {
            // later URLs answer sooner: completion order is the reverse of input order
            List<String> urls = IntStream.rangeClosed(1, 6).mapToObj(i -> api.url("/delay/" + (700 - i * 100))).toList();

            List<FetchResult> results = client.fetchAll(urls).block();

            System.out.println("fetchAll: results in input order, though the last URL finished first");
            for (FetchResult r : results) {
                System.out.printf("  #%d %s -> %d %s (%d ms)%n", r.index(), r.request().url(), r.status(),
                        r.bodyAsString(), r.elapsed().toMillis());
            }
        }
    }

    private ConcurrentGetsInOrder() {
    }
}
