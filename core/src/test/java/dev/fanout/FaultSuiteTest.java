package dev.fanout;

import dev.fanout.FetchException.Kind;
import dev.fanout.testing.FaultServer;
import dev.fanout.testing.FaultServer.Fault;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.fanout.testing.PoolAssertions.assertPoolQuiet;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every fault of the fault-injecting server, end to end on 127.0.0.1: the kind, the attempts, and
 * that the pool is quiet and no buffer leaked afterwards. Backoff is short here (real time); its
 * arithmetic and Retry-After waits are proved in virtual time in {@code RetryStageTest}.
 */
class FaultSuiteTest {

    static final FaultServer server = new FaultServer();
    static final RetryPolicy FAST = RetryPolicy.backoff(3, Duration.ofMillis(5)).jitter(0);

    FetchClient client;

    @BeforeAll
    static void start() {
        server.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void setUp() {
        server.reset();
        client = FetchClient.builder()
                .retry(FAST)
                .responseTimeout(Duration.ofMillis(300))
                .requestTimeout(Duration.ofSeconds(2))
                .build();
    }

    @AfterEach
    void tearDown() {
        assertPoolQuiet(client);
        client.close();
    }

    private FetchResult get(String url) {
        return client.fetch(url).block(Duration.ofSeconds(20));
    }

    private static List<Kind> times(int n, Kind kind) {
        return Collections.nCopies(n, kind);
    }

    @Test
    void connectionRefusedIsRetriedThenFailsAsConnect() {
        FetchResult r = get("http://127.0.0.1:" + FaultServer.closedPort() + "/x");
        assertThat(r.kind()).isEqualTo(Kind.CONNECT);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(r.attemptKinds()).isEqualTo(times(3, Kind.CONNECT));
    }

    @Test
    void postIsRetriedWhenTheConnectionWasRefused() {
        FetchResult r = client.fetch(FetchRequest.post("http://127.0.0.1:" + FaultServer.closedPort() + "/x")
                .body(new byte[] {1}, "application/octet-stream")).block(Duration.ofSeconds(20));
        assertThat(r.kind()).isEqualTo(Kind.CONNECT);
        assertThat(r.attempts()).isEqualTo(3);
    }

    @Test
    void closeAfterRequestIsRetriedThenFailsAsConnectionClosed() {
        String url = server.url(Fault.CLOSE_AFTER_REQUEST, "a");
        FetchResult r = get(url);
        assertThat(r.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(r.attemptKinds()).isEqualTo(times(3, Kind.CONNECTION_CLOSED));
        // Reactor Netty may resend once on its own when a connection closes before any response
        assertThat(server.hits("/close-after-request/a")).isBetween(3, 6);
    }

    @Test
    void postIsNotResentAfterTheServerReadIt() {
        FetchResult r = client.fetch(FetchRequest.post(server.url(Fault.CLOSE_AFTER_REQUEST, "post"))
                .body(new byte[] {1}, "application/octet-stream")).block(Duration.ofSeconds(20));
        assertThat(r.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(r.attempts()).isEqualTo(1);
    }

    @Test
    void resetBeforeResponseFailsAsConnectionClosed() {
        FetchResult r = get(server.url(Fault.RESET_BEFORE_RESPONSE, "a"));
        assertThat(r.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(r.attempts()).isEqualTo(3);
    }

    @Test
    void resetInTheMiddleOfTheBodyFailsAsConnectionClosed() {
        FetchResult r = get(server.url(Fault.RESET_MID_BODY, "a"));
        assertThat(r.kind()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(server.hits("/reset-mid-body/a")).isEqualTo(3);
    }

    @Test
    void headersThatNeverComeTimeOutAndAreRetried() {
        FetchResult r = get(server.url(Fault.STALL_HEADERS, "a"));
        assertThat(r.kind()).isEqualTo(Kind.RESPONSE_TIMEOUT);
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(server.hits("/stall-headers/a")).isEqualTo(3);
    }

    @Test
    void aStalledBodyTimesOutAndIsRetried() {
        FetchResult r = get(server.url(Fault.STALL_BODY, "a"));
        assertThat(r.kind()).isEqualTo(Kind.RESPONSE_TIMEOUT);
        assertThat(r.attempts()).isEqualTo(3);
    }

    @Test
    void aMalformedStatusLineIsProtocolAndNotRetried() {
        FetchResult r = get(server.url(Fault.MALFORMED_STATUS, "a"));
        assertThat(r.kind()).as(r.error().map(Throwable::toString).orElse("")).isEqualTo(Kind.PROTOCOL);
        assertThat(r.attempts()).isEqualTo(1);
    }

    @Test
    void brokenChunkedEncodingIsProtocolAndNotRetried() {
        FetchResult r = get(server.url(Fault.BROKEN_CHUNKED, "a"));
        assertThat(r.kind()).as(r.error().map(Throwable::toString).orElse("")).isEqualTo(Kind.PROTOCOL);
        assertThat(r.attempts()).isEqualTo(1);
    }

    @Test
    void aTrickleJustInsideTheResponseTimeoutIsCaughtOnlyByTheRequestTimeout() {
        // a byte every 250 ms never trips a 500 ms response timeout (half of it is margin for a busy machine);
        // 12 bytes take 3 s, over the 2 s request timeout
        FetchResult r = client.fetch(FetchRequest.get(server.url(Fault.TRICKLE, 250, 12))
                .responseTimeout(Duration.ofMillis(500)).timeout(Duration.ofSeconds(2))).block(Duration.ofSeconds(20));
        assertThat(r.kind()).isEqualTo(Kind.REQUEST_TIMEOUT);
        assertThat(r.attempts()).isEqualTo(1); // REQUEST_TIMEOUT is not retried by default
    }

    @Test
    void a503ThatRecoversAfterTwoCallsSucceedsOnTheThirdAttempt() {
        FetchResult r = get(server.url(Fault.STATUS_THEN_OK, 503, 2, "a"));
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(r.attemptKinds()).containsExactly(Kind.HTTP_STATUS, Kind.HTTP_STATUS);
        assertThat(r.bodyAsString()).isEqualTo("/status-then-ok/503/2/a");
    }

    @Test
    void retriesExhaustedOnAStatusKeepTheStatusHeadersAndBody() {
        FetchResult r = get(server.url(Fault.STATUS, 503));
        assertThat(r.kind()).isEqualTo(Kind.HTTP_STATUS);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.bodyAsString()).isEqualTo("status 503");
        assertThat(r.header("Content-Type")).isEqualTo("text/plain");
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(server.hits("/status/503")).isEqualTo(3);
    }

    @Test
    void aStatusOutsideThePolicyIsNotRetried() {
        FetchResult r = get(server.url(Fault.STATUS, 500));
        assertThat(r.kind()).isEqualTo(Kind.HTTP_STATUS);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.attemptKinds()).containsExactly(Kind.HTTP_STATUS);
    }

    @Test
    void retryAfterInSecondsIsHonoured() {
        FetchResult r = get(server.url(Fault.RETRY_AFTER_SECONDS, 429, 1, 1, "a"));
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void retryAfterAsAnHttpDateIsHonoured() {
        FetchResult r = get(server.url(Fault.RETRY_AFTER_DATE, 503, 2, 1, "a"));
        assertThat(r.isSuccess()).as(r.toString()).isTrue();
        assertThat(r.attempts()).isEqualTo(2);
        // HTTP-dates have whole seconds: "now + 2 s" truncated is more than 1 s away
        assertThat(r.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void retryAfterBeyondTheCapFailsAtOnceWithTheStatus() {
        FetchResult r = get(server.url(Fault.RETRY_AFTER_SECONDS, 429, 3600, 1, "a"));
        assertThat(r.kind()).isEqualTo(Kind.HTTP_STATUS);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void postIsRetriedOnAStatusOnlyWithAnIdempotencyKey() {
        FetchResult plain = client.fetch(FetchRequest.post(server.url(Fault.STATUS_THEN_OK, 503, 1, "p"))
                .body(new byte[] {1}, "application/octet-stream")).block(Duration.ofSeconds(20));
        assertThat(plain.kind()).isEqualTo(Kind.HTTP_STATUS);
        assertThat(plain.attempts()).isEqualTo(1);

        FetchResult keyed = client.fetch(FetchRequest.post(server.url(Fault.STATUS_THEN_OK, 503, 1, "k"))
                .header("Idempotency-Key", "abc").body(new byte[] {1}, "application/octet-stream"))
                .block(Duration.ofSeconds(20));
        assertThat(keyed.isSuccess()).as(keyed.toString()).isTrue();
        assertThat(keyed.attempts()).isEqualTo(2);
    }

    @Test
    void aPerRequestPolicyOverridesTheClients() {
        FetchResult r = client.fetch(FetchRequest.get(server.url(Fault.STATUS, 503)).retry(RetryPolicy.none()))
                .block(Duration.ofSeconds(20));
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(server.hits("/status/503")).isEqualTo(1);
    }

    /**
     * Waits (real time, bounded) until the server has seen {@code n} requests on {@code path} and the
     * client's backoff after that attempt is on the virtual clock: {@code backoffs} tasks scheduled on it
     * so far, one per backoff (nothing else of this client uses that clock), so that advancing the clock
     * is not a race with the scheduling.
     */
    private static void awaitBackoff(VirtualTimeScheduler clock, String path, int n, long backoffs)
            throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while ((server.hits(path) < n || clock.getScheduledTaskCount() < backoffs) && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(server.hits(path)).isEqualTo(n);
        assertThat(clock.getScheduledTaskCount()).as("one timer task per backoff").isEqualTo(backoffs);
    }

    @Test
    void backoffAndRetryAfterRunOnTheTimerInVirtualTimeAgainstRealSockets() throws Exception {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        // adaptive rate off: after the 503s it would pace this host at 1/s, a wait of its own on the same clock
        FetchClient timed = FetchClient.builder().timer(clock).adaptiveRate(false)
                .retry(RetryPolicy.backoff(3, Duration.ofSeconds(1)).jitter(0)).build();
        try {
            // 503 twice, then 200: attempts at 0, 1 s, 1 s + 2 s on the virtual clock
            var result = timed.fetch(server.url(Fault.STATUS_THEN_OK, 503, 2, "vt")).toFuture();
            String path = "/status-then-ok/503/2/vt";
            awaitBackoff(clock, path, 1, 1);
            clock.advanceTimeBy(Duration.ofMillis(999));
            Thread.sleep(200);
            assertThat(server.hits(path)).as("no retry before the 1 s backoff").isEqualTo(1);
            clock.advanceTimeBy(Duration.ofMillis(1));
            awaitBackoff(clock, path, 2, 2);
            clock.advanceTimeBy(Duration.ofMillis(1999));
            Thread.sleep(200);
            assertThat(server.hits(path)).as("no retry before the 2 s backoff").isEqualTo(2);
            clock.advanceTimeBy(Duration.ofMillis(1));
            FetchResult r = result.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.attempts()).isEqualTo(3);

            // 429 with Retry-After: 5 replaces the 1 s backoff
            var limited = timed.fetch(server.url(Fault.RETRY_AFTER_SECONDS, 429, 5, 1, "vt")).toFuture();
            String limitedPath = "/retry-after-seconds/429/5/1/vt";
            awaitBackoff(clock, limitedPath, 1, 3);
            clock.advanceTimeBy(Duration.ofMillis(4999));
            Thread.sleep(200);
            assertThat(server.hits(limitedPath)).as("Retry-After, not the backoff").isEqualTo(1);
            clock.advanceTimeBy(Duration.ofMillis(1));
            FetchResult after = limited.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(after.isSuccess()).isTrue();
            assertThat(after.attempts()).isEqualTo(2);
            assertPoolQuiet(timed);
        } finally {
            timed.close();
        }
    }

    @Test
    void closeDuringTrafficEndsEveryItemWithOneResult() throws Exception {
        List<String> urls = IntStream.range(0, 40).mapToObj(i -> server.url(Fault.STALL_HEADERS, "c" + i))
                .collect(Collectors.toList());
        FetchClient closing = FetchClient.builder().concurrency(16).retry(FAST)
                .responseTimeout(Duration.ofSeconds(30)).build();
        var pending = closing.fetchAll(urls).toFuture();
        long until = System.nanoTime() + 5_000_000_000L;
        while (server.inFlight() < 16 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        closing.close();
        List<FetchResult> results = pending.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(results).hasSize(40);
        assertThat(results).allSatisfy(r -> assertThat(r.kind()).isEqualTo(Kind.CANCELLED));
        assertThat(server.totalHits()).isLessThanOrEqualTo(16);
        assertPoolQuiet(closing);
    }

    /**
     * On the default timer a backoff waits on the shared wheel and ends on an event loop; closing the
     * client must still end every item waiting there at once, not after its 30 s backoff, and send nothing more.
     */
    @Test
    void closeDuringBackoffOnTheDefaultTimerEndsEveryItemAtOnce() throws Exception {
        List<String> urls = IntStream.range(0, 8).mapToObj(i -> server.url(Fault.STATUS, 503, "b" + i))
                .collect(Collectors.toList());
        java.util.Queue<String> retriedOn = new java.util.concurrent.ConcurrentLinkedQueue<>();
        FetchClient closing = FetchClient.builder().concurrency(8)
                .retry(RetryPolicy.backoff(3, Duration.ofSeconds(30)).jitter(0))
                .listener(new FetchListener() {
                    @Override
                    public void onRetry(FetchRequest request, long index, int attempt, FetchException cause) {
                        retriedOn.add(Thread.currentThread().getName()); // the backoff starts right after this
                    }
                }).build();
        var pending = closing.fetchAll(urls).toFuture();
        long until = System.nanoTime() + 5_000_000_000L;
        while (retriedOn.size() < 8 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(retriedOn).hasSize(8);
        // each 503 was seen on one of the client's event loops: the backoff ends there (EventLoopSchedulersTest)
        assertThat(retriedOn).allSatisfy(name -> assertThat(name).startsWith("fanout-nio"));
        int sentBeforeClose = server.totalHits();
        long closedAt = System.nanoTime();
        closing.close();
        List<FetchResult> results = pending.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - closedAt)).isLessThan(Duration.ofSeconds(5));
        assertThat(results).hasSize(8);
        assertThat(results).allSatisfy(r -> assertThat(r.kind()).isEqualTo(Kind.CANCELLED));
        assertThat(server.totalHits()).isEqualTo(sentBeforeClose);
        assertPoolQuiet(closing);
    }
}
