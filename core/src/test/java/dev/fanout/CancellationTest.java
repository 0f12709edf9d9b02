package dev.fanout;

import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static dev.fanout.testing.PoolAssertions.assertPoolQuiet;
import static org.assertj.core.api.Assertions.assertThat;

/** Cancelling a subscription or closing the client gives everything back and hangs nothing. */
class CancellationTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void cancellingASubscriptionReturnsEveryConnectionToThePool() {
        List<String> urls = Collections.nCopies(30, server.url("/delay/5000"));
        try (FetchClient client = FetchClient.builder().concurrency(10).build()) {
            Disposable subscription = client.fetchAsCompleted(urls).subscribe();
            await(() -> server.inFlight() == 10, "10 requests in flight");

            subscription.dispose();

            assertPoolQuiet(client);
            await(() -> server.inFlight() == 0, "the server to see the requests go away");
            assertThat(server.totalHits()).isEqualTo(10);
        }
    }

    @Test
    void takingTheFirstResultsCancelsTheRest() {
        List<String> urls = List.of(server.url("/delay/0"), server.url("/delay/10"), server.url("/delay/5000"),
                server.url("/delay/5000"));
        try (FetchClient client = FetchClient.create()) {
            List<FetchResult> firstTwo = client.fetchAsCompleted(urls).take(2).collectList()
                    .block(Duration.ofSeconds(5));

            assertThat(firstTwo).extracting(FetchResult::index).containsExactlyInAnyOrder(0L, 1L);
            assertPoolQuiet(client);
        }
    }

    @Test
    void closingTheClientDuringABatchEndsItWithCancelledResults() {
        List<String> urls = Collections.nCopies(20, server.url("/delay/10000"));
        FetchClient client = FetchClient.builder().concurrency(5).build();
        CompletableFuture<List<FetchResult>> batch = client.fetchAll(urls).subscribeOn(Schedulers.boundedElastic())
                .toFuture();
        await(() -> server.inFlight() == 5, "5 requests in flight");

        long start = System.nanoTime();
        client.close();
        List<FetchResult> results = batch.orTimeout(5, java.util.concurrent.TimeUnit.SECONDS).join();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(results).hasSize(20)
                .allSatisfy(r -> assertThat(r.kind()).isEqualTo(FetchException.Kind.CANCELLED));
        assertThat(server.totalHits()).isEqualTo(5);
        assertThat(client.poolStats().active()).isZero();
    }
}
