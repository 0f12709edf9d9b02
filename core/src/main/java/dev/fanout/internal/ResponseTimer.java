package dev.fanout.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.ReadTimeoutException;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The response timeout of an HTTP/1.1 connection: from the moment the request has been written (its
 * last byte handed to the socket) until the response head, then between two reads from the socket;
 * ends the response with Netty's {@link ReadTimeoutException} (a {@code RESPONSE_TIMEOUT} result) and
 * closes the connection, as Reactor Netty's {@code responseTimeout} does.
 *
 * <p>Written by hand because Reactor Netty's {@code responseTimeout} pays at every request: it adds
 * a {@code ReadTimeoutHandler} to the pipeline when the request is sent (which schedules a task on the
 * event loop), removes it when the response ends, and subscribes a {@code Mono.firstWithSignal} to know
 * when (about 0.7 KB of garbage and two pipeline changes per request in the S1 benchmark). This handler
 * is installed once per connection, after the HTTP codec, where it sees where a request and a response
 * end; its {@link #reads()} companion sits before the codec and notes every read of bytes, so a response
 * head or a compressed body that arrives slowly but steadily is not cut short. One check stays scheduled
 * while responses are awaited; a request re-arms nothing unless its own timeout is shorter. Not used for
 * HTTP/2, where the response parts travel on stream channels and Reactor Netty's mechanism stays.
 *
 * <p>Every method runs on the connection's event loop, except {@link #nextTimeout}, which the request
 * calls just before it is written (hence the volatile).
 */
final class ResponseTimer extends ChannelDuplexHandler implements ChannelFutureListener {

    static final String NAME = "fanout.responseTimer";
    static final String READS_NAME = "fanout.responseTimer.reads";

    private final long defaultNanos;
    private volatile long nextNanos = -1;
    private ChannelHandlerContext ctx;
    private boolean waiting;
    /** A request was handed to the channel and its write has not completed yet. */
    private boolean writing;
    /** The response to the request being written has already ended (a server that answers early). */
    private boolean answered;
    private boolean informational;
    private final ChannelInboundHandlerAdapter reads = new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (waiting) {
                lastActivity = System.nanoTime();
            }
            ctx.fireChannelRead(msg);
        }
    };
    private long timeoutNanos;
    private long lastActivity;
    private ScheduledFuture<?> check;
    private long checkAt;

    ResponseTimer(Duration timeout) {
        this.defaultNanos = nanos(timeout);
    }

    /** The companion to put before the HTTP codec: it notes reads of bytes as activity. */
    ChannelInboundHandlerAdapter reads() {
        return reads;
    }

    /** Longer timeouts are capped (about 73 years): no overflow in the arithmetic below. */
    private static long nanos(Duration d) {
        return WheelTimer.capped(d).toNanos();
    }

    /** Gives the next request written on {@code channel} its own timeout (a per-request override). */
    static void nextTimeout(Channel channel, Duration timeout) {
        if (channel.pipeline().get(NAME) instanceof ResponseTimer timer) {
            timer.nextNanos = nanos(timeout);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) { // a FullHttpRequest too: the request is complete
            long next = nextNanos;
            if (next >= 0) {
                nextNanos = -1;
            }
            timeoutNanos = next >= 0 ? next : defaultNanos;
            writing = true;
            answered = false;
            waiting = false;
            // the clock starts when the write completes, not while a large body is still uploading
            ChannelPromise unvoid = promise.unvoid();
            unvoid.addListener(this);
            ctx.write(msg, unvoid);
            return;
        }
        ctx.write(msg, promise);
    }

    /** The request's last write completed: from now on a response is awaited. */
    @Override
    public void operationComplete(ChannelFuture future) {
        boolean wasWriting = writing;
        writing = false;
        if (!wasWriting || answered || !future.isSuccess()) {
            return; // answered early, or the write failed (Reactor Netty reports that)
        }
        lastActivity = System.nanoTime();
        waiting = true;
        arm(lastActivity + timeoutNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (waiting || writing) {
            if (msg instanceof HttpResponse head && head.status().codeClass() == HttpStatusClass.INFORMATIONAL
                    && head.status().code() != 101) {
                informational = true; // 100 Continue, 103 Early Hints: the final response is still to come
            }
            if (msg instanceof LastHttpContent) {
                if (informational) {
                    informational = false;
                } else {
                    waiting = false;
                    answered = writing;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        waiting = false;
        writing = false;
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        waiting = false;
        writing = false;
        cancel();
    }

    /** Makes sure a check runs no later than {@code at}; an earlier one already scheduled stays. */
    private void arm(long at) {
        if (check != null) {
            if (checkAt - at <= 0) {
                return;
            }
            check.cancel(false);
        }
        checkAt = at;
        check = ctx.executor().schedule(this::check, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void check() {
        check = null;
        if (!waiting || !ctx.channel().isActive()) {
            return; // nothing in flight: no timer until the next request
        }
        long deadline = lastActivity + timeoutNanos;
        if (deadline - System.nanoTime() > 0) {
            arm(deadline);
            return;
        }
        waiting = false;
        ctx.fireExceptionCaught(ReadTimeoutException.INSTANCE);
        ctx.close();
    }

    private void cancel() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
