package dev.fanout;

import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.fanout.testing.PoolAssertions.assertPoolQuiet;
import static org.assertj.core.api.Assertions.assertThat;

/** The three assemblers against a real server: order, completion order, streaming and backpressure. */
class GatherAndStreamTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    private List<String> randomDelays(int n, long seed) {
        Random random = new Random(seed);
        return IntStream.range(0, n).mapToObj(i -> server.url("/delay/" + random.nextInt(60)))
                .collect(Collectors.toList());
    }

    @Test
    void fetchAllReturnsResultsInInputOrderUnderRandomDelays() {
        List<String> urls = randomDelays(200, 1);
        try (FetchClient client = FetchClient.builder().concurrency(32).build()) {
            List<FetchResult> results = client.fetchAll(urls).block(Duration.ofSeconds(30));

            assertThat(results).hasSize(200);
            for (int i = 0; i < urls.size(); i++) {
                FetchResult r = results.get(i);
                assertThat(r.index()).isEqualTo(i);
                assertThat(r.request().url()).isEqualTo(urls.get(i));
                assertThat(r.isSuccess()).as(r.toString()).isTrue();
                assertThat(server.url("/delay/" + r.bodyAsString())).isEqualTo(urls.get(i));
            }
            assertPoolQuiet(client);
        }
    }

    @Test
    void fetchOrderedStreamsInInputOrderUnderRandomDelays() {
        List<String> urls = randomDelays(150, 2);
        try (FetchClient client = FetchClient.builder().concurrency(16).build()) {
            List<Long> indices = client.fetchOrdered(urls).map(FetchResult::index).collectList()
                    .block(Duration.ofSeconds(30));

            assertThat(indices).containsExactlyElementsOf(LongStreamRange.of(150));
        }
    }

    @Test
    void fetchAsCompletedEmitsInCompletionOrder() {
        List<String> urls = List.of(server.url("/delay/600"), server.url("/delay/300"), server.url("/delay/0"));
        try (FetchClient client = FetchClient.create()) {
            StepVerifier.create(client.fetchAsCompleted(urls).map(FetchResult::index))
                    .expectNext(2L, 1L, 0L)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
        }
    }

    @Test
    void fetchOrderedWaitsForTheSlowHeadButStreamsTheRest() {
        List<String> urls = List.of(server.url("/delay/300"), server.url("/delay/0"), server.url("/delay/0"));
        try (FetchClient client = FetchClient.create()) {
            StepVerifier.create(client.fetchOrdered(urls).map(FetchResult::index))
                    .expectNext(0L, 1L, 2L)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
        }
    }

    @Test
    void publisherIsConsumedWithBoundedDemand() {
        AtomicLong maxRequest = new AtomicLong();
        AtomicLong emitted = new AtomicLong();
        Flux<FetchRequest> requests = Flux.range(0, 500)
                .map(i -> FetchRequest.get(server.url("/ok")))
                .doOnRequest(n -> maxRequest.accumulateAndGet(n, Math::max))
                .doOnNext(r -> emitted.incrementAndGet());
        try (FetchClient client = FetchClient.builder().concurrency(8).build()) {
            List<FetchResult> results = new ArrayList<>();
            StepVerifier.create(client.fetchAsCompleted(requests), 0)
                    .thenRequest(5)
                    .expectNextCount(5)
                    .then(() -> assertThat(emitted.get()).as("taken ahead of demand").isLessThanOrEqualTo(5 + 8))
                    .thenRequest(Long.MAX_VALUE)
                    .recordWith(() -> results)
                    .expectNextCount(495)
                    .expectComplete()
                    .verify(Duration.ofSeconds(30));
            assertThat(maxRequest.get()).isLessThanOrEqualTo(8);
        }
    }

    @Test
    void gatherFailFastErrorsWithTheFirstFailureAndCancelsTheRest() {
        List<String> urls = new ArrayList<>();
        urls.add(server.url("/status/500"));
        for (int i = 0; i < 50; i++) {
            urls.add(server.url("/delay/2000"));
        }
        try (FetchClient client = FetchClient.builder().concurrency(4).build()) {
            StepVerifier.create(client.fetchAllFailFast(urls))
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(FetchException.class);
                        assertThat(((FetchException) e).kind()).isEqualTo(FetchException.Kind.HTTP_STATUS);
                        assertThat(((FetchException) e).status()).isEqualTo(500);
                    })
                    .verify(Duration.ofSeconds(5));
            assertPoolQuiet(client);
            assertThat(server.hits("/delay/2000")).isLessThan(50);
        }
    }

    @Test
    void gatherFailFastReturnsAllWhenAllSucceed() {
        List<String> urls = List.of(server.url("/ok"), server.url("/json"));
        try (FetchClient client = FetchClient.create()) {
            List<FetchResult> results = client.fetchAllFailFast(urls).block(Duration.ofSeconds(10));
            assertThat(results).extracting(FetchResult::status).containsExactly(200, 200);
        }
    }

    /** 0..n-1 as a list of longs. */
    private static final class LongStreamRange {
        static List<Long> of(int n) {
            return java.util.stream.LongStream.range(0, n).boxed().collect(Collectors.toList());
        }
    }
    @Test
    void theClientRunsOnOneEventLoopPerCore() {
        // results are emitted on the event loop that completed them: 400 requests over 64 connections
        // reach every loop the client has, and there are no more than the machine's cores
        java.util.Set<String> loops = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (FetchClient client = FetchClient.builder().concurrency(64).maxConnectionsPerHost(64).build()) {
            long n = client.fetchAsCompleted(Flux.range(0, 400).map(i -> FetchRequest.get(server.url("/delay/20"))))
                    .doOnNext(r -> loops.add(Thread.currentThread().getName()))
                    .filter(FetchResult::isSuccess)
                    .count().block(Duration.ofSeconds(30));

            assertThat(n).isEqualTo(400);
            assertThat(loops).allMatch(name -> name.startsWith("fanout-nio"));
            assertThat(loops).hasSizeLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());
            assertPoolQuiet(client);
        }
    }
}
