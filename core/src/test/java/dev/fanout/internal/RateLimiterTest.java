package dev.fanout.internal;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Token-bucket waits and host cool-downs, in virtual time. */
class RateLimiterTest {

    final VirtualTimeScheduler vts = VirtualTimeScheduler.create();

    /** Virtual times (ms) at which each of {@code n} acquisitions for {@code host} completes, all asked at once. */
    private List<Long> grantTimes(RateLimiter limiter, String host, int n) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            limiter.acquire(host).doOnSuccess(v -> times.add(vts.now(TimeUnit.MILLISECONDS))).subscribe();
        }
        vts.advanceTimeBy(Duration.ofSeconds(60));
        return times;
    }

    @Test
    void burstOneSpacesRequestsEvenly() {
        RateLimiter limiter = new RateLimiter(10, 0, 1, Duration.ofSeconds(30), () -> vts, false);
        assertThat(grantTimes(limiter, "a", 5)).containsExactly(0L, 100L, 200L, 300L, 400L);
    }

    @Test
    void aBurstLetsThatManyThroughAtOnceThenSpaces() {
        RateLimiter limiter = new RateLimiter(10, 0, 3, Duration.ofSeconds(30), () -> vts, false);
        assertThat(grantTimes(limiter, "a", 5)).containsExactly(0L, 0L, 0L, 100L, 200L);
    }

    @Test
    void perHostBucketsAreIndependentButTheGlobalOneIsShared() {
        RateLimiter perHost = new RateLimiter(0, 2, 1, Duration.ofSeconds(30), () -> vts, false);
        List<Long> a = grantTimes(perHost, "a", 3);
        RateLimiter perHost2 = new RateLimiter(0, 2, 1, Duration.ofSeconds(30), () -> vts, false);
        long t0 = vts.now(TimeUnit.MILLISECONDS);
        List<Long> times = new ArrayList<>();
        for (String host : new String[] {"a", "b", "a", "b"}) {
            perHost2.acquire(host).doOnSuccess(v -> times.add(vts.now(TimeUnit.MILLISECONDS) - t0)).subscribe();
        }
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(a).containsExactly(0L, 500L, 1000L);
        assertThat(times).containsExactly(0L, 0L, 500L, 500L);

        RateLimiter both = new RateLimiter(4, 2, 1, Duration.ofSeconds(30), () -> vts, false);
        long t1 = vts.now(TimeUnit.MILLISECONDS);
        List<Long> combined = new ArrayList<>();
        for (String host : new String[] {"a", "b", "a", "b"}) {
            both.acquire(host).doOnSuccess(v -> combined.add(vts.now(TimeUnit.MILLISECONDS) - t1)).subscribe();
        }
        vts.advanceTimeBy(Duration.ofSeconds(10));
        assertThat(combined).containsExactly(0L, 250L, 500L, 750L);
    }

    @Test
    void aRetryAfterCoolsTheWholeHostDownAndOnlyThatHost() {
        RateLimiter limiter = new RateLimiter(0, 0, 1, Duration.ofSeconds(30), () -> vts, false);
        limiter.onResponse("a", 429, new DefaultHttpHeaders().set("Retry-After", "5"), 0);
        StepVerifier.withVirtualTime(() -> Flux.merge(
                                limiter.acquire("a").thenReturn("a"),
                                limiter.acquire("b").thenReturn("b")),
                        () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNext("b")
                .expectNoEvent(Duration.ofMillis(4999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext("a")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aCoolDownLongerThanTheCapOrWithoutRetryAfterIsIgnored() {
        RateLimiter limiter = new RateLimiter(0, 0, 1, Duration.ofSeconds(30), () -> vts, false);
        limiter.onResponse("a", 503, new DefaultHttpHeaders().set("Retry-After", "3600"), 0);
        limiter.onResponse("a", 503, new DefaultHttpHeaders(), 0);
        limiter.onResponse("a", 500, new DefaultHttpHeaders().set("Retry-After", "5"), 0);
        StepVerifier.withVirtualTime(() -> limiter.acquire("a").thenReturn(1), () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .expectNext(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void noLimitsMeansNoWait() {
        RateLimiter limiter = new RateLimiter(0, 0, 1, Duration.ofSeconds(30), () -> vts, false);
        assertThat(limiter.acquire("a")).isSameAs(Mono.empty());
    }
}
