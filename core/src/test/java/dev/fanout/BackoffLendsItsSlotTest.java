package dev.fanout;

import dev.fanout.testing.Closer;
import dev.fanout.testing.InFlight;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request waiting out its retry backoff lends its {@code concurrency} slot to the next input:
 * requests in flight never exceed {@code concurrency}, at most twice as many inputs are open, a
 * retry whose wait has ended gets the next free slot, and every input still yields one result.
 * Backoffs run on a virtual clock here, so "while it waits" is exact.
 */
class BackoffLendsItsSlotTest {

    /** 10 s without jitter: nothing is retried until the test moves the clock. */
    static final RetryPolicy SLOW = RetryPolicy.backoff(3, Duration.ofSeconds(10)).jitter(0);

    static DisposableServer server;
    static final InFlight inFlight = new InFlight();
    static final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();

    @RegisterExtension
    final Closer closer = new Closer();

    @BeforeAll
    static void start() {
        server = HttpServer.create().host("127.0.0.1").port(0).handle(BackoffLendsItsSlotTest::handle)
                .bindNow(Duration.ofSeconds(10));
    }

    /** {@code /fail-once/{tag}}: 503 at the first hit, then 200; {@code /ok/{tag}}: 200; {@code ?ms=} delays the answer. */
    private static org.reactivestreams.Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        Runnable leave = inFlight.enter();
        String path = req.fullPath();
        int n = hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        int status = path.startsWith("/fail-once/") && n == 1 ? 503 : 200;
        String query = req.uri().contains("?ms=") ? req.uri().substring(req.uri().indexOf("?ms=") + 4) : "0";
        return Mono.delay(Duration.ofMillis(Long.parseLong(query)))
                .doOnNext(t -> leave.run())
                .then(res.status(status).sendString(Mono.just(path)).then())
                .doFinally(s -> leave.run());
    }

    @AfterAll
    static void stop() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    @BeforeEach
    void reset() throws InterruptedException {
        await(() -> inFlight.now() == 0, "the previous test's requests have ended");
        hits.clear();
        inFlight.resetMax();
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    private static int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    private FetchClient client(int concurrency, VirtualTimeScheduler clock) {
        // adaptive rate off: it only reacts to Retry-After here, but keeps the waits to the backoff alone
        return closer.add(FetchClient.builder().concurrency(concurrency).timer(clock).adaptiveRate(false)
                .retry(SLOW).build());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    @Test
    void whileTwoRequestsWaitOutTheirBackoffTheNextInputsAreSent() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FetchClient client = client(2, clock);
        List<String> urls = List.of(url("/fail-once/a"), url("/fail-once/b"),
                url("/ok/c"), url("/ok/d"), url("/ok/e"), url("/ok/f"));
        CompletableFuture<List<FetchResult>> all = client.fetchAll(urls).toFuture();

        // the clock has not moved: a and b are in their 10 s backoff, and c..f went out meanwhile
        await(() -> hits("/ok/c") + hits("/ok/d") + hits("/ok/e") + hits("/ok/f") == 4,
                "every other input sent while the two retries wait");
        assertThat(hits("/fail-once/a")).isEqualTo(1);
        assertThat(hits("/fail-once/b")).isEqualTo(1);
        assertThat(all).isNotDone();

        clock.advanceTimeBy(Duration.ofSeconds(10));
        List<FetchResult> results = all.get(10, TimeUnit.SECONDS);
        assertThat(results).extracting(FetchResult::index).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(results).allMatch(FetchResult::isSuccess);
        assertThat(results).extracting(FetchResult::attempts).containsExactly(2, 2, 1, 1, 1, 1);
        assertThat(inFlight.max()).as("requests in flight at once").isLessThanOrEqualTo(2);
    }

    @Test
    void atMostTwiceTheConcurrencyOfInputsAreOpenAtOnce() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FetchClient client = client(1, clock);
        List<String> urls = List.of(url("/fail-once/a"), url("/fail-once/b"), url("/fail-once/c"), url("/ok/d"));
        CompletableFuture<List<FetchResult>> all = client.fetchAll(urls).toFuture();

        await(() -> hits("/fail-once/b") == 1, "b sent while a waits");
        Thread.sleep(200);
        assertThat(hits("/fail-once/c")).as("a and b waiting: the batch holds two inputs, no third").isZero();
        assertThat(hits("/ok/d")).isZero();

        clock.advanceTimeBy(Duration.ofSeconds(10)); // a and b retried (one slot: one at a time), then c starts
        await(() -> hits("/fail-once/c") == 1 && hits("/ok/d") == 1, "c sent, then d while c waits");
        clock.advanceTimeBy(Duration.ofSeconds(10));
        List<FetchResult> results = all.get(10, TimeUnit.SECONDS);
        assertThat(results).allMatch(FetchResult::isSuccess);
        assertThat(results).extracting(FetchResult::attempts).containsExactly(2, 2, 2, 1);
        assertThat(inFlight.max()).as("requests in flight at once").isEqualTo(1);
    }

    @Test
    void aRetryGetsItsSlotBackWhileTheInputStreamIsSilent() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FetchClient client = client(1, clock);
        Sinks.Many<FetchRequest> inputs = Sinks.many().unicast().onBackpressureBuffer();
        List<FetchResult> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = client.fetchAsCompleted(inputs.asFlux()).doOnNext(seen::add).then().toFuture();

        inputs.tryEmitNext(FetchRequest.get(url("/fail-once/a")));
        await(() -> hits("/fail-once/a") == 1, "a sent");
        // a waits out its backoff; the stream has been asked for more and has nothing to give. The clock
        // moves on at every look: a's backoff may not be on it yet when the server has seen a.
        await(() -> {
            clock.advanceTimeBy(Duration.ofSeconds(10));
            return seen.size() == 1;
        }, "a retried and answered while the stream stays silent");
        assertThat(seen.get(0).isSuccess()).isTrue();
        assertThat(seen.get(0).attempts()).isEqualTo(2);

        inputs.tryEmitNext(FetchRequest.get(url("/ok/b")));
        inputs.tryEmitComplete();
        done.get(10, TimeUnit.SECONDS);
        assertThat(seen).hasSize(2);
    }

    @Test
    void theOrderedStreamStaysInInputOrderWhileRetriesLendTheirSlots() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FetchClient client = client(1, clock);
        List<String> urls = List.of(url("/fail-once/a"), url("/ok/b"), url("/ok/c"));
        List<FetchResult> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = client.fetchOrdered(urls).doOnNext(seen::add).then().toFuture();

        await(() -> hits("/ok/b") == 1, "b sent on the one slot while a waits");
        Thread.sleep(100);
        assertThat(seen).as("nothing before a, the first input").isEmpty();
        clock.advanceTimeBy(Duration.ofSeconds(10));
        done.get(10, TimeUnit.SECONDS);
        assertThat(seen).extracting(FetchResult::index).containsExactly(0L, 1L, 2L);
        assertThat(seen).allMatch(FetchResult::isSuccess);
        assertThat(inFlight.max()).as("requests in flight at once").isEqualTo(1);
    }

    @Test
    void closingTheClientEndsInputsWaitingForTheirSlotBack() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FetchClient client = FetchClient.builder().concurrency(2).timer(clock).adaptiveRate(false).retry(SLOW).build();
        // a and b wait out their backoff; c and d then hold both slots, answering after 3 s
        List<String> urls = List.of(url("/fail-once/a"), url("/fail-once/b"), url("/ok/c?ms=3000"),
                url("/ok/d?ms=3000"));
        CompletableFuture<List<FetchResult>> all = client.fetchAll(urls).toFuture();
        await(() -> inFlight.now() == 2 && hits("/ok/c") == 1 && hits("/ok/d") == 1, "c and d in flight");
        clock.advanceTimeBy(Duration.ofSeconds(10)); // a and b's waits end: no slot free, they wait for one
        Thread.sleep(100);
        assertThat(hits("/fail-once/a") + hits("/fail-once/b")).as("no third request in flight").isEqualTo(2);

        client.close();
        List<FetchResult> results = all.get(10, TimeUnit.SECONDS);
        assertThat(results).hasSize(4);
        assertThat(results).allMatch(r -> r.kind() == FetchException.Kind.CANCELLED);
        assertThat(hits("/fail-once/a") + hits("/fail-once/b")).as("nothing sent after close").isEqualTo(2);
    }

    @Test
    void aBatchDeadlineEndsARetryWaitingForItsSlotBack() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        FetchClient client = client(1, clock);
        // a waits out its backoff; b takes the one slot and answers only after 3 s (real time)
        List<String> urls = List.of(url("/fail-once/a"), url("/ok/b?ms=3000"));
        CompletableFuture<List<FetchResult>> all = client.fetchAll(urls, Duration.ofSeconds(15)).toFuture();
        await(() -> hits("/ok/b") == 1, "b sent while a waits");
        clock.advanceTimeBy(Duration.ofSeconds(10)); // a's wait ends: no slot free, it waits for b's
        Thread.sleep(100);
        assertThat(all).isNotDone();
        clock.advanceTimeBy(Duration.ofSeconds(5)); // the batch deadline

        List<FetchResult> results = all.get(10, TimeUnit.SECONDS);
        assertThat(results).extracting(FetchResult::kind)
                .containsExactly(FetchException.Kind.DEADLINE, FetchException.Kind.DEADLINE);
        assertThat(hits("/fail-once/a")).as("a never sent again").isEqualTo(1);
    }

    @Test
    void manyShortBackoffsNeverPutMoreThanTheConcurrencyInFlight() {
        int concurrency = 8;
        try (FetchClient client = FetchClient.builder().concurrency(concurrency)
                .retry(RetryPolicy.backoff(3, Duration.ofMillis(3))).build()) {
            // every tenth input fails once (well inside the retry budget's 20 %); each answer takes 2 ms so
            // that requests overlap
            List<String> urls = IntStream.range(0, 300)
                    .mapToObj(i -> url((i % 10 == 0 ? "/fail-once/" : "/ok/") + i + "?ms=2"))
                    .collect(Collectors.toList());
            List<FetchResult> results = client.fetchAsCompleted(Flux.fromIterable(urls).map(FetchRequest::get))
                    .collectList().block(Duration.ofSeconds(60));
            assertThat(results).hasSize(300);
            assertThat(results).extracting(FetchResult::index).doesNotHaveDuplicates();
            assertThat(results).allMatch(FetchResult::isSuccess);
            assertThat(results.stream().filter(r -> r.attempts() == 2).count()).isEqualTo(30);
            assertThat(inFlight.max()).as("requests in flight at once").isLessThanOrEqualTo(concurrency);
            assertThat(results).filteredOn(r -> r.attempts() == 2).allMatch(r -> r.index() % 10 == 0);
        }
    }
}
