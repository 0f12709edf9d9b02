package dev.fanout.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2ResetFrame;

/**
 * Notices an HTTP/2 {@code RST_STREAM(REFUSED_STREAM)} on a request's stream. Reactor Netty reports
 * a reset stream as a plain premature close, losing the error code that says the server never
 * processed the request; Netty delivers the reset frame to the stream channel as a user event,
 * where this handler records it, so the exchange can report the refusal (see {@link Http2Support}).
 */
final class RefusedStreamWatch extends ChannelInboundHandlerAdapter {

    /** Context key of the per-exchange {@link RefusedStreamWatch}. */
    static final Object KEY = RefusedStreamWatch.class;
    static final String NAME = "fanout.refusedStream";

    private volatile boolean refused;

    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Http2ResetFrame reset && reset.errorCode() == Http2Error.REFUSED_STREAM.code()) {
            refused = true;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** {@code error}, or an {@link Http2Exception} of kind REFUSED_STREAM wrapping it if the stream was refused. */
    Throwable map(Throwable error) {
        return refused ? Http2Exception.streamError(0, Http2Error.REFUSED_STREAM, error,
                "stream refused by the server (REFUSED_STREAM): the request was not processed") : error;
    }
}
