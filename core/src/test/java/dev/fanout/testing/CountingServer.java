package dev.fanout.testing;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP server that counts the TCP connections it accepts, to prove that a refused request
 * never reached it. Every path answers 200 with the address it is bound to.
 */
public final class CountingServer implements AutoCloseable {

    private final AtomicInteger connections = new AtomicInteger();
    private final DisposableServer server;
    private final String host;

    public CountingServer(String host, int port) {
        this.host = host;
        this.server = HttpServer.create().host(host).port(port)
                .doOnConnection(c -> connections.incrementAndGet())
                .handle((req, res) -> res.sendString(Mono.just("hello from " + host)))
                .bindNow(Duration.ofSeconds(10));
    }

    public CountingServer() {
        this("127.0.0.1", 0);
    }

    public int port() {
        return server.port();
    }

    public int connections() {
        return connections.get();
    }

    public String url(String path) {
        return "http://" + host + ":" + port() + path;
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
