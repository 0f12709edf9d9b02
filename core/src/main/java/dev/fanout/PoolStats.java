package dev.fanout;

/**
 * A snapshot of a client's connections, summed over every host.
 *
 * @param active connections lent to a request right now
 * @param idle open connections waiting in the pool for reuse
 * @param pendingAcquire requests waiting for one of a host's pooled connections
 * @param open connections open in all (active and idle)
 * @param permitsInUse client-wide connection permits held ({@code maxConnections} caps these)
 * @param waitingForPermit requests waiting for a client-wide permit
 */
public record PoolStats(int active, int idle, int pendingAcquire, int open, int permitsInUse, int waitingForPermit) {

    /** Whether nothing is in use or waiting: every connection is back in the pool or closed. */
    public boolean isQuiet() {
        return active == 0 && pendingAcquire == 0 && permitsInUse == 0 && waitingForPermit == 0;
    }
}
