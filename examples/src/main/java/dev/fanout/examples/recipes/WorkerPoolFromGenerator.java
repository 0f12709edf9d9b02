package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.FetchRequest;
import dev.fanout.examples.server.SampleApiServer;
import reactor.core.publisher.Flux;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker pool fed from a lazy generator (an {@code asyncio.Queue} with N workers): the input is
 * a {@code Flux} that makes requests only when asked, and the client asks for at most twice
 * {@code concurrency} beyond the results drained ({@code concurrency} in flight, as many again
 * waiting out a retry backoff), so an endless or huge source runs in bounded memory. The printout
 * shows the generator never runs far ahead of the results.
 */
public final class WorkerPoolFromGenerator {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder().concurrency(8).build()) {
            AtomicLong generated = new AtomicLong();
            AtomicLong maxAhead = new AtomicLong();
            AtomicLong done = new AtomicLong();

            // an endless generator, like reading a queue or paging through an API
            Flux<FetchRequest> jobs = Flux.generate(sink -> {
                long n = generated.incrementAndGet();
                maxAhead.accumulateAndGet(n - done.get(), Math::max);
                sink.next(FetchRequest.get(api.url("/v1/sample-data/products/" + (1 + n % 30))));
            });

            client.fetchAsCompleted(jobs)
                    .take(200)                                   // stop whenever you like
                    .doOnNext(r -> done.incrementAndGet())
                    .blockLast();

            System.out.printf("200 results from an endless generator; it made %d requests, "
                    + "never more than %d ahead of the results (concurrency 8: at most 16 ahead)%n", generated.get(), maxAhead.get());
        }
    }

    private WorkerPoolFromGenerator() {
    }
}
