package dev.fanout.internal;

import reactor.core.publisher.Mono;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * With HTTP/2 on, caps the requests in flight to one host (scheme, host and port) at
 * {@code maxConnectionsPerHost}, whether the host multiplexes them as streams on one connection
 * or fell back to HTTP/1.1 connections. Reactor Netty cannot express this: its
 * {@code Http2AllocationStrategy} bounds connections and streams per connection and applies the
 * same connection bound to the HTTP/1.1 fallback. One {@link ConnectionPermits} per host, created
 * on first use and dropped when no request holds or awaits it (reference-counted inside
 * {@code compute}, so a host never has two at once and a crawl over many hosts does not grow the map).
 */
final class HostStreamPermits {

    private static final class Entry {
        final ConnectionPermits permits;
        int refs; // guarded by the map's per-key compute

        Entry(int max) {
            this.permits = new ConnectionPermits(max);
        }
    }

    private final int maxPerHost;
    private final Map<String, Entry> hosts = new ConcurrentHashMap<>();

    HostStreamPermits(int maxPerHost) {
        this.maxPerHost = maxPerHost;
    }

    /** Runs {@code work} holding one of the permits of the host whose {@link #key} is {@code key}. */
    <T> Mono<T> withPermit(String key, Mono<T> work) {
        return Mono.defer(() -> {
            Entry entry = hosts.compute(key, (k, e) -> {
                Entry x = e == null ? new Entry(maxPerHost) : e;
                x.refs++;
                return x;
            });
            return entry.permits.withPermit(work).doFinally(signal -> hosts.compute(key, (k, e) -> {
                if (e == null) {
                    return null;
                }
                return --e.refs == 0 ? null : e;
            }));
        });
    }

    /** Hosts with a request in flight or waiting. */
    int hosts() {
        return hosts.size();
    }

    void close(Throwable error) {
        hosts.values().forEach(e -> e.permits.close(error));
    }

    static String key(URI uri) {
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return uri.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + uri.getHost().toLowerCase(java.util.Locale.ROOT)
                + ":" + port;
    }
}
