package dev.fanout.internal;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import reactor.netty.http.HttpProtocol;

/**
 * HTTP/2 choices handed to Reactor Netty: which protocols to offer, and which HTTP/2 failures
 * mean the server never processed the request.
 *
 * <p>Note for the retry policy (resilience branch): a {@code REFUSED_STREAM} reaches us as
 * Reactor Netty's premature close; {@link RefusedStreamWatch} sees the reset frame and turns it into
 * a {@code CONNECTION_CLOSED} failure with {@code FetchException.neverProcessed()} true, which should
 * be retried for any method, POST included. GOAWAY is not told apart yet: a GOAWAY that arrives
 * before any stream leaves Reactor Netty 1.3.8 waiting until the request timeout
 * ({@code Http2RefusalTest}); streams above a GOAWAY's last-stream-id end as premature closes,
 * retried for idempotent methods only by the default policy.
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
    static HttpProtocol[] plainProtocols(boolean http2, boolean h2c) {
        return h2c ? new HttpProtocol[] {HttpProtocol.H2C} : new HttpProtocol[] {HttpProtocol.HTTP11};
    }

    /**
     * Whether {@code error} says the server refused the stream before processing it (HTTP/2
     * {@code REFUSED_STREAM}, RFC 9113 section 8.7), so the request may be sent again whatever its method.
     */
    static boolean refusedStream(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof Http2Exception h2 && h2.error() == Http2Error.REFUSED_STREAM) {
                return true;
            }
        }
        return false;
    }
}
