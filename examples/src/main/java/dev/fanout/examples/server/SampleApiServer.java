package dev.fanout.examples.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small JSON API on 127.0.0.1 so that every example runs offline. Each collection answers after
 * a fixed latency, like a real API across a network, so concurrency shows.
 *
 * <ul>
 *   <li>{@code GET /v1/sample-data/products}, {@code /users}, {@code /photos}, {@code /blog-posts} – JSON arrays</li>
 *   <li>{@code GET /v1/sample-data/products/{id}} – one product</li>
 *   <li>{@code GET /delay/{ms}} – {@code {"delayed_ms": ms}} after ms milliseconds</li>
 *   <li>{@code GET /status/{code}} – that status ({@code 429} and {@code 503} with {@code Retry-After: 1})</li>
 *   <li>{@code GET /flaky/{key}?failures=n} – {@code 503} for the first n requests with that key, then {@code 200}</li>
 *   <li>{@code POST /echo} – {@code {"method", "headers", "body"}}: what the request carried</li>
 *   <li>{@code GET /auth/me} – {@code 200} with {@code Authorization: Bearer sample-token}, else {@code 401}</li>
 *   <li>{@code GET /flaky/{k}/{id}} – 503 for the first k requests to that path, then {@code {"id": id}}</li>
 *   <li>{@code GET /flaky-retry-after/{seconds}/{id}} – 429 with {@code Retry-After: seconds} the first time, then {@code {"id": id}}</li>
 *   <li>{@code GET /rate-limited/{id}} – like a public demo API: one request per second over all of these paths;
 *       beyond that 429 with {@code Retry-After: 1}</li>
 * </ul>
 *
 * <p>It counts requests in flight and keeps the highest count seen ({@link #maxInFlight()}), so
 * examples can show a limit at work.
 *
 * <pre>{@code
 * try (SampleApiServer api = SampleApiServer.start()) {
 *     String url = api.url("/v1/sample-data/products");
 * }
 * }</pre>
 */
public final class SampleApiServer implements AutoCloseable {

    /** The bearer token {@code /auth/me} accepts. */
    public static final String TOKEN = "sample-token";

    /** Latency every collection endpoint adds by default. */
    public static final Duration DEFAULT_LATENCY = Duration.ofMillis(100);

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, byte[]> COLLECTIONS = Map.of(
            "products", collection("products", 30),
            "users", collection("users", 20),
            "photos", collection("photos", 50),
            "blog-posts", collection("blog-posts", 25));

    private final DisposableServer server;
    private final Duration latency;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, AtomicInteger> flakyHits = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> hits = new java.util.concurrent.ConcurrentHashMap<>();
    private long lastRateLimitedAccept = Long.MIN_VALUE;

    private SampleApiServer(int port, Duration latency) {
        this.latency = latency;
        this.server = HttpServer.create().host("127.0.0.1").port(port).handle(this::counted)
                .bindNow(Duration.ofSeconds(10));
    }

    /** Starts on a free port with the default latency. */
    public static SampleApiServer start() {
        return new SampleApiServer(0, DEFAULT_LATENCY);
    }

    /** Starts on {@code port} (0 for a free one) with the given latency per collection request. */
    public static SampleApiServer start(int port, Duration latency) {
        return new SampleApiServer(port, latency);
    }

    /** The port it listens on. */
    public int port() {
        return server.port();
    }

    /** An absolute URL for {@code path}. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** The four collection endpoints. */
    public String[] collectionPaths() {
        return new String[] {"/v1/sample-data/products", "/v1/sample-data/users", "/v1/sample-data/photos",
                "/v1/sample-data/blog-posts"};
    }

    /** The most requests it has had in flight at once since start (or {@link #resetMaxInFlight()}). */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Starts counting {@link #maxInFlight()} afresh. */
    public void resetMaxInFlight() {
        maxInFlight.set(inFlight.get());
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }

    private Publisher<Void> counted(HttpServerRequest req, HttpServerResponse res) {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        return Flux.defer(() -> handle(req, res)).doFinally(signal -> inFlight.decrementAndGet());
    }

    private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        String path = query.path();
        String[] parts = path.split("/");
        if (parts.length >= 4 && parts[1].equals("v1") && parts[2].equals("sample-data")) {
            byte[] body = COLLECTIONS.get(parts[3]);
            if (body == null) {
                return notFound(res, path);
            }
            if (parts.length == 5) {
                return item(res, parts[3], parts[4]);
            }
            return Mono.delay(latency).then(json(res, body));
        }
        if (parts.length == 3 && parts[1].equals("delay")) {
            long ms = Long.parseLong(parts[2]);
            return Mono.delay(Duration.ofMillis(ms))
                    .then(json(res, ("{\"delayed_ms\":" + ms + "}").getBytes()));
        }
        if (parts.length == 3 && parts[1].equals("status")) {
            int code = Integer.parseInt(parts[2]);
            if (code == 429 || code == 503) {
                res.header(HttpHeaderNames.RETRY_AFTER, "1");
            }
            return res.status(HttpResponseStatus.valueOf(code)).sendString(Mono.just("status " + code)).then();
        }
        if (parts.length == 3 && parts[1].equals("flaky")) {
            int failures = Integer.parseInt(query.parameters().getOrDefault("failures", List.of("1")).get(0));
            int hit = flakyHits.computeIfAbsent(parts[2], k -> new AtomicInteger()).incrementAndGet();
            if (hit <= failures) {
                return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).header(HttpHeaderNames.RETRY_AFTER, "1")
                        .sendString(Mono.just("try again")).then();
            }
            return json(res, ("{\"key\":\"" + parts[2] + "\",\"attempt\":" + hit + "}").getBytes());
        }
        if (path.equals("/echo")) {
            return req.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap(body -> {
                ObjectNode echo = MAPPER.createObjectNode().put("method", req.method().name());
                ObjectNode headers = echo.putObject("headers");
                req.requestHeaders().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
                echo.put("body", body);
                return json(res, echo.toString().getBytes(StandardCharsets.UTF_8));
            });
        }
        if (path.equals("/auth/me")) {
            if (("Bearer " + TOKEN).equals(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION))) {
                return json(res, "{\"user\":\"sample\",\"scopes\":[\"read\"]}".getBytes());
            }
            return res.status(HttpResponseStatus.UNAUTHORIZED).header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer")
                    .sendString(Mono.just("{\"error\":\"missing or wrong bearer token\"}")).then();
        }
        if (parts.length == 4 && (parts[1].equals("flaky") || parts[1].equals("flaky-retry-after"))) {
            return flaky(res, path, parts[1].equals("flaky"), Integer.parseInt(parts[2]), parts[3]);
        }
        if (parts.length == 3 && parts[1].equals("rate-limited")) {
            return rateLimited(res, parts[2]);
        }
        return notFound(res, path);
    }

    private Mono<Void> flaky(HttpServerResponse res, String path, boolean plain, int n, String id) {
        int hit = hits.computeIfAbsent(path, p -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        if (plain && hit <= n) {
            return res.status(HttpResponseStatus.SERVICE_UNAVAILABLE).sendString(Mono.just("try again")).then();
        }
        if (!plain && hit == 1) {
            return res.status(HttpResponseStatus.TOO_MANY_REQUESTS).header(HttpHeaderNames.RETRY_AFTER, String.valueOf(n))
                    .sendString(Mono.just("slow down")).then();
        }
        return json(res, ("{\"id\":\"" + id + "\",\"attempt\":" + hit + "}").getBytes());
    }

    private Mono<Void> rateLimited(HttpServerResponse res, String id) {
        long now = System.nanoTime();
        boolean accept;
        synchronized (this) {
            accept = lastRateLimitedAccept == Long.MIN_VALUE || now - lastRateLimitedAccept >= 1_000_000_000L;
            if (accept) {
                lastRateLimitedAccept = now;
            }
        }
        if (!accept) {
            return res.status(HttpResponseStatus.TOO_MANY_REQUESTS).header(HttpHeaderNames.RETRY_AFTER, "1")
                    .sendString(Mono.just("one request per second, please")).then();
        }
        return json(res, ("{\"id\":\"" + id + "\"}").getBytes());
    }

    private Mono<Void> item(HttpServerResponse res, String collection, String id) {
        try {
            int n = Integer.parseInt(id);
            ObjectNode node = element(collection, n);
            return Mono.delay(latency).then(json(res, MAPPER.writeValueAsBytes(node)));
        } catch (Exception e) {
            return notFound(res, collection + "/" + id);
        }
    }

    private static Mono<Void> json(HttpServerResponse res, byte[] body) {
        return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(body.length))
                .sendByteArray(Mono.just(body)).then();
    }

    private static Mono<Void> notFound(HttpServerResponse res, String path) {
        return res.status(HttpResponseStatus.NOT_FOUND).header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.just("{\"error\":\"no such resource: " + path + "\"}")).then();
    }

    private static byte[] collection(String name, int size) {
        ArrayNode array = MAPPER.createArrayNode();
        for (int i = 1; i <= size; i++) {
            array.add(element(name, i));
        }
        try {
            return MAPPER.writeValueAsBytes(array);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode element(String collection, int id) {
        ObjectNode node = MAPPER.createObjectNode().put("id", id);
        switch (collection) {
            case "products" -> node.put("name", "Product " + id).put("price", 5 + (id * 37 % 200) / 2.0)
                    .put("category", new String[] {"tools", "garden", "kitchen", "books"}[id % 4]);
            case "users" -> node.put("name", "User " + id).put("email", "user" + id + "@example.com");
            case "photos" -> node.put("title", "Photo " + id).put("url", "/img/" + id + ".jpg").put("width", 640);
            default -> node.put("title", "Post " + id).put("words", 300 + id * 11);
        }
        return node;
    }

    /** Runs the server on the port given as the first argument (default 8080) until stopped. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        try (SampleApiServer api = start(port, DEFAULT_LATENCY)) {
            System.out.println("Sample API on " + api.url("/v1/sample-data/products") + " (Ctrl-C to stop)");
            Thread.currentThread().join();
        }
    }
}
