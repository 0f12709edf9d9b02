package dev.fanout.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test HTTP server on 127.0.0.1 that misbehaves exactly, like OkHttp's {@code SocketPolicy}:
 * raw Netty, with requests decoded by Netty but every response written as raw bytes, so a status
 * line can be garbage, chunking broken, a connection reset (SO_LINGER 0) at a chosen byte.
 * The {@link Fault} is the first path segment: {@code url(Fault.RESET_MID_BODY, "a")} →
 * {@code /reset-mid-body/a}. Counters: hits per path, total, in flight now and at most, arrival
 * times. Optionally closes connections idle longer than {@code keepAlive} and after
 * {@code requestsPerConnection}, silently (no {@code Connection: close}), as real servers do.
 */
public final class FaultServer implements AutoCloseable {

    /** What the server does with a request; the path's first segment. */
    public enum Fault {
        /** 200, body = the request path. */
        OK,
        /** Reads the request, then closes the connection without a byte. */
        CLOSE_AFTER_REQUEST,
        /** Reads the request, then resets the connection (SO_LINGER 0) before any response. */
        RESET_BEFORE_RESPONSE,
        /** Sends headers (Content-Length 100) and 10 bytes, then resets. */
        RESET_MID_BODY,
        /** Never answers. */
        STALL_HEADERS,
        /** Sends headers (Content-Length 100) and 10 bytes, then nothing. */
        STALL_BODY,
        /** Answers with a garbage status line. */
        MALFORMED_STATUS,
        /** Answers with chunked encoding whose chunk size is not hex. */
        BROKEN_CHUNKED,
        /** {@code /status/{code}}: that status. */
        STATUS,
        /** {@code /status-then-ok/{code}/{k}/{tag}}: that status for the first k hits of the path, then 200. */
        STATUS_THEN_OK,
        /** {@code /retry-after-seconds/{code}/{seconds}/{k}/{tag}}: status with Retry-After in seconds, k times, then 200. */
        RETRY_AFTER_SECONDS,
        /** {@code /retry-after-date/{code}/{seconds}/{k}/{tag}}: status with an HTTP-date Retry-After, k times, then 200. */
        RETRY_AFTER_DATE,
        /** {@code /trickle/{gapMs}/{n}}: chunked, one byte every gapMs, n in all. */
        TRICKLE,
        /**
         * {@code /limited/{perSecond}/{retryAfterSeconds}/{tag}}: 200 while the server has accepted fewer than
         * perSecond of these in the last second, else 429 (with Retry-After unless it is 0).
         */
        LIMITED;

        String segment() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Fault of(String segment) {
            return valueOf(segment.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    private static final AttributeKey<Integer> SERVED = AttributeKey.valueOf("served");

    private final long keepAliveMillis;
    private final int requestsPerConnection;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final Map<String, ConcurrentLinkedQueue<Long>> recent = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> served = new ConcurrentLinkedQueue<>();
    private EventLoopGroup group;
    private Channel server;

    /** A server that keeps connections open as long as the client likes. */
    public FaultServer() {
        this(0, 0);
    }

    /**
     * @param keepAliveMillis close a connection idle this long (0: never)
     * @param requestsPerConnection close a connection after this many responses (0: never)
     */
    public FaultServer(long keepAliveMillis, int requestsPerConnection) {
        this.keepAliveMillis = keepAliveMillis;
        this.requestsPerConnection = requestsPerConnection;
    }

    public FaultServer start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        if (keepAliveMillis > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, keepAliveMillis, TimeUnit.MILLISECONDS));
                        }
                        ch.pipeline().addLast(new HttpRequestDecoder(), new HttpObjectAggregator(1 << 20), new Handler());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return this;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            server = null;
        }
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    /** The URL for {@code fault} with further path segments. */
    public String url(Fault fault, Object... segments) {
        StringBuilder sb = new StringBuilder("http://127.0.0.1:").append(port()).append('/').append(fault.segment());
        for (Object s : segments) {
            sb.append('/').append(s);
        }
        return sb.toString();
    }

