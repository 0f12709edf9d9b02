package dev.fanout.benchmarks.load;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The fallback target, used only when nginx is absent: a Reactor Netty server with the same
 * endpoints, in a JVM of its own (started by {@link #start}; {@link #main} is that JVM). A second
 * server on another port speaks only cleartext HTTP/2 with prior knowledge ({@code h2c}).
 */
final class NettyTarget implements Target {

    private final Process process;
    private final int port;
    private final int h2cPort;

    private NettyTarget(Process process, int port, int h2cPort) {
        this.process = process;
        this.port = port;
        this.h2cPort = h2cPort;
    }

    static NettyTarget start(String java, String classPath, Path dir) throws IOException {
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", classPath, NettyTarget.class.getName())
                .redirectError(dir.resolve("netty-target.err").toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("PORT ")) {
            p.destroyForcibly();
            throw new IllegalStateException("fallback target did not start: " + line);
        }
        String[] ports = line.substring(5).trim().split(" ");
        return new NettyTarget(p, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]));
    }

    public static void main(String[] args) throws IOException {
        byte[] small = TargetFiles.json(TargetFiles.SMALL_SIZE);
        byte[] large = TargetFiles.json(TargetFiles.LARGE_SIZE);
        byte[] slept = "{\"slept\":100}\n".getBytes(StandardCharsets.US_ASCII);
        byte[] notSlept = "{\"slept\":0}\n".getBytes(StandardCharsets.US_ASCII);
        byte[] unavailable = "{\"error\":\"unavailable\"}".getBytes(StandardCharsets.US_ASCII);
        HttpServer base = HttpServer.create().host("127.0.0.1").port(0)
                .route(r -> r
                        .get("/1k.json", (req, res) -> json(res, small))
                        .get("/100k.json", (req, res) -> json(res, large))
                        .get("/delay", (req, res) -> Mono.delay(Duration.ofMillis(100)).then(json(res, slept).then()))
                        .get("/nodelay", (req, res) -> json(res, notSlept)) // S2's warm-up: /delay without the sleep
                        .get("/flaky", (req, res) -> ThreadLocalRandom.current().nextInt(10) == 0
                                ? json(res.status(HttpResponseStatus.SERVICE_UNAVAILABLE), unavailable)
                                : json(res, small)));
        DisposableServer server = base.bindNow();
        DisposableServer h2c = base.protocol(HttpProtocol.H2C).bindNow(); // H2C alone: prior knowledge only
        System.out.println("PORT " + server.port() + " " + h2c.port());
        System.out.flush();
        System.in.read(); // runs until the harness closes our stdin or stops us
        h2c.disposeNow();
        server.disposeNow();
    }

    private static reactor.netty.NettyOutbound json(reactor.netty.http.server.HttpServerResponse res, byte[] body) {
        return res.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(body.length))
                .sendByteArray(Mono.just(body));
    }

    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public String h2cBaseUrl() {
        return "http://127.0.0.1:" + h2cPort;
    }

    @Override
    public String description() {
        return "Reactor Netty server in its own JVM (fallback: nginx absent)";
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
