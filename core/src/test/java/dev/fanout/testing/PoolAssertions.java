package dev.fanout.testing;

import dev.fanout.FetchClient;
import dev.fanout.PoolStats;

/** Checks that a client has given back every connection and permit (they are released asynchronously). */
public final class PoolAssertions {

    private PoolAssertions() {
    }

    /** Waits up to two seconds for the pool to be quiet, then fails with what is still held. */
    public static void assertPoolQuiet(FetchClient client) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        PoolStats stats = client.poolStats();
        while (!stats.isQuiet() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            stats = client.poolStats();
        }
        if (!stats.isQuiet()) {
            throw new AssertionError("connections still held: " + stats);
        }
    }
}