    /** A port on 127.0.0.1 where nothing listens: connecting is refused. */
    public static int closedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    public int totalHits() {
        return total.get();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** 429s written by {@link Fault#LIMITED}. */
    public int refused() {
        return refused.get();
    }

    /** TCP connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** System.nanoTime() of every request's arrival, in arrival order. */
    public long[] arrivals() {
        return arrivals.stream().mapToLong(Long::longValue).toArray();
    }

    /** Paths of the 200 responses written in full. */
    public java.util.List<String> served() {
        return java.util.List.copyOf(served);
    }

    public void reset() {
        hits.clear();
        recent.clear();
        arrivals.clear();
        served.clear();
        total.set(0);
        refused.set(0);
        maxInFlight.set(inFlight.get());
    }

    /** Releases the in-flight count taken for this request when the connection goes away unanswered. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private int open; // requests on this connection counted in flight, not yet answered

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = new QueryStringDecoder(req.uri()).path();
            arrivals.add(System.nanoTime());
            int n = hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            total.incrementAndGet();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            open++;
            String[] parts = path.split("/");
            Fault fault;
            try {
                fault = Fault.of(parts.length > 1 ? parts[1] : "");
            } catch (IllegalArgumentException e) {
                respond(ctx, path, 404, "", "no fault " + path);
                return;
            }
            switch (fault) {
                case OK -> respond(ctx, path, 200, "", path);
                case CLOSE_AFTER_REQUEST -> ctx.close();
                case RESET_BEFORE_RESPONSE -> reset(ctx);
                case RESET_MID_BODY -> {
                    ctx.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"));
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> reset(ctx));
                }
                case STALL_HEADERS -> { }
                case STALL_BODY -> ctx.writeAndFlush(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"));
                case MALFORMED_STATUS -> ctx.writeAndFlush(ascii("HTPT/1.x two hundred\r\nContent-Length: 2\r\n\r\nok"));
                case BROKEN_CHUNKED -> ctx.writeAndFlush(ascii(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz-not-hex\r\nmore\r\n"));
                case STATUS -> respond(ctx, path, Integer.parseInt(parts[2]), "", "status " + parts[2]);
                case STATUS_THEN_OK -> {
                    int k = Integer.parseInt(parts[3]);
                    int code = n <= k ? Integer.parseInt(parts[2]) : 200;
                    respond(ctx, path, code, "", code == 200 ? path : "status " + code);
                }
                case RETRY_AFTER_SECONDS, RETRY_AFTER_DATE -> {
                    int code = Integer.parseInt(parts[2]);
                    long seconds = Long.parseLong(parts[3]);
                    int k = Integer.parseInt(parts[4]);
                    if (n <= k) {
                        String value = fault == Fault.RETRY_AFTER_SECONDS ? String.valueOf(seconds)
                                : DateTimeFormatter.RFC_1123_DATE_TIME.format(
                                        ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(seconds));
                        respond(ctx, path, code, "Retry-After: " + value + "\r\n", "status " + code);
                    } else {
                        respond(ctx, path, 200, "", path);
                    }
                }
                case LIMITED -> {
                    int perSecond = Integer.parseInt(parts[2]);
                    int retryAfter = Integer.parseInt(parts[3]);
                    long now = System.nanoTime();
                    // one window for every path under /limited/{perSecond}: the server's limit, not a path's
                    ConcurrentLinkedQueue<Long> window = recent.computeIfAbsent("limited/" + perSecond,
                            p -> new ConcurrentLinkedQueue<>());
                    synchronized (window) {
                        window.removeIf(t -> now - t >= 1_000_000_000L);
                        if (window.size() < perSecond) {
                            window.add(now);
                            respond(ctx, path, 200, "", path);
                        } else {
                            refused.incrementAndGet();
                            respond(ctx, path, 429, retryAfter > 0 ? "Retry-After: " + retryAfter + "\r\n" : "",
                                    "slow down");
                        }
                    }
                }
                case TRICKLE -> {
                    long gap = Long.parseLong(parts[2]);
                    int count = Integer.parseInt(parts[3]);
                    ctx.writeAndFlush(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
                    trickle(ctx, path, gap, count);
                }
            }
        }

        private void trickle(ChannelHandlerContext ctx, String path, long gap, int left) {
            ctx.executor().schedule(() -> {
                if (!ctx.channel().isActive()) {
                    return;
                }
                if (left == 0) {
                    ctx.writeAndFlush(ascii("0\r\n\r\n"));
                    done(ctx, path, 200);
                } else {
                    ctx.writeAndFlush(ascii("1\r\nx\r\n"));
                    trickle(ctx, path, gap, left - 1);
                }
            }, gap, TimeUnit.MILLISECONDS);
        }

        private void respond(ChannelHandlerContext ctx, String path, int code, String extraHeaders, String body) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ctx.writeAndFlush(ascii("HTTP/1.1 " + code + " " + reason(code) + "\r\nContent-Length: " + bytes.length
                    + "\r\nContent-Type: text/plain\r\n" + extraHeaders + "\r\n" + body));
            done(ctx, path, code);
        }

        private void done(ChannelHandlerContext ctx, String path, int code) {
            if (open > 0) {
                open--;
                inFlight.decrementAndGet();
            }
            if (code == 200) {
                served.add(path);
            }
            Integer before = ctx.channel().attr(SERVED).get();
            int count = before == null ? 1 : before + 1;
            ctx.channel().attr(SERVED).set(count);
            if (requestsPerConnection > 0 && count >= requestsPerConnection) {
                ctx.close(); // silently, as a server at its per-connection limit may
            }
        }

        private void reset(ChannelHandlerContext ctx) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inFlight.addAndGet(-open);
            open = 0;
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 404 -> "Not Found";
            case 429 -> "Too Many Requests";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status";
        };
    }
}
