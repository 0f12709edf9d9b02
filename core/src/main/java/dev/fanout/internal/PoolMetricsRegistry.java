package dev.fanout.internal;

import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Receives Reactor Netty's per-host pool gauges (its {@code MeterRegistrar} hook, so no Micrometer
 * is needed) and sums them on demand.
 */
final class PoolMetricsRegistry implements ConnectionProvider.MeterRegistrar {

    private final Map<String, ConnectionPoolMetrics> pools = new ConcurrentHashMap<>();

    @Override
    public void registerMetrics(String poolName, String id, SocketAddress remoteAddress, ConnectionPoolMetrics metrics) {
        pools.put(id, metrics);
    }

    @Override
    public void deRegisterMetrics(String poolName, String id, SocketAddress remoteAddress) {
        pools.remove(id);
    }

    /** {acquired, idle, pending, allocated} summed over every host's pool. */
    int[] totals() {
        int acquired = 0;
        int idle = 0;
        int pending = 0;
        int allocated = 0;
        for (ConnectionPoolMetrics m : pools.values()) {
            acquired += m.acquiredSize();
            idle += m.idleSize();
            pending += m.pendingAcquireSize();
            allocated += m.allocatedSize();
        }
        return new int[] {acquired, idle, pending, allocated};
    }
}
