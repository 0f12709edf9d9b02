package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.examples.server.SampleApiServer;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Results as they complete ({@code asyncio.as_completed}): {@code fetchAsCompleted} emits each
 * result the moment it is ready, so a slow URL never holds back the fast ones; a running count
 * shows progress.
 */
public final class ResultsAsTheyComplete {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.create()) {
            int[] delays = {600, 50, 300, 10, 450, 150};
            List<String> urls = IntStream.of(delays).mapToObj(ms -> api.url("/delay/" + ms)).toList();
            AtomicInteger done = new AtomicInteger();

            System.out.println("fetchAsCompleted: fastest first");
            client.fetchAsCompleted(urls)
                    .doOnNext(r -> System.out.printf("  [%d/%d] #%d %s after %d ms%n", done.incrementAndGet(),
                            urls.size(), r.index(), r.request().url(), r.elapsed().toMillis()))
                    .blockLast();
        }
    }

    private ResultsAsTheyComplete() {
    }
}
