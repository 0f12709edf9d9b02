package dev.fanout.testing;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1, port 0, with routes named for the behaviour they fake, and
 * counters tests assert on: requests in flight now and at most, hits per path. Use it as a JUnit 5
 * extension ({@code @RegisterExtension static TestServer server = new TestServer();}) or start and
 * close it by hand.
 *
 * <p>Routes:
 * <ul>
 *   <li>{@code /ok} – 200 "ok"; {@code /json} – a small JSON object; {@code /not-json} – text</li>
 *   <li>{@code /delay/{ms}} – 200 after ms milliseconds, body "{ms}"</li>
 *   <li>{@code /status/{code}} – that status, body "status {code}"</li>
 *   <li>{@code /bytes/{n}} – n bytes with Content-Length; {@code /chunked/{n}} – n bytes, chunked, 1 KiB a chunk</li>
 *   <li>{@code /stall-headers} – never answers; {@code /stall-body} – headers and 5 bytes, then nothing</li>
 *   <li>{@code /trickle/{gapMs}} – one byte every gapMs milliseconds, 100 in all</li>
 *   <li>{@code /echo} – any method: JSON with method, path, headers and body as received</li>
 * </ul>
 */
public final class TestServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AutoCloseable {

    private final AtomicInteger inFlight;
    private final AtomicInteger maxInFlight;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger maxOpenConnections = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private DisposableServer server;

    public TestServer() {
        this(new AtomicInteger(), new AtomicInteger());
    }

    /** A server that shares its in-flight counters with others (to measure a cap across hosts). */
    public TestServer(AtomicInteger sharedInFlight, AtomicInteger sharedMaxInFlight) {
        this.inFlight = sharedInFlight;
        this.maxInFlight = sharedMaxInFlight;
    }

    public TestServer start() {
        server = HttpServer.create()
                .host("127.0.0.1")
                .port(0)
                // per TCP connection (doOnConnection would fire per request)
                .doOnChannelInit((observer, channel, remote) -> {
                    connections.incrementAndGet();
                    maxOpenConnections.accumulateAndGet(openConnections.incrementAndGet(), Math::max);
                    channel.closeFuture().addListener(f -> openConnections.decrementAndGet());
                })
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
        return this;
    }

    @Override
    public void close() {
        if (server != null) {
            server.disposeNow(Duration.ofSeconds(5));
            server = null;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        reset();
    }

    public int port() {
        return server.port();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Connections open at once, at most, since the last reset. */
    public int maxOpenConnections() {
        return maxOpenConnections.get();
    }

    /** Connections accepted since the last reset. */
    public int connections() {
        return connections.get();
    }

    public int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    public int totalHits() {
        return total.get();
    }

    public void reset() {
        maxInFlight.set(inFlight.get());
        maxOpenConnections.set(openConnections.get());
        connections.set(0);
        hits.clear();
        total.set(0);
    }

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String path = new QueryStringDecoder(req.uri()).path();
        hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        total.incrementAndGet();
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        AtomicBoolean left = new AtomicBoolean();
        Runnable leave = () -> {
            if (left.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        };
        return Flux.from(route(path, req, res, leave)).doFinally(signal -> leave.run());
    }

    /**
     * {@code leave} marks the request as no longer in flight. Routes that answer after a delay call it
     * just before they write, so that the count cannot include a request whose answer the client may
     * already have (its connection already reused on another event loop).
     */
    private Publisher<Void> route(String path, HttpServerRequest req, HttpServerResponse res, Runnable leave) {
        List<String> parts = Arrays.asList(path.split("/"));
        String head = parts.size() > 1 ? parts.get(1) : "";
        String arg = parts.size() > 2 ? parts.get(2) : "";
        switch (head) {
            case "ok":
                return res.sendString(Mono.just("ok"));
            case "json":
                return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                        .sendString(Mono.just("{\"id\":7,\"name\":\"widget\",\"tags\":[\"a\",\"b\"]}"));
            case "not-json":
                return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json").sendString(Mono.just("{oops"));
            case "delay": {
                long ms = Long.parseLong(arg);
                return Mono.delay(Duration.ofMillis(ms)).doOnNext(t -> leave.run())
                        .then(res.sendString(Mono.just(arg)).then());
            }
            case "status": {
                int code = Integer.parseInt(arg);
                return res.status(HttpResponseStatus.valueOf(code)).sendString(Mono.just("status " + code));
            }
            case "bytes": {
                int n = Integer.parseInt(arg);
                byte[] body = new byte[n];
                Arrays.fill(body, (byte) 'a');
                return res.header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(n)).sendByteArray(Mono.just(body));
            }
            case "chunked": {
                int n = Integer.parseInt(arg);
                byte[] chunk = new byte[1024];
                Arrays.fill(chunk, (byte) 'c');
                int full = n / 1024;
                int rest = n % 1024;
                Flux<byte[]> chunks = Flux.range(0, full).map(i -> chunk)
                        .concatWith(rest == 0 ? Flux.empty() : Mono.just(Arrays.copyOf(chunk, rest)));
                return res.chunkedTransfer(true).sendByteArray(chunks);
            }
            case "stall-headers":
                return Mono.never();
            case "stall-body":
                return res.header(HttpHeaderNames.CONTENT_LENGTH, "1000")
                        .sendString(Flux.just("start").concatWith(Flux.never()));
            case "trickle": {
                long gap = Long.parseLong(arg);
                return res.chunkedTransfer(true).sendString(Flux.interval(Duration.ofMillis(gap)).take(100).map(i -> "x"));
            }
            case "echo":
                return req.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .flatMap(body -> {
                            StringBuilder json = new StringBuilder("{\"method\":\"").append(req.method().name())
                                    .append("\",\"path\":\"").append(escape(req.uri())).append("\",\"headers\":{");
                            boolean first = true;
                            for (Map.Entry<String, String> h : req.requestHeaders()) {
                                json.append(first ? "" : ",").append('"').append(escape(h.getKey().toLowerCase()))
                                        .append("\":\"").append(escape(h.getValue())).append('"');
                                first = false;
                            }
                            json.append("},\"body\":\"").append(escape(body)).append("\"}");
                            return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                                    .sendString(Mono.just(json.toString())).then();
                        });
            default:
                return res.status(HttpResponseStatus.NOT_FOUND).sendString(Mono.just("no route " + path));
        }
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
