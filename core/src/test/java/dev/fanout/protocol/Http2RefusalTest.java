package dev.fanout.protocol;

import dev.fanout.FetchClient;
import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import dev.fanout.RetryPolicy;
import dev.fanout.internal.ErrorClassifier;
import dev.fanout.internal.NettyExchange;
import dev.fanout.internal.Settings;
import dev.fanout.internal.ValidatedRequest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import reactor.core.publisher.Mono;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raw Netty HTTP/2 (h2c) servers that tell the client, in HTTP/2's own terms, that a request was
 * not processed: {@code RST_STREAM(REFUSED_STREAM)}, or a GOAWAY whose last-stream-id is below the
 * request's stream (RFC 9113 section 6.8: such streams "have not been processed" and may be retried).
 * How the client reports it, and that the retry policy resends it, POST included.
 *
 * <p>The GOAWAY is written from {@code channelActive}, right after the server's preface. (An earlier
 * version of this test hooked {@code Http2ConnectionPrefaceAndSettingsFrameWrittenEvent}, which Netty
 * fires on the client side only: its "GOAWAY" server never sent a GOAWAY, it just never answered,
 * and the request ended at the request timeout. Against a real GOAWAY, Reactor Netty 1.3.8 ends the
 * stream at once.)
 */
class Http2RefusalTest {

    /** Long, so that a failure that waited for it cannot pass for a prompt one. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    /** What a server does on one connection. */
    enum Plan {
        /** RST_STREAM(REFUSED_STREAM) on every request. */
        REFUSE,
        /** GOAWAY(last-stream-id 0) right after the preface, before any stream; the connection stays open. */
        GOAWAY_AT_START,
        /** The same GOAWAY, then the server closes its side (a graceful shutdown with nothing in flight). */
        GOAWAY_AT_START_THEN_CLOSE,
        /** Reads the request's HEADERS, then GOAWAY(last-stream-id 0): the stream is above it. */
        GOAWAY_BELOW_THE_STREAM,
        /** Reads the request's HEADERS, then GOAWAY(last-stream-id = that stream) and closes its side. */
        GOAWAY_COVERING_THE_STREAM_THEN_CLOSE,
        /** 200 "ok" once the request is complete. */
        SERVE
    }

    /** One h2c server: the plan for each connection in turn (the last one repeats), and what it saw. */
    static final class Server {
        final List<Plan> plans;
        final AtomicInteger connections = new AtomicInteger();
        /** HEADERS frames that reached the server's handler (Netty drops those of streams it refused at GOAWAY). */
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger served = new AtomicInteger();
        Channel channel;

        Server(Plan... plans) {
            this.plans = List.of(plans);
        }

        Server start() throws InterruptedException {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            int n = connections.getAndIncrement();
                            Plan plan = plans.get(Math.min(n, plans.size() - 1));
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new Handler(plan));
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            return this;
        }

        void reset() {
            connections.set(0);
            requests.set(0);
            served.set(0);
        }

        String url() {
            return "http://127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort() + "/x";
        }

        final class Handler extends ChannelInboundHandlerAdapter {
            final Plan plan;

            Handler(Plan plan) {
                this.plan = plan;
            }

