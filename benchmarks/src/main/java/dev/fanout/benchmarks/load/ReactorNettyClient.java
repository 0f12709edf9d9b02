package dev.fanout.benchmarks.load;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import java.time.Duration;

/**
 * Raw Reactor Netty, the engine under Fanout: the same pool size, the same event-loop count and
 * the same {@code flatMap} concurrency, the body aggregated as {@code byte[]}. Fanout's overhead
 * is the difference.
 */
final class ReactorNettyClient implements LoadClient {

    private static final byte[] EMPTY = new byte[0];

    private final ConnectionProvider provider;
    private final LoopResources loops;
    private final HttpClient client;
    private final int concurrency;

    ReactorNettyClient(int concurrency) {
        this.concurrency = concurrency;
        this.provider = ConnectionProvider.builder("raw").maxConnections(concurrency).pendingAcquireMaxCount(-1).build();
        this.loops = LoopResources.create("raw", LoopResources.DEFAULT_IO_WORKER_COUNT, true);
        this.client = HttpClient.create(provider).runOn(loops, false);
    }

    @Override
    public void run(String url, int n, Check check, Tally tally) {
        Flux.range(0, n)
                .flatMap(i -> client.get().uri(url)
                        .responseSingle((res, body) -> body.asByteArray().defaultIfEmpty(EMPTY).map(bytes -> {
                            int status = res.status().code();
                            tally.response(status, check.ok(status, bytes));
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
