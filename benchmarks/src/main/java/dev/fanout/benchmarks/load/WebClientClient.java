package dev.fanout.benchmarks.load;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import java.time.Duration;

/** Spring {@code WebClient} on Reactor Netty, with the same pool, loops and {@code flatMap} concurrency as the raw client. */
final class WebClientClient implements LoadClient {

    private static final byte[] EMPTY = new byte[0];

    private final ConnectionProvider provider;
    private final LoopResources loops;
    private final WebClient client;
    private final int concurrency;

    WebClientClient(int concurrency) {
        this.concurrency = concurrency;
        this.provider = ConnectionProvider.builder("webclient").maxConnections(concurrency).pendingAcquireMaxCount(-1)
                .build();
        this.loops = LoopResources.create("webclient", LoopResources.DEFAULT_IO_WORKER_COUNT, true);
        this.client = WebClient.builder()
                .clientConnector(new ReactorClientHttpConnector(HttpClient.create(provider).runOn(loops, false)))
                .build();
    }

    @Override
    public void run(String url, int n, Check check, Tally tally) {
        Flux.range(0, n)
                .flatMap(i -> client.get().uri(url)
                        .exchangeToMono(res -> res.bodyToMono(byte[].class).defaultIfEmpty(EMPTY).map(bytes -> {
                            int status = res.statusCode().value();
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