            @Override
            public void channelActive(ChannelHandlerContext ctx) throws Exception {
                super.channelActive(ctx); // the codec has written the server preface (SETTINGS) by now
                if (plan == Plan.GOAWAY_AT_START || plan == Plan.GOAWAY_AT_START_THEN_CLOSE) {
                    // no stream exists yet, so the codec sends last-stream-id 0
                    ChannelFuture sent = ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR, Unpooled.EMPTY_BUFFER));
                    if (plan == Plan.GOAWAY_AT_START_THEN_CLOSE) {
                        sent.addListener(f -> shutdownOutput(ctx));
                    }
                }
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof Http2HeadersFrame headers) {
                        requests.incrementAndGet();
                        onHeaders(ctx, headers);
                    } else if (msg instanceof Http2DataFrame data && data.isEndStream() && plan == Plan.SERVE) {
                        respond(ctx, data.stream());
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            private void onHeaders(ChannelHandlerContext ctx, Http2HeadersFrame headers) {
                Http2FrameStream stream = headers.stream();
                switch (plan) {
                    case REFUSE -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(stream));
                    case GOAWAY_BELOW_THE_STREAM -> goAway(ctx, 0);
                    case GOAWAY_COVERING_THE_STREAM_THEN_CLOSE -> {
                        goAway(ctx, stream.id());
                        shutdownOutput(ctx);
                    }
                    case SERVE -> {
                        if (headers.isEndStream()) {
                            respond(ctx, stream);
                        }
                    }
                    default -> {
                    }
                }
            }

            /**
             * Closes the server's side (a FIN after what was written), and the client closes the rest.
             * Not {@code close()}: closing with the client's frames unread makes the kernel reset the
             * connection, and the reset can discard the GOAWAY before the client reads it.
             */
            private void shutdownOutput(ChannelHandlerContext ctx) {
                ((SocketChannel) ctx.channel()).shutdownOutput();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // the codec has already answered (frames for a stream refused at GOAWAY are a connection error to it)
            }

            /** A GOAWAY with an explicit last-stream-id (the frame codec would compute its own). */
            private void goAway(ChannelHandlerContext ctx, int lastStreamId) {
                Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
                codec.goAway(ctx.pipeline().context(codec), lastStreamId, Http2Error.NO_ERROR.code(),
                        Unpooled.EMPTY_BUFFER, ctx.newPromise());
                ctx.flush();
            }

            private void respond(ChannelHandlerContext ctx, Http2FrameStream stream) {
                served.incrementAndGet();
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(stream));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("ok", CharsetUtil.US_ASCII), true)
                        .stream(stream));
            }
        }
    }

    static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static FetchClient client(RetryPolicy policy) {
        return FetchClient.builder().h2cPriorKnowledge().requestTimeout(REQUEST_TIMEOUT).retry(policy).build();
    }

    private static FetchRequest post(Server server) {
        return FetchRequest.post(server.url()).body(new byte[] {1}, "application/octet-stream");
    }

    private static FetchResult fetch(FetchClient client, FetchRequest request) {
        return client.fetch(request).block(REQUEST_TIMEOUT.plusSeconds(10));
    }

    /** A failure reported at once as a request the server never processed, not at the request timeout. */
    private static void assertNeverProcessedPromptly(FetchResult r) {
        assertThat(r.isSuccess()).as(r.toString()).isFalse();
        FetchException error = r.error().orElseThrow();
        assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.CONNECTION_CLOSED);
        assertThat(error.neverProcessed()).as(r.toString()).isTrue();
        assertThat(r.elapsed()).as("well before the request timeout").isLessThan(REQUEST_TIMEOUT.dividedBy(2));
    }

    @Test
    void refusedStreamIsConnectionClosedAndNeverProcessed() throws InterruptedException {
        Server server = new Server(Plan.REFUSE).start();
        try (FetchClient client = client(RetryPolicy.none())) {
            assertNeverProcessedPromptly(fetch(client, post(server)));
            assertThat(server.requests).hasValue(1);
        } finally {
            server.channel.close().syncUninterruptibly();
        }
    }

    /**
     * GOAWAY(last-stream-id 0) right after the server's preface. With h2c prior knowledge the client
     * writes its HEADERS without waiting for the server's SETTINGS, so the stream is already open when
     * the GOAWAY arrives; Netty closes it (its id is above 0) and the server's codec drops its HEADERS
     * unseen. Reported at once, as never processed.
     */
    @Test
    void goAwayBeforeAnyStreamFailsPromptlyAsNeverProcessed() throws InterruptedException {
        Server server = new Server(Plan.GOAWAY_AT_START).start();
        try (FetchClient client = client(RetryPolicy.none())) {
            FetchResult r = fetch(client, post(server));
            assertNeverProcessedPromptly(r);
            assertThat(r.attempts()).isEqualTo(1);
            assertThat(r.error().orElseThrow().getMessage()).contains("GOAWAY");
            assertThat(server.requests).as("the server's codec refused the stream").hasValue(0);
        } finally {
            server.channel.close().syncUninterruptibly();
        }
    }

    /** The same server with the default retry policy: every attempt is refused the same way, none waits. */
    @Test
    void goAwayOnEveryConnectionEndsAfterTheRetriesNotAtTheTimeout() throws InterruptedException {
        Server server = new Server(Plan.GOAWAY_AT_START).start();
        try (FetchClient client = client(RetryPolicy.defaults())) {
            FetchResult r = fetch(client, post(server));
            assertNeverProcessedPromptly(r);
            assertThat(r.attempts()).isEqualTo(RetryPolicy.DEFAULT_MAX_ATTEMPTS);
            assertThat(server.connections).as("a fresh connection for each attempt")
                    .hasValue(RetryPolicy.DEFAULT_MAX_ATTEMPTS);
            assertThat(server.requests).hasValue(0);
        } finally {
            server.channel.close().syncUninterruptibly();
        }
    }

    /** A POST on a connection the server shuts at once is sent again, on a new connection, and succeeds. */
    @Test
    void postRefusedByGoAwayIsResentOnAFreshConnection() throws InterruptedException {
        Server server = new Server(Plan.GOAWAY_AT_START, Plan.SERVE).start();
        try (FetchClient client = client(RetryPolicy.defaults())) {
            FetchResult r = fetch(client, post(server));
            assertThat(r.isSuccess()).as(r.toString()).isTrue();
            assertThat(r.bodyAsString()).isEqualTo("ok");
            assertThat(r.attempts()).isEqualTo(2);
            assertThat(server.connections).hasValue(2);
            assertThat(server.requests).as("only the second connection's stream reached the server").hasValue(1);
            assertThat(server.served).hasValue(1);
        } finally {
            server.channel.close().syncUninterruptibly();
        }
    }

    /** The server read the HEADERS, then sent GOAWAY(last-stream-id 0): the stream is above it, so unprocessed. */
    @Test
    void streamAboveTheLastStreamIdIsNeverProcessed() throws InterruptedException {
        Server server = new Server(Plan.GOAWAY_BELOW_THE_STREAM, Plan.SERVE).start();
        try (FetchClient client = client(RetryPolicy.none())) {
            FetchResult r = fetch(client, post(server));
            assertNeverProcessedPromptly(r);
            assertThat(server.requests).hasValue(1);

            // and with retries on, the POST is resent on a new connection
            server.reset();
            FetchResult retried = fetch(client, post(server).retry(RetryPolicy.defaults()));
            assertThat(retried.isSuccess()).as(retried.toString()).isTrue();
            assertThat(retried.attempts()).isEqualTo(2);
            assertThat(server.served).hasValue(1);
        } finally {
            server.channel.close().syncUninterruptibly();
        }
    }

    /**
     * A GOAWAY whose last-stream-id covers the stream says the server may have processed it: a
     * connection closed after it is a plain premature close, not resent for a POST.
     */
    @Test
    void streamCoveredByTheLastStreamIdIsNotMarkedNeverProcessed() throws InterruptedException {
        Server server = new Server(Plan.GOAWAY_COVERING_THE_STREAM_THEN_CLOSE, Plan.SERVE).start();
        try (FetchClient client = client(RetryPolicy.defaults())) {
            FetchResult r = fetch(client, post(server));
            assertThat(r.kind()).as(r.toString()).isEqualTo(Kind.CONNECTION_CLOSED);
            assertThat(r.error().orElseThrow().neverProcessed()).as(r.toString()).isFalse();
            assertThat(r.attempts()).as("a POST that may have run is not resent").isEqualTo(1);
            assertThat(server.requests).hasValue(1);
        } finally {
            server.channel.close().syncUninterruptibly();
        }
    }

    /**
     * GOAWAY received while the request holds a stream whose HEADERS are not yet written (Fanout's
     * write-rate limiter can hold a stream so): the stream has no id yet, so Netty sends it no GOAWAY
     * event. If the connection stays open, writing the HEADERS later fails with Netty's own
     * REFUSED_STREAM stream error ("Cannot create stream 3 greater than Last-Stream-ID 0 from
     * GOAWAY"); if the server then closes it, the stream closes without ever having had an id, and the
     * watch asks the connection's HTTP/2 state whether a GOAWAY came first. Driven through
     * {@link NettyExchange} itself, whose {@code beforeWrite} holds the write back for a second, long
     * after the GOAWAY has arrived.
     */
    @ParameterizedTest
    @EnumSource(value = Plan.class, names = {"GOAWAY_AT_START", "GOAWAY_AT_START_THEN_CLOSE"})
    void goAwayBeforeTheStreamIsWrittenIsNeverProcessed(Plan plan) throws Exception {
        Server server = new Server(plan).start();
        try (FetchClient client = client(RetryPolicy.none())) {
            // the client's own settings (h2c prior knowledge); FetchClient keeps them private
            java.lang.reflect.Field field = FetchClient.class.getDeclaredField("settings");
            field.setAccessible(true);
            NettyExchange exchange = new NettyExchange((Settings) field.get(client));
            try {
                FetchRequest request = post(server);
                ValidatedRequest validated = new ValidatedRequest(request, HttpMethod.POST, URI.create(server.url()),
                        server.url(), new byte[] {1}, "application/octet-stream", null);
                Throwable error = exchange.exchange(validated, false, Mono.delay(Duration.ofSeconds(1)).then())
                        .then(Mono.<Throwable>empty()).onErrorResume(Mono::just)
                        .block(REQUEST_TIMEOUT);
                assertThat(error).isNotNull();
                assertThat(ErrorClassifier.neverProcessed(error)).as(String.valueOf(error)).isTrue();
                assertThat(ErrorClassifier.kindOf(error)).isEqualTo(Kind.CONNECTION_CLOSED);
                assertThat(error.getMessage()).contains("GOAWAY");
                assertThat(server.requests).hasValue(0);
            } finally {
                exchange.dispose().block(Duration.ofSeconds(10));
            }
        } finally {
            server.channel.close().syncUninterruptibly();
        }
    }
}
