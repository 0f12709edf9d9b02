package dev.fanout.internal;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** AIMD arithmetic and the breaker's states, on a virtual clock. */
class HostBreakerAndAdaptiveRateTest {

    final VirtualTimeScheduler vts = VirtualTimeScheduler.create();

    @Test
    void aRefusalHalvesTheLastSecondsSendsAndOnlyLaterRequestsLowerItAgain() {
        RateLimiter limiter = new RateLimiter(0, 0, 1, Duration.ofSeconds(30), () -> vts, true);
        vts.advanceTimeBy(Duration.ofSeconds(1)); // a clock that is not at 0
        long t0 = limiter.now();
        for (int i = 0; i < 20; i++) {
            limiter.acquire("a").block(Duration.ofSeconds(1)); // 20 sent at once
        }
        limiter.onResponse("a", 200, EmptyHttpHeaders.INSTANCE, t0);
        assertThat(limiter.adaptiveRate("a")).isZero(); // no refusal yet: not limited
        limiter.onResponse("a", 429, EmptyHttpHeaders.INSTANCE, t0);
        assertThat(limiter.adaptiveRate("a")).isEqualTo(10.0); // 20 sent this second, halved
        limiter.onResponse("a", 429, EmptyHttpHeaders.INSTANCE, t0);
        assertThat(limiter.adaptiveRate("a")).as("sent before the decrease: old news").isEqualTo(10.0);

        List<Long> grants = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            limiter.acquire("a").doOnSuccess(v -> grants.add(vts.now(TimeUnit.MILLISECONDS) - 1000)).subscribe();
        }
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(grants).containsExactly(0L, 100L, 200L); // 1/10 s apart
        assertThat(limiter.acquire("b").block(Duration.ofSeconds(1))).isNull(); // other hosts untouched

        limiter.onResponse("a", 429, EmptyHttpHeaders.INSTANCE, limiter.now());
        assertThat(limiter.adaptiveRate("a")).isEqualTo(5.0);
        limiter.onResponse("a", 200, EmptyHttpHeaders.INSTANCE, limiter.now());
        assertThat(limiter.adaptiveRate("a")).isEqualTo(5.2);
    }

    @Test
    void aBare503IsNotOverloadButA503WithRetryAfterIs() {
        RateLimiter limiter = new RateLimiter(0, 0, 1, Duration.ofSeconds(30), () -> vts, true);
        limiter.acquire("a").block(Duration.ofSeconds(1));
        limiter.acquire("a").block(Duration.ofSeconds(1));
        limiter.onResponse("a", 503, EmptyHttpHeaders.INSTANCE, limiter.now());
        assertThat(limiter.adaptiveRate("a")).isZero();
        limiter.onResponse("a", 503, new DefaultHttpHeaders().set("Retry-After", "0"), limiter.now());
        assertThat(limiter.adaptiveRate("a")).isEqualTo(1.0);
    }

    @Test
    void adaptiveRateOffLeavesTheHostAlone() {
        RateLimiter limiter = new RateLimiter(0, 0, 1, Duration.ofSeconds(30), () -> vts, false);
        limiter.onResponse("a", 429, new DefaultHttpHeaders(), 0);
        assertThat(limiter.adaptiveRate("a")).isZero();
    }

    @Test
    void theIncreaseStopsAtTheConfiguredPerHostRateAndTheDecreaseAtOnePerSecond() {
        RateLimiter limiter = new RateLimiter(0, 4, 1, Duration.ofSeconds(30), () -> vts, true);
        limiter.acquire("a").block(Duration.ofSeconds(1));
        limiter.onResponse("a", 429, EmptyHttpHeaders.INSTANCE, limiter.now());
        assertThat(limiter.adaptiveRate("a")).isEqualTo(1.0); // half of 1 sent, but not below 1/s
        for (int i = 0; i < 20; i++) {
            limiter.onResponse("a", 200, EmptyHttpHeaders.INSTANCE, limiter.now());
        }
        assertThat(limiter.adaptiveRate("a")).isEqualTo(4.0);
    }

    @Test
    void theBreakerOpensAfterNFailuresLetsOneProbeThroughAndClosesOnSuccess() {
        HostBreaker breaker = new HostBreaker(3, Duration.ofSeconds(10).toNanos(), () -> vts.now(TimeUnit.NANOSECONDS));
        ConnectException refused = new ConnectException("refused");
        breaker.onFailure("a", refused);
        breaker.onFailure("a", refused);
        assertThat(breaker.check("a")).isNull();
        breaker.onFailure("a", refused);
        assertThat(breaker.check("a")).isSameAs(refused);
        assertThat(breaker.check("b")).isNull();

        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(breaker.check("a")).as("the probe").isNull();
        assertThat(breaker.check("a")).as("only one probe").isSameAs(refused);
        breaker.onFailure("a", refused);
        assertThat(breaker.check("a")).as("a failed probe opens it again").isSameAs(refused);

        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(breaker.check("a")).isNull();
        breaker.onSuccess("a");
        assertThat(breaker.check("a")).isNull();
        assertThat(breaker.check("a")).isNull();
    }

    @Test
    void aSuccessResetsTheCountOfConsecutiveFailures() {
        HostBreaker breaker = new HostBreaker(2, 1, () -> vts.now(TimeUnit.NANOSECONDS));
        breaker.onFailure("a", new ConnectException());
        breaker.onSuccess("a");
        breaker.onFailure("a", new ConnectException());
        assertThat(breaker.check("a")).isNull();
    }
}
