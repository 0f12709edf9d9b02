package dev.fanout.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Admission in time: the global and per-host request rates (token buckets with a burst), the
 * host-wide cool-down a {@code 429}/{@code 503} with {@code Retry-After} asks for, and the adaptive
 * per-host rate. Each attempt reserves its send time here before it asks for a connection permit,
 * so a wait for a token never holds a connection.
 *
 * <p>Written by hand because Reactor has no rate limiter. Each bucket is the generic cell rate
 * algorithm (GCRA, a token bucket kept as one "theoretical arrival time"): with rate r and burst
 * b, sends are at least 1/r apart once the burst is used, so no one-second window holds more than
 * r + b. All of a request's buckets are reserved together, under one lock, at the same instant,
 * so that none can be satisfied at a time another is not. A reservation whose waiter is cancelled
 * is not given back: it can only make the rate lower, never higher. A host with nothing to wait
 * for (no per-host rate, not cooling down, no adaptive rate) takes no lock.
 *
 * <p>Adaptive rate (AIMD, when on): a 429, or a 503 with {@code Retry-After}, from a host puts that host under a rate of its
 * own, half of what was sent to it in the last second (or half its current adaptive rate, but not
 * below one per second); only a refusal of a request sent after the last decrease lowers it again,
 * so that one burst of refusals counts once. Each later success adds {@code 1/rate}, about one
 * request per second per second at full pace, up to the configured per-host rate if any.
 */
final class RateLimiter {

    /** What {@link #acquire} returns when nothing limits the host at that moment: callers may skip it. */
    static final Mono<Void> NO_WAIT = Mono.empty();

    private static final long SECOND = 1_000_000_000L;
    private static final double MIN_ADAPTIVE_RATE = 1.0;
    private static final int PRUNE_AT = 10_000;

    private final Bucket global;
    private final Bucket globalWrite;
    private final double perHostRate;
    private final int burst;
    private final Duration maxCoolDown;
    private final Supplier<Scheduler> timer;
    private final boolean adaptive;
    private final Map<String, Host> hosts = new ConcurrentHashMap<>();
    private volatile int pruneAt = PRUNE_AT;

    /**
     * @param globalRate requests per second across all hosts, or 0 for no limit
     * @param perHostRate requests per second to one host, or 0 for no limit
     * @param maxCoolDown the longest host-wide pause honoured for a {@code Retry-After}
     * @param adaptive whether a 429 (or a 503 with Retry-After) lowers a host's rate and successes raise it again
     */
    RateLimiter(double globalRate, double perHostRate, int burst, Duration maxCoolDown, Supplier<Scheduler> timer,
                boolean adaptive) {
        this(globalRate, perHostRate, burst, maxCoolDown, timer, adaptive, Mono.never());
    }

    /** @param closing errors when the client closes: a wait in progress then ends at once */
    RateLimiter(double globalRate, double perHostRate, int burst, Duration maxCoolDown, Supplier<Scheduler> timer,
                boolean adaptive, Mono<Void> closing) {
        this.closing = closing;
        this.global = globalRate > 0 ? new Bucket(globalRate, burst) : null;
        this.perHostRate = perHostRate;
        this.burst = burst;
        this.maxCoolDown = maxCoolDown;
        this.timer = timer;
        this.adaptive = adaptive;
        this.globalWrite = globalRate > 0 ? new Bucket(globalRate, burst) : null;
    }

    private final Mono<Void> closing;

    /**
     * Completes when an attempt to {@code host} may be sent; reserves that slot on subscription.
     * {@link #NO_WAIT} when no rate or cool-down applies to the host now.
     */
    Mono<Void> acquire(String host) {
        if (global == null && perHostRate <= 0) {
            Host h = adaptive ? host(host) : hosts.get(host);
            if (h == null || (h.adaptiveRate == 0 && h.coolDownUntil == Long.MIN_VALUE)) {
                if (h != null) {
                    h.countSend(now());
                }
                return NO_WAIT;
            }
        }
        return Mono.defer(() -> {
            long now = now();
            long wait = reserve(host, now);
            return wait <= 0 ? Mono.<Void>empty() : Mono.delay(Duration.ofNanos(wait), timer.get()).then().or(closing);
        });
    }

