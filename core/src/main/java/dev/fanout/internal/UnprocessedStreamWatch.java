package dev.fanout.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * Notices that the server did not process a request's HTTP/2 stream. Reactor Netty reports such a
 * stream as a plain premature close (or a failed write on a closed stream), losing what HTTP/2 said;
 * this handler, first in the stream channel's pipeline for the length of one exchange, keeps it, so
 * the exchange can report the request as never processed (see {@link Http2Support}):
 * <ul>
 * <li>{@code RST_STREAM(REFUSED_STREAM)}: Netty delivers the reset frame to the stream channel as a
 *     user event;</li>
 * <li>a GOAWAY whose last-stream-id is below this stream's id: Netty's {@code Http2MultiplexHandler}
 *     delivers the GOAWAY frame as a user event to exactly those streams, before closing them;</li>
 * <li>a GOAWAY that arrived before this stream had an id (its HEADERS not yet written) and a
 *     connection closed after it: no event reaches the stream, so when it becomes inactive the
 *     connection's {@link Http2Connection} is asked whether it received a GOAWAY that the stream's
 *     id, if any, is above. (Had the connection stayed open, writing the HEADERS fails with Netty's
 *     own {@code REFUSED_STREAM} stream error, which says so by itself.)</li>
 * </ul>
 * All on the stream's event loop: one pipeline look-up when the handler is added, a field store
 * per event. Installed only when HTTP/2 is on, so HTTP/1.1-only clients never see it.
 */
final class UnprocessedStreamWatch extends ChannelInboundHandlerAdapter {

    /** Context key of the per-exchange {@link UnprocessedStreamWatch}. */
    static final Object KEY = UnprocessedStreamWatch.class;
    static final String NAME = "fanout.unprocessedStream";

    private static final String REFUSED = "stream refused by the server (REFUSED_STREAM): the request was not processed";

    /** Why the server did not process the stream; null while nothing says so. */
    private volatile String notProcessed;
    /** Whether the reason is a REFUSED_STREAM (else a GOAWAY). */
    private volatile boolean refused;
    /** The stream channel watched, and its connection's HTTP/2 state; written and read on its event loop. */
    private Channel stream;
    private Http2Connection connection;

    @Override
    public boolean isSharable() {
        return true;
    }

    /**
     * Called on the stream's event loop. Keeps the connection's {@link Http2Connection}: by the time
     * the stream channel becomes inactive after its connection closed, the connection's pipeline has
     * been torn down. A later stream for the same exchange (Reactor Netty may send the request once
     * more on another connection) starts afresh.
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel() instanceof Http2StreamChannel s) {
            Http2FrameCodec codec = s.parent().pipeline().get(Http2FrameCodec.class);
            stream = s;
            connection = codec == null ? null : codec.connection();
            refused = false;
            notProcessed = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (ctx.channel() == stream) {
            if (evt instanceof Http2ResetFrame reset && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
                refused = true;
                notProcessed = REFUSED;
            } else if (evt instanceof Http2GoAwayFrame goAway && notProcessed == null
                    // Netty sends the GOAWAY only to streams above its last-stream-id, in a copy whose
                    // lastStreamId() is -1 (in Netty 4.2.19 DefaultHttp2GoAwayFrame.replace(), behind
                    // retainedDuplicate(), does not copy it): the check is only a safeguard
                    && ((Http2StreamChannel) stream).stream().id() > goAway.lastStreamId()) {
                notProcessed = goAwayReason(((Http2StreamChannel) stream).stream().id(), goAway.errorCode());
            }
        }
        super.userEventTriggered(ctx, evt); // passed on (and released at the tail) as before
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (notProcessed == null && ctx.channel() == stream) {
            notProcessed = afterGoAway((Http2StreamChannel) stream, connection);
        }
        super.channelInactive(ctx);
    }

    /** Why a closing stream was not processed because of a GOAWAY on its connection, or null. */
    private static String afterGoAway(Http2StreamChannel stream, Http2Connection connection) {
        if (connection == null || !connection.goAwayReceived()) {
            return null;
        }
        int last = connection.local().lastStreamKnownByPeer();
        int id = stream.stream().id();
        if (id > 0 && id <= last) {
            return null; // the server may have processed it
        }
        return id > 0 ? goAwayReason(id, -1)
                : "GOAWAY received before the request's stream was opened: the request was not sent";
    }

    private static String goAwayReason(int streamId, long errorCode) {
        String code = errorCode < 0 ? "" : " (" + errorName(errorCode) + ")";
        return "GOAWAY" + code + " received: stream " + streamId
                + " is above its last-stream-id, the request was not processed";
    }

    private static String errorName(long code) {
        Http2Error error = Http2Error.valueOf(code);
        return error == null ? "error " + code : error.name();
    }

    /**
     * {@code error}, or, if the server did not process the stream, an exception saying so that wraps
     * it: an {@link Http2Exception} of kind REFUSED_STREAM, or an {@link UnprocessedStreamException}.
     */
    Throwable map(Throwable error) {
        String reason = notProcessed;
        if (reason == null) {
            return error;
        }
        return refused ? Http2Exception.streamError(0, Http2Error.REFUSED_STREAM, error, reason)
                : new UnprocessedStreamException(reason, error);
    }
}
