package dev.fanout.internal;

import dev.fanout.FetchException.Kind;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A circuit breaker per host (off unless configured): after {@code threshold} consecutive
 * connection-level failures to a host, attempts to it fail at once with the last failure for
 * {@code coolOffNanos}; then one probe is let through, and its outcome closes the circuit or opens
 * it again. Any response, whatever its status, counts as a success: the host is reachable.
 * Written by hand: neither Reactor nor Reactor Netty has one, and a whole resilience library
 * would be a dependency for thirty lines.
 */
final class HostBreaker {

    private final int threshold;
    private final long coolOffNanos;
    private final LongSupplier nanoClock;
    private final Map<String, State> hosts = new ConcurrentHashMap<>();

    HostBreaker(int threshold, long coolOffNanos, LongSupplier nanoClock) {
        this.threshold = threshold;
        this.coolOffNanos = coolOffNanos;
        this.nanoClock = nanoClock;
    }

    boolean enabled() {
        return threshold > 0;
    }

    /** Whether a failure of this kind says the host cannot be reached. */
    static boolean connectionLevel(Kind kind) {
        return kind == Kind.CONNECT || kind == Kind.CONNECT_TIMEOUT || kind == Kind.CONNECTION_CLOSED
                || kind == Kind.DNS || kind == Kind.TLS;
    }

    /** Null when an attempt to {@code host} may go ahead, else the failure that opened the circuit. */
    Throwable check(String host) {
        if (threshold <= 0) {
            return null;
        }
        State s = hosts.get(host);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            if (s.openUntil == 0) {
                return null;
            }
            long now = nanoClock.getAsLong();
            // half open: one probe at a time; a probe that never reports (cancelled) is replaced after a cool-off
            if (now >= s.openUntil && (!s.probing || now - s.probeStart >= coolOffNanos)) {
                s.probing = true;
                s.probeStart = now;
                return null;
            }
            return s.last;
        }
    }

    void onSuccess(String host) {
        if (threshold <= 0) {
            return;
        }
        State s = hosts.get(host);
        if (s != null) {
            synchronized (s) {
                s.failures = 0;
                s.openUntil = 0;
                s.probing = false;
                s.last = null;
            }
        }
    }

    void onFailure(String host, Throwable error) {
        if (threshold <= 0) {
            return;
        }
        State s = hosts.computeIfAbsent(host, h -> new State());
        synchronized (s) {
            s.last = error;
            s.failures++;
            if (s.probing || s.failures >= threshold) {
                s.openUntil = nanoClock.getAsLong() + coolOffNanos;
                s.probing = false;
            }
        }
    }

    private static final class State {
        int failures;
        long openUntil; // 0 while closed
        boolean probing;
        long probeStart;
        Throwable last;
    }
}
