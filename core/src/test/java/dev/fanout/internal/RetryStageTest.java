package dev.fanout.internal;

import dev.fanout.FetchRequest;
import dev.fanout.RetryPolicy;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The waits the retry stage schedules, in virtual time, with jitter pinned; no sockets. */
class RetryStageTest {

    final VirtualTimeScheduler vts = VirtualTimeScheduler.create();

    static ValidatedRequest request(String method) {
        String url = "http://127.0.0.1:1/x";
        return new ValidatedRequest(FetchRequest.of(method, url), HttpMethod.valueOf(method), URI.create(url), url,
                null, null, null);
    }

    RetryStage stage(double ratio, double minPerSecond) {
        return new RetryStage(new RetryBudget(ratio, minPerSecond, () -> vts.now(TimeUnit.NANOSECONDS)),
                () -> vts, () -> false);
    }

    <T> Mono<T> retried(Mono<T> attempt, RetryPolicy policy) {
        return stage(0.2, 10).withRetries(attempt, request("GET"), policy, null, (error, number) -> { });
    }

    static StatusFailure status(int code, String retryAfter) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (retryAfter != null) {
            h.set("Retry-After", retryAfter);
        }
        return new StatusFailure(new ExchangeResponse(code, h, new byte[0]));
    }

    /** Fails with {@code error} the first {@code failures} times, then emits the attempt number. */
    static Mono<Integer> failing(int failures, Throwable error, AtomicInteger calls) {
        return Mono.defer(() -> {
            int n = calls.incrementAndGet();
            return n <= failures ? Mono.error(error) : Mono.just(n);
        });
    }

    @Test
    void exponentialBackoffWithoutJitterWaitsBaseThenDouble() {
        RetryPolicy policy = RetryPolicy.backoff(3, Duration.ofMillis(100)).jitter(0);
        AtomicInteger calls = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> retried(failing(2, new ConnectException("refused"), calls), policy), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(299)) // 100 ms, then 200 ms
                .thenAwait(Duration.ofMillis(1))
                .expectNext(3)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(calls).hasValue(3);
    }

    @Test
    void theFirstFailureCountsAsRetryOne() {
        RetryPolicy policy = RetryPolicy.backoff(4, Duration.ofMillis(100)).jitter(0);
        AtomicInteger calls = new AtomicInteger();
        java.util.List<Integer> told = new java.util.ArrayList<>();
        StepVerifier.withVirtualTime(() -> stage(0.2, 10).withRetries(failing(3, new ConnectException("refused"), calls),
                        request("GET"), policy, null, (error, attempt) -> told.add(attempt)), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(699)) // 100 ms, 200 ms, then 400 ms
                .thenAwait(Duration.ofMillis(1))
                .expectNext(4)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        assertThat(calls).hasValue(4);
        assertThat(told).as("the number of the attempt about to be scheduled").containsExactly(2, 3, 4);
    }

    @Test
    void endsWithTheLastErrorAfterMaxAttempts() {
        RetryPolicy policy = RetryPolicy.backoff(3, Duration.ofMillis(100)).jitter(0);
        AtomicInteger calls = new AtomicInteger();
        ConnectException refused = new ConnectException("refused");
        StepVerifier.withVirtualTime(() -> retried(failing(5, refused, calls), policy), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(refused))
                .verify(Duration.ofSeconds(5));
        assertThat(calls).hasValue(3);
    }

    @Test
    void fullJitterDrawsBelowTheComputedBackoff() {
        RetryPolicy policy = RetryPolicy.backoff(2, Duration.ofSeconds(1)).jitter(1.0).random(() -> 0.75);
        assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(250));
        assertThat(policy.jitter(0.5).random(() -> 0.5).backoff(1)).isEqualTo(Duration.ofMillis(750));
        assertThat(policy.random(() -> 0.0).backoff(1)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void backoffIsCappedByMaxBackoff() {
        RetryPolicy policy = RetryPolicy.backoff(10, Duration.ofMillis(100)).multiplier(3).maxBackoff(Duration.ofSeconds(1))
                .jitter(0);
        assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(300));
        assertThat(policy.backoff(3)).isEqualTo(Duration.ofMillis(900));
        assertThat(policy.backoff(4)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(9)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void retryAfterSecondsReplacesTheBackoff() {
        RetryPolicy policy = RetryPolicy.backoff(3, Duration.ofMillis(10)).jitter(0);
        AtomicInteger calls = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> retried(failing(1, status(503, "7"), calls), policy), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(6999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(2)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void retryAfterAsAnHttpDateIsMeasuredFromTheTimersClock() {
        vts.advanceTimeTo(Instant.parse("2026-01-01T00:00:00Z"));
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.of(2026, 1, 1, 0, 0, 20, 0, ZoneOffset.UTC));
        RetryPolicy policy = RetryPolicy.backoff(3, Duration.ofMillis(10)).jitter(0);
        AtomicInteger calls = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> retried(failing(1, status(429, date), calls), policy), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(19_999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(2)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void retryAfterBeyondTheCapEndsWithTheStatusAtOnce() {
        RetryPolicy policy = RetryPolicy.defaults().maxRetryAfter(Duration.ofSeconds(30));
        StatusFailure tooLong = status(429, "31");
        StepVerifier.withVirtualTime(() -> retried(Mono.<Integer>error(tooLong), policy), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(tooLong))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void decisionsFollowKindStatusAndMethod() {
        RetryStage s = stage(0.2, 1000);
        RetryPolicy p = RetryPolicy.defaults().random(() -> 0.0);
        assertThat(s.delayBeforeRetry(request("GET"), p, new ConnectException("x"), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), p, new ConnectException("x"), 3)).isNull(); // 3 attempts made
        assertThat(s.delayBeforeRetry(request("GET"), p, status(502, null), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), p, status(500, null), 1)).isNull();
        assertThat(s.delayBeforeRetry(request("PUT"), p, new IOException("reset"), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("POST"), p, new IOException("reset"), 1)).isNull();
        assertThat(s.delayBeforeRetry(request("POST"), p, new ConnectException("x"), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("POST"), p, status(503, null), 1)).isNull();
        // an HTTP/2 server said it did not process the stream (REFUSED_STREAM, or above a GOAWAY): any method
        assertThat(s.delayBeforeRetry(request("POST"), p, io.netty.handler.codec.http2.Http2Exception.streamError(3,
                io.netty.handler.codec.http2.Http2Error.REFUSED_STREAM, new IOException("reset"), "refused"), 1))
                .isNotNull();
        assertThat(s.delayBeforeRetry(request("POST"), p,
                new UnprocessedStreamException("above the GOAWAY", new IOException("reset")), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("POST"), p.retryNonIdempotent(true), status(503, null), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), p.retryOnStatus(c -> c == 500), status(500, null), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), RetryPolicy.none(), new ConnectException("x"), 1)).isNull();
        // DNS: a lookup that timed out is retried, NXDOMAIN is not
        assertThat(s.delayBeforeRetry(request("GET"), p, new io.netty.resolver.dns.DnsNameResolverTimeoutException(
                new java.net.InetSocketAddress("127.0.0.1", 53), new io.netty.handler.codec.dns.DefaultDnsQuestion("slow.test",
                io.netty.handler.codec.dns.DnsRecordType.A), "query timed out after 5000 milliseconds"), 1))
                .isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), p, new java.net.UnknownHostException(
                "Failed to resolve 'nope.invalid' [A(1)] after 2 queries"), 1)).isNull();
    }

    @Test
    void whenTheBudgetIsSpentTheLastErrorIsSignalled() {
        RetryStage s = stage(0.0, 2); // no deposits: only the floor of 2 banked
        RetryPolicy p = RetryPolicy.defaults();
        assertThat(s.delayBeforeRetry(request("GET"), p, new ConnectException("x"), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), p, new ConnectException("x"), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), p, new ConnectException("x"), 1)).isNull();
        vts.advanceTimeBy(Duration.ofMillis(500)); // the floor refills 2 per second
        assertThat(s.delayBeforeRetry(request("GET"), p, new ConnectException("x"), 1)).isNotNull();
        assertThat(s.delayBeforeRetry(request("GET"), p, new ConnectException("x"), 1)).isNull();
    }
}
