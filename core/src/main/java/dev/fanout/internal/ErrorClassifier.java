package dev.fanout.internal;

import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.resolver.dns.DnsNameResolverException;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;
import reactor.netty.internal.shaded.reactor.pool.PoolShutdownException;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * Maps whatever Reactor Netty, Netty or the JDK threw to a {@link FetchException} with a {@link Kind}.
 * Pure: a small ordered table, the first row whose type appears in the cause chain wins.
 */
public final class ErrorClassifier {

    private record Row(Class<? extends Throwable> type, Kind kind) {
    }

    private static final List<Row> TABLE = List.of(
            new Row(BlockedAddressException.class, Kind.BLOCKED_ADDRESS),
            new Row(TimeoutException.class, Kind.REQUEST_TIMEOUT),
            new Row(PoolAcquireTimeoutException.class, Kind.REQUEST_TIMEOUT),
            new Row(ConnectTimeoutException.class, Kind.CONNECT_TIMEOUT),
            new Row(ReadTimeoutException.class, Kind.RESPONSE_TIMEOUT),
            new Row(UnknownHostException.class, Kind.DNS),
            new Row(DnsNameResolverException.class, Kind.DNS),
            new Row(SSLException.class, Kind.TLS),
            new Row(ConnectException.class, Kind.CONNECT),
            new Row(NoRouteToHostException.class, Kind.CONNECT),
            new Row(DecoderException.class, Kind.PROTOCOL),
            new Row(io.netty.handler.codec.http2.Http2Exception.class, Kind.PROTOCOL),
            new Row(PrematureCloseException.class, Kind.CONNECTION_CLOSED),
            new Row(PrematureChannelClosureException.class, Kind.CONNECTION_CLOSED),
            new Row(AbortedException.class, Kind.CONNECTION_CLOSED),
            new Row(ClosedChannelException.class, Kind.CONNECTION_CLOSED),
            new Row(PoolShutdownException.class, Kind.CANCELLED),
            new Row(CancellationException.class, Kind.CANCELLED),
            new Row(IOException.class, Kind.CONNECTION_CLOSED));

    private static final int MAX_CAUSE_DEPTH = 8;

    private ErrorClassifier() {
    }

    /** The kind for {@code error}, looking through its causes; {@link Kind#UNEXPECTED} when nothing matches. */
    public static Kind kindOf(Throwable error) {
        if (error instanceof FetchException fe) {
            return fe.kind();
        }
        if (Http2Support.neverProcessed(error)) {
            return Kind.CONNECTION_CLOSED; // REFUSED_STREAM or GOAWAY: see FetchException.neverProcessed()
        }
        if (streamClosedUnderWrite(error)) {
            return Kind.CONNECTION_CLOSED; // not the Http2Exception row's PROTOCOL: nothing invalid was received
        }
        for (Row row : TABLE) {
            Throwable t = error;
            for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
                if (row.type.isInstance(t)) {
                    return row.kind;
                }
            }
        }
        if (isNettyHttpDecoderFailure(error)) {
            return Kind.PROTOCOL;
        }
        return Kind.UNEXPECTED;
    }

    /**
     * The exception to report for {@code error} on a request. {@code timeouts} give the values in
     * force for the attempt, so that messages say how long was waited.
     */
    public static FetchException classify(Throwable error, String method, String url, Duration connectTimeout,
                                          Duration responseTimeout, Duration requestTimeout) {
        if (error instanceof FetchException fe) {
            return fe;
        }
        Kind kind = kindOf(error);
        String detail = switch (kind) {
            case CONNECT_TIMEOUT -> "no connection after " + human(connectTimeout);
            case RESPONSE_TIMEOUT -> "no response data for " + human(responseTimeout);
            case REQUEST_TIMEOUT -> "not complete after " + human(requestTimeout);
            case DNS -> isDnsTimeout(error) ? "DNS lookup timed out (" + error.getMessage() + ")"
                    : "could not resolve host (" + error.getMessage() + ")";
            case CONNECT -> "could not connect (" + error.getMessage() + ")";
            case CONNECTION_CLOSED -> "connection closed before the response was complete (" + error.getMessage() + ")";
            case TLS -> "TLS handshake failed (" + error.getMessage() + ")";
            case PROTOCOL -> "invalid HTTP response (" + error.getMessage() + ")";
            case CANCELLED -> "cancelled";
            case BLOCKED_ADDRESS -> String.valueOf(cause(error, BlockedAddressException.class).getMessage());
            default -> String.valueOf(error.getMessage());
        };
        return new FetchException(kind, method, url, 0, detail, error);
    }

    /**
     * Whether a DNS failure was a timeout (Netty's {@code DnsNameResolverTimeoutException}, or the
     * OS resolver's "temporary failure") rather than a definite answer such as NXDOMAIN.
     */
    public static boolean isDnsTimeout(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof io.netty.resolver.dns.DnsNameResolverTimeoutException) {
                return true;
            }
            String m = t.getMessage();
            if (t instanceof UnknownHostException && m != null
                    && (m.contains("query timed out") || m.contains("Temporary failure in name resolution"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the server said it did not process the request's HTTP/2 stream: REFUSED_STREAM, or a
     * GOAWAY whose last-stream-id is below the stream (see {@link Http2Support#neverProcessed}).
     */
    public static boolean neverProcessed(Throwable error) {
        return Http2Support.neverProcessed(error);
    }

    private static Throwable cause(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return error;
    }

    /**
     * Whether a write failed because its HTTP/2 stream had been closed (reset, or closed by a GOAWAY):
     * Netty reports that as a {@link ClosedChannelException} caused by an {@code Http2Exception}, which
     * the table would otherwise take for a protocol error.
     */
    private static boolean streamClosedUnderWrite(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof ClosedChannelException && t.getCause() instanceof io.netty.handler.codec.http2.Http2Exception) {
                return true;
            }
        }
        return false;
    }

    /** "5s", "250ms", "1m30s": the way a person would write the duration. */
    static String human(Duration d) {
        if (d == null) {
            return "?";
        }
        long ms = d.toMillis();
        if (ms < 1000 || ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        return s < 60 || s % 60 != 0 && s < 120 ? s + "s" : (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }

    /**
     * Netty's HTTP decoder reports a garbage status line as a plain {@link IllegalArgumentException}
     * thrown from its own code (for example "invalid version format"); the stack says who threw it.
     */
    private static boolean isNettyHttpDecoderFailure(Throwable error) {
        if (!(error instanceof IllegalArgumentException)) {
            return false;
        }
        StackTraceElement[] stack = error.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, 6); i++) {
            if (stack[i].getClassName().startsWith("io.netty.handler.codec.http.")) {
                return true;
            }
        }
        return false;
    }
}
