package dev.fanout.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Admission in time: the global and per-host request rates (token buckets with a burst), and the
 * host-wide cool-down a {@code 429}/{@code 503} with {@code Retry-After} asks for. Each attempt
 * reserves its send time here before it asks for a connection permit, so a wait for a token never
 * holds a connection.
 *
 * <p>Written by hand because Reactor has no rate limiter. Each bucket is the generic cell rate
 * algorithm (GCRA, a token bucket kept as one "theoretical arrival time"): with rate r and burst
 * b, sends are at least 1/r apart once the burst is used, so no one-second window holds more than
 * r + b. The global and the host bucket are reserved together, under one lock, at the same
 * instant, so that neither can be satisfied at a time the other is not. A reservation whose
 * waiter is cancelled is not given back: it can only make the rate lower, never higher.
 */
final class RateLimiter {

    private final Bucket global;
    private final double perHostRate;
    private final int burst;
    private final Duration maxCoolDown;
    private final Supplier<Scheduler> timer;
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();

    /**
     * @param globalRate requests per second across all hosts, or 0 for no limit
     * @param perHostRate requests per second to one host, or 0 for no limit
     * @param maxCoolDown the longest host-wide pause honoured for a {@code Retry-After}
     */
    RateLimiter(double globalRate, double perHostRate, int burst, Duration maxCoolDown, Supplier<Scheduler> timer) {
        this.global = globalRate > 0 ? new Bucket(globalRate, burst) : null;
        this.perHostRate = perHostRate;
        this.burst = burst;
        this.maxCoolDown = maxCoolDown;
        this.timer = timer;
    }

    /** Completes when an attempt to {@code host} may be sent; reserves that slot on subscription. */
    Mono<Void> acquire(String host) {
        if (global == null && perHostRate <= 0 && hosts.isEmpty()) {
            return Mono.empty();
        }
        return Mono.defer(() -> {
            long now = now();
            long wait = reserve(host, now);
            return wait <= 0 ? Mono.<Void>empty() : Mono.delay(Duration.ofNanos(wait), timer.get()).then();
        });
    }

    /**
     * Notes a response from {@code host}: a 429 or 503 with a {@code Retry-After} no longer than
     * the cap pauses every later attempt to that host until then.
     */
    void onResponse(String host, int status, HttpHeaders headers) {
        if (status != 429 && status != 503) {
            return;
        }
        long now = now();
        Duration d = RetryAfter.parse(headers.get(HttpHeaderNames.RETRY_AFTER),
                Instant.ofEpochMilli(TimeUnit.NANOSECONDS.toMillis(now)));
        if (d == null || d.isZero() || d.compareTo(maxCoolDown) > 0) {
            return;
        }
        Host h = host(host);
        synchronized (this) {
            h.coolDownUntil = Math.max(h.coolDownUntil, now + d.toNanos());
        }
    }

    private synchronized long reserve(String hostKey, long now) {
        Host h = perHostRate > 0 ? host(hostKey) : hosts.get(hostKey);
        long at = now;
        if (global != null) {
            at = Math.max(at, global.earliest());
        }
        if (h != null) {
            at = Math.max(at, h.coolDownUntil);
            if (h.bucket != null) {
                at = Math.max(at, h.bucket.earliest());
                h.bucket.take(at);
            }
        }
        if (global != null) {
            global.take(at);
        }
        return at - now;
    }

    private Host host(String key) {
        return hosts.computeIfAbsent(key, k -> new Host(perHostRate > 0 ? new Bucket(perHostRate, burst) : null));
    }

    private long now() {
        return timer.get().now(TimeUnit.NANOSECONDS);
    }

    private static final class Host {
        final Bucket bucket;
        long coolDownUntil = Long.MIN_VALUE;

        Host(Bucket bucket) {
            this.bucket = bucket;
        }
    }

    /** GCRA: {@code tat} is when the bucket would be full again; guarded by the limiter's lock. */
    private static final class Bucket {
        final long interval;
        final long tolerance;
        long tat = Long.MIN_VALUE;

        Bucket(double perSecond, int burst) {
            this.interval = Math.max(1, (long) (1e9 / perSecond));
            this.tolerance = interval * (burst - 1L);
        }

        long earliest() {
            return tat == Long.MIN_VALUE ? Long.MIN_VALUE : tat - tolerance;
        }

        void take(long at) {
            tat = Math.max(tat, at) + interval;
        }
    }
}
