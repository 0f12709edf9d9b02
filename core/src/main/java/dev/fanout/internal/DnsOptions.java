package dev.fanout.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * DNS configuration, frozen. Null fields mean Reactor Netty's defaults (records' own TTLs up to
 * {@code Integer.MAX_VALUE} s, no minimum, no negative caching, 5 s query timeout, the system's
 * name servers).
 *
 * @param minTtl shortest time a resolved address is cached, or null
 * @param maxTtl longest time a resolved address is cached, or null
 * @param negativeTtl how long a failed lookup (NXDOMAIN) is cached, or null
 * @param queryTimeout longest wait for one DNS query, or null
 * @param servers name servers to ask instead of the system's, or null
 * @param jvm resolve with the JVM's resolver ({@code InetAddress}) instead of Netty's DNS client
 */
public record DnsOptions(Duration minTtl, Duration maxTtl, Duration negativeTtl, Duration queryTimeout,
                         List<InetSocketAddress> servers, boolean jvm) {

    /** Reactor Netty's DNS resolver with its defaults. */
    public static final DnsOptions DEFAULTS = new DnsOptions(null, null, null, null, null, false);

    /** Whether anything differs from Reactor Netty's own resolver defaults. */
    boolean customized() {
        return minTtl != null || maxTtl != null || negativeTtl != null || queryTimeout != null || servers != null || jvm;
    }
}
