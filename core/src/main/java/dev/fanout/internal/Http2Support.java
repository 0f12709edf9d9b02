package dev.fanout.internal;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.Http2AllocationStrategy;

/**
 * HTTP/2 choices handed to Reactor Netty: which protocols to offer, and which HTTP/2 failures
 * mean the server never processed the request.
 *
 * <p>A server says so in two ways, and Reactor Netty 1.3.8 reports both as a plain premature close
 * (or, when the request body was still being written, a write on a closed stream), losing what the
 * server said; {@link UnprocessedStreamWatch}, on the stream channel, keeps it:
 * <ul>
 * <li>{@code RST_STREAM(REFUSED_STREAM)} on the request's stream (RFC 9113 section 8.7);</li>
 * <li>a GOAWAY whose last-stream-id is below the request's stream id, or that arrived before the
 *     stream was opened (RFC 9113 section 6.8: such streams were not processed and may be retried,
 *     on another connection). Netty's frame codec closes those streams at once; Reactor Netty's pool
 *     stops handing out a connection that received a GOAWAY, so a retry opens a new one. A GOAWAY
 *     whose last-stream-id covers the stream says nothing: the server may have processed it.</li>
 * </ul>
 * Either is a {@code CONNECTION_CLOSED} failure with {@code FetchException.neverProcessed()} true,
 * which the retry policy resends for any method, POST included. Neither waits for a timeout: a real
 * GOAWAY, even one sent right after the server's preface, ends the request as soon as it arrives
 * ({@code Http2RefusalTest}).
 */
final class Http2Support {

    private Http2Support() {
    }

    /**
     * HTTP/1.1 only by default; {@code http2}: h2 by ALPN over TLS, falling back to HTTP/1.1 (and
     * HTTP/1.1 for http URLs); {@code h2c}: HTTP/2 with prior knowledge for http URLs (Reactor Netty
     * treats H2C alone as prior knowledge, H2C with HTTP11 as an Upgrade).
     */
    static HttpProtocol[] protocols(boolean http2, boolean h2c) {
        if (http2 && h2c) {
            return new HttpProtocol[] {HttpProtocol.H2, HttpProtocol.H2C};
        }
        if (http2) {
            return new HttpProtocol[] {HttpProtocol.H2, HttpProtocol.HTTP11};
        }
        if (h2c) {
            return new HttpProtocol[] {HttpProtocol.H2C};
        }
        return new HttpProtocol[] {HttpProtocol.HTTP11};
    }

    /**
     * The protocols for http URLs: {@link #protocols} without h2, which needs TLS (Reactor Netty would
     * drop it per request, copying its configuration each time).
     */
    static HttpProtocol[] plainProtocols(boolean h2c) {
        return h2c ? new HttpProtocol[] {HttpProtocol.H2C} : new HttpProtocol[] {HttpProtocol.HTTP11};
    }

    /**
     * The pool's allocation strategy when HTTP/2 is on. With HTTP/2 the per-host limit counts requests
     * (streams), enforced by {@link HostStreamPermits}; how many TCP connections carry them is this
     * strategy's business:
     * <ul>
     * <li>{@code strictConnectionReuse}: a new connection to a host is opened only when every open one
     * has reached the server's {@code SETTINGS_MAX_CONCURRENT_STREAMS} (and none is being opened). Without
     * it Reactor Netty's HTTP/2 pool opens a connection for every acquire that finds no established
     * connection with a free stream, so a burst of N requests opens about N connections before the first
     * is up, each then carrying one or two streams: HTTP/2 framing without multiplexing (256 connections
     * for 256 requests in the h2c benchmark). With it, N requests take {@code ceil(N / server's limit)}
     * connections, following whatever the server advertises (1 for 64 requests at 100 streams, 4 for 32
     * at 10; {@code Http2PoolTest}).</li>
     * <li>{@code maxConnections(maxConnectionsPerHost)}: the same bound as without this strategy. Reactor
     * Netty uses one pool for HTTP/2 and for the HTTP/1.1 that an {@code http2()} client falls back to
     * when ALPN picks it, and bounds both with this number: an HTTP/1.1 host keeps its
     * {@code maxConnectionsPerHost} connections ({@code Http2Test}); a server that allows few streams
     * per connection gets more connections, never more than the limit.</li>
     * </ul>
     * No cap below the per-host limit (such as {@code ceil(maxConnectionsPerHost / 100)}) is set: it would
     * starve a server that allows fewer streams, and would cut the HTTP/1.1 fallback to that many connections.
     */
    static Http2AllocationStrategy allocationStrategy(int maxConnectionsPerHost) {
        return Http2AllocationStrategy.builder()
                .maxConnections(maxConnectionsPerHost)
                .strictConnectionReuse(true)
                .build();
    }

    /**
     * Whether {@code error} says the server did not process the request's stream: a refused stream
     * ({@code REFUSED_STREAM}, RFC 9113 section 8.7) or a stream a GOAWAY left unprocessed
     * ({@link UnprocessedStreamException}),
     * so the request may be sent again whatever its method.
     */
    static boolean neverProcessed(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof UnprocessedStreamException
                    || t instanceof Http2Exception h2 && h2.error() == Http2Error.REFUSED_STREAM) {
                return true;
            }
        }
        return false;
    }
}