    /**
     * Completes when the request, now holding a connection, may be written. The reservation in
     * {@link #acquire} spaces requests as they leave for the pool, but opening a connection takes
     * a varying time (a cold start, a TLS handshake), which can bunch writes that left evenly
     * spaced; this second bucket per fixed rate, taken at write time, spaces the writes themselves
     * so the server sees no more than the rate plus the burst. Unlike {@link #acquire} it reserves
     * nothing ahead: a write takes the bucket only when it conforms at that instant. It rarely
     * waits, and never long: only requests that left on time and were delayed on the way meet it.
     */
    Mono<Void> beforeWrite(String host) {
        if (!writesLimited()) {
            return Mono.empty();
        }
        return Mono.defer(() -> {
            long wait = tryWrite(host, now());
            // not yet: wait, then ask again, so that timers a starved thread fires together still write apart
            return wait <= 0 ? Mono.<Void>empty()
                    : Mono.delay(Duration.ofNanos(wait), timer.get()).then(beforeWrite(host)).or(closing);
        });
    }

    /** Whether writes are spaced at all (a fixed global or per-host rate); if not, {@link #beforeWrite} is a no-op. */
    boolean writesLimited() {
        return globalWrite != null || perHostRate > 0;
    }

    /** Takes the write buckets and returns 0 if a write conforms now, else how long until it would (taking nothing). */
    private synchronized long tryWrite(String hostKey, long now) {
        Host h = perHostRate > 0 ? host(hostKey) : null;
        long at = now;
        if (globalWrite != null) {
            at = Math.max(at, globalWrite.earliest());
        }
        if (h != null) {
            at = Math.max(at, h.writeBucket.earliest());
        }
        if (at > now) {
            return at - now;
        }
        if (h != null) {
            h.writeBucket.take(now);
        }
        if (globalWrite != null) {
            globalWrite.take(now);
        }
        return 0;
    }

    /**
     * Notes a response from {@code host}: a 429 or 503 with a {@code Retry-After} no longer than
     * the cap pauses every later attempt to that host until then; with adaptive rate on, a 429 or a
     * 503 with {@code Retry-After} lowers the host's rate and a success raises it.
     *
     * @param sentAt when the attempt was let through, on this limiter's clock ({@link #now()})
     */
    void onResponse(String host, int status, HttpHeaders headers, long sentAt) {
        if (status != 429 && status != 503) {
            // the common case, a host answering normally: no map insert, and no lock unless it is under an adaptive rate
            Host known = adaptive ? hosts.get(host) : null;
            if (known != null && known.adaptiveRate > 0 && status < 400) {
                synchronized (this) {
                    if (known.adaptiveRate > 0) {
                        known.increase(perHostRate);
                    }
                }
            }
            return;
        }
        String retryAfter = headers.get(HttpHeaderNames.RETRY_AFTER);
        // A bare 503 is as often an outage or a flaky backend as overload: slowing a batch to a crawl
        // against a host that is down only prolongs it (the retry budget covers that case), so it neither
        // lowers the rate nor pauses the host, and costs no lock. A 429, or a 503 that says when to come
        // back, is the server shedding load: that is what the rate adapts to.
        if (retryAfter == null && (status == 503 || !adaptive)) {
            return; // a bare 503, or a 429 that does not say when with no adaptive rate: nothing to note
        }
        long now = now();
        Host h = host(host);
        if (adaptive) {
            synchronized (this) {
                h.decrease(now, sentAt);
            }
        }
        if (retryAfter == null) {
            return; // a 429 that does not say when: the rate was lowered, there is no pause to set
        }
        // now() is a monotonic clock (nanoTime), not a date: an HTTP-date is read against the timer's wall clock
        Duration d = RetryAfter.parse(retryAfter, timer);
        if (d == null || d.isZero() || d.compareTo(maxCoolDown) > 0) {
            return;
        }
        synchronized (this) {
            h.coolDownUntil = Math.max(h.coolDownUntil, now + d.toNanos());
        }
    }

