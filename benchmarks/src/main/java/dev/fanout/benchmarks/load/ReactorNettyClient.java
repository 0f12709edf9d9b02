package dev.fanout.benchmarks.load;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.Http2AllocationStrategy;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import java.time.Duration;

/**
 * Raw Reactor Netty, the engine under Fanout: the same pool size and the same {@code flatMap}
 * concurrency, the body aggregated as {@code byte[]}. {@code reactor-netty} runs on Reactor Netty's
 * default event-loop count ({@code max(cores, 4)}, what {@code HttpClient.create()} gives a user);
 * {@code reactor-netty-cores} on one loop per core, as Fanout sizes its own: against it the
 * difference is Fanout's overhead alone.
 *
 * <p>{@link Mode#H2C} speaks cleartext HTTP/2 with prior knowledge ({@code protocol(H2C)}) with the
 * pool Fanout builds for HTTP/2: an {@code Http2AllocationStrategy} of at most {@code concurrency}
 * connections with {@code strictConnectionReuse}, so a new connection opens only when the open ones
 * are at the server's stream limit (nginx: 128, so 2 or 3 connections at 256). Without that strategy
 * Reactor Netty's HTTP/2 pool opens a connection for about every request of a burst (256 at 256),
 * which is what this mode and Fanout both did before. {@link Mode#H2C_MUX} bounds the pool to exactly
 * as few connections as the server's stream limit allows ({@code ceil(concurrency / 128)}, nginx's
 * {@code http2_max_concurrent_streams}), without strict reuse: what a Reactor Netty user who knows the
 * server would write. Either h2c mode passes a response only if it came over HTTP/2.
 */
final class ReactorNettyClient implements LoadClient {

    private static final byte[] EMPTY = new byte[0];

    private final ConnectionProvider provider;
    private final LoopResources loops;
    private final HttpClient client;
    private final int concurrency;
    private final boolean h2c;

    /** Which protocol, and for HTTP/2 which pool. */
    enum Mode { HTTP11, H2C, H2C_MUX }

    ReactorNettyClient(int concurrency, Mode mode) {
        this(concurrency, mode, LoopResources.DEFAULT_IO_WORKER_COUNT);
    }

    /** @param loopCount event loops: Reactor Netty's default {@code max(cores, 4)}, or the cores as Fanout sizes them */
    ReactorNettyClient(int concurrency, Mode mode, int loopCount) {
        this.concurrency = concurrency;
        this.h2c = mode != Mode.HTTP11;
        ConnectionProvider.Builder pool = ConnectionProvider.builder("raw").maxConnections(concurrency)
                .pendingAcquireMaxCount(-1);
        if (mode == Mode.H2C) {
            pool.allocationStrategy(Http2AllocationStrategy.builder()
                    .maxConnections(concurrency)
                    .strictConnectionReuse(true)
                    .build());
        } else if (mode == Mode.H2C_MUX) {
            int streams = NginxTarget.H2_MAX_CONCURRENT_STREAMS;
            pool.allocationStrategy(Http2AllocationStrategy.builder()
                    .maxConnections((concurrency + streams - 1) / streams)
                    .maxConcurrentStreams(streams)
                    .build());
        }
        this.provider = pool.build();
        this.loops = LoopResources.create("raw", loopCount, true);
        this.client = HttpClient.create(provider).protocol(h2c ? HttpProtocol.H2C : HttpProtocol.HTTP11)
                .runOn(loops, false);
    }

    @Override
    public void run(String url, int n, Check check, Tally tally) {
        Flux.range(0, n)
                .flatMap(i -> client.get().uri(url)
                        .responseSingle((res, body) -> body.asByteArray().defaultIfEmpty(EMPTY).map(bytes -> {
                            int status = res.status().code();
                            boolean protocolOk = !h2c || res.version().majorVersion() == 2;
                            tally.response(status, protocolOk && check.ok(status, bytes));
                            return status;
                        }))
                        .onErrorResume(e -> {
                            tally.error(e.getClass().getSimpleName());
                            return Mono.empty();
                        }), concurrency)
                .blockLast();
    }

    @Override
    public void close() {
        provider.disposeLater().then(loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)))
                .block(Duration.ofSeconds(10));
    }
}
