package dev.fanout.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests a test server is handling, and the most at once. A handler counts a request
 * out just before it writes the answer (and again, harmlessly, when it ends): once the answer is
 * written the client may send its next request, whose handler could otherwise run first and count
 * one too many.
 */
public final class InFlight {

    private final AtomicInteger now = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();

    /** Counts one request in; the returned action counts it out, once however often it runs. */
    public Runnable enter() {
        max.accumulateAndGet(now.incrementAndGet(), Math::max);
        AtomicBoolean left = new AtomicBoolean();
        return () -> {
            if (left.compareAndSet(false, true)) {
                now.decrementAndGet();
            }
        };
    }

    public int now() {
        return now.get();
    }

    public int max() {
        return max.get();
    }

    /** Forgets the maximum so far (the requests still in flight stay counted). */
    public void resetMax() {
        max.set(now.get());
    }
}