    /** The adaptive rate of {@code host} in requests per second, or 0 while it has none. */
    double adaptiveRate(String host) {
        Host h = hosts.get(host);
        return h == null ? 0 : h.adaptiveRate;
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
            }
            if (h.adaptiveBucket != null) {
                at = Math.max(at, h.adaptiveBucket.earliest());
                h.adaptiveBucket.take(at);
            }
            h.countSend(at);
            if (h.bucket != null) {
                h.bucket.take(at);
            }
        }
        if (global != null) {
            global.take(at);
        }
        return at - now;
    }

    private Host host(String key) {
        Host h = hosts.get(key);
        if (h != null) {
            return h;
        }
        if (hosts.size() >= pruneAt) {
            prune();
        }
        return hosts.computeIfAbsent(key, k -> perHostRate > 0
                ? new Host(new Bucket(perHostRate, burst), new Bucket(perHostRate, burst)) : new Host(null, null));
    }

    /**
     * Keeps the host map bounded over millions of hosts: forgets hosts with nothing to remember
     * (no adaptive rate, no cool-down ahead, a full bucket). Amortised: the threshold doubles when
     * little could be dropped.
     */
    private synchronized void prune() {
        if (hosts.size() < pruneAt) {
            return;
        }
        long now = now();
        hosts.values().removeIf(h -> h.adaptiveRate == 0 && h.coolDownUntil < now
                && (h.bucket == null || h.bucket.tat < now && h.writeBucket.tat < now));
        pruneAt = Math.max(PRUNE_AT, 2 * hosts.size());
    }

    /** The limiter's clock, in nanoseconds: the timer scheduler's. */
    long now() {
        return timer.get().now(TimeUnit.NANOSECONDS);
    }

    /** One host's buckets and state; written under the limiter's lock, two fields read without it. */
    private static final class Host {
        final Bucket bucket;
        final Bucket writeBucket;
        volatile long coolDownUntil = Long.MIN_VALUE;
        volatile double adaptiveRate;
        Bucket adaptiveBucket;
        long lastDecrease = Long.MIN_VALUE;
        long windowStart = Long.MIN_VALUE;
        int thisWindow;
        int lastWindow;

        Host(Bucket bucket, Bucket writeBucket) {
            this.bucket = bucket;
            this.writeBucket = writeBucket;
        }

        /** Sends per one-second window: the pace the first decrease halves. */
        synchronized void countSend(long at) {
            if (windowStart == Long.MIN_VALUE || at - windowStart >= SECOND) {
                lastWindow = windowStart != Long.MIN_VALUE && at - windowStart < 2 * SECOND ? thisWindow : 0;
                windowStart = at;
                thisWindow = 0;
            }
            thisWindow++;
        }

        /**
         * A refusal of a request sent at {@code sentAt}. Only a request sent after the last decrease
         * says the lowered rate is still too high (as TCP reacts once per window); refusals of
         * requests already in flight at the decrease are old news.
         */
        void decrease(long now, long sentAt) {
            if (lastDecrease != Long.MIN_VALUE && sentAt <= lastDecrease) {
                return;
            }
            lastDecrease = now;
            double from;
            if (adaptiveRate > 0) {
                from = adaptiveRate;
            } else {
                synchronized (this) {
                    from = Math.max(thisWindow, lastWindow);
                }
            }
            setRate(Math.max(MIN_ADAPTIVE_RATE, from / 2));
        }

        void increase(double ceiling) {
            double next = adaptiveRate + 1.0 / adaptiveRate;
            setRate(ceiling > 0 ? Math.min(ceiling, next) : next);
        }

        private void setRate(double rate) {
            long tat = adaptiveBucket == null ? Long.MIN_VALUE : adaptiveBucket.tat;
            adaptiveBucket = new Bucket(rate, 1);
            adaptiveBucket.tat = tat;
            adaptiveRate = rate;
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
