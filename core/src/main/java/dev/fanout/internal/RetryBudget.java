package dev.fanout.internal;

import java.util.function.LongSupplier;

/**
 * Caps retries across a whole client, like Finagle's {@code RetryBudget} and gRPC's retry
 * throttling: every first attempt deposits {@code ratio} of a retry, and a floor of
 * {@code minPerSecond} retries accrues with time (up to {@code minPerSecond} banked); each retry
 * withdraws one. So retries add at most {@code ratio} to the requests sent, plus the floor, and a
 * dead dependency is not hit by every item's retries at once. Written by hand: neither Reactor nor
 * Reactor Netty has one. Thread-safe: deposits are atomic, and a retry takes one lock for a few arithmetic operations.
 */
final class RetryBudget {

    /** Deposits are counted in thousandths of a retry, so that 5 deposits of 0.2 make exactly one. */
    private static final long UNIT = 1000;

    /** Deposits are capped so that a long healthy run cannot bank an unbounded retry storm. */
    private static final long MAX_DEPOSITS = 1000 * UNIT;

    private final long ratio;
    private final double minPerSecond;
    private final LongSupplier nanoClock;
    /** Atomic: every first attempt deposits, from every event loop; only retries take the lock. */
    private final java.util.concurrent.atomic.AtomicLong deposits = new java.util.concurrent.atomic.AtomicLong();
    private double floor;
    private long lastNanos;

    RetryBudget(double ratio, double minPerSecond, LongSupplier nanoClock) {
        this.ratio = Math.round(ratio * UNIT);
        this.minPerSecond = minPerSecond;
        this.nanoClock = nanoClock;
        this.floor = minPerSecond;
        this.lastNanos = nanoClock.getAsLong();
    }

    /** A first attempt is being sent. */
    void onFirstAttempt() {
        if (deposits.get() < MAX_DEPOSITS) {
            deposits.accumulateAndGet(ratio, (d, r) -> Math.min(MAX_DEPOSITS, d + r));
        }
    }

    /** Takes one retry from the budget; false when it is spent. */
    synchronized boolean tryRetry() {
        long now = nanoClock.getAsLong();
        floor = Math.min(minPerSecond, floor + (now - lastNanos) / 1e9 * minPerSecond);
        lastNanos = now;
        if (floor >= 1.0) {
            floor -= 1.0;
            return true;
        }
        for (;;) {
            long d = deposits.get();
            if (d < UNIT) {
                return false;
            }
            if (deposits.compareAndSet(d, d - UNIT)) {
                return true;
            }
        }
    }
}
