package dev.fanout.benchmarks.load;

import io.netty.channel.ChannelOption;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.Set;

/**
 * Raw Reactor Netty with Fanout's settings switched on one at a time, to find where Fanout's
 * overhead over its engine comes from. The client name lists the switches after {@code probe}, joined
 * by {@code +}: {@code rt} (responseTimeout 10 s), {@code gzip} (compress), {@code redirect}
 * (followRedirect), {@code client} (all three plus connect timeout and User-Agent), {@code pool}
 * (Fanout's idle, life and eviction settings), {@code pending} (a bounded pending-acquire queue),
 * {@code timeout} (a whole-request {@code Mono.timeout(30 s)}), {@code prefetch1} (inner prefetch 1),
 * {@code loopsN} (N event loops instead of Reactor Netty's default) and {@code pooled} (Netty's pooled
 * allocator).
 * Example: {@code --scenarios S1 --clients reactor-netty,probe+rt,probe+timeout}.
 */
final class ProbeClient implements LoadClient {
    private static final byte[] EMPTY = new byte[0];
    private final ConnectionProvider provider;
    private final LoopResources loops;
    private final HttpClient client;
    private final int concurrency;
    private final Set<String> on;

    ProbeClient(int concurrency, String name) {
        this.concurrency = concurrency;
        this.on = Set.of(name.split("\\+"));
        ConnectionProvider.Builder b = ConnectionProvider.builder("probe").maxConnections(concurrency)
                .pendingAcquireMaxCount(on.contains("pending") ? concurrency : -1);
        if (on.contains("pool")) {
            b.pendingAcquireTimeout(Duration.ofHours(24)).maxIdleTime(Duration.ofSeconds(4))
                    .maxLifeTime(Duration.ofMinutes(5)).evictInBackground(Duration.ofSeconds(10));
        }
        this.provider = b.build();
        int loopCount = on.stream().filter(o -> o.startsWith("loops")).findFirst()
                .map(o -> Integer.parseInt(o.substring(5))).orElse(LoopResources.DEFAULT_IO_WORKER_COUNT);
        this.loops = LoopResources.create("probe", loopCount, true);
        HttpClient c = HttpClient.create(provider).runOn(loops, false);
        if (on.contains("pooled")) {
            c = c.option(ChannelOption.ALLOCATOR, io.netty.buffer.PooledByteBufAllocator.DEFAULT);
        }
        if (on.contains("client")) {
            c = c.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000).responseTimeout(Duration.ofSeconds(10))
                    .compress(true).followRedirect(true).headers(h -> h.set("User-Agent", "fanout/0.1"));
        }
        if (on.contains("rt")) {
            c = c.responseTimeout(Duration.ofSeconds(10));
        }
        if (on.contains("gzip")) {
            c = c.compress(true);
        }
        if (on.contains("redirect")) {
            c = c.followRedirect(true);
        }
        this.client = c;
    }

    @Override
    public void run(String url, int n, Check check, Tally tally) {
        Flux.range(0, n)
                .flatMap(i -> {
                    Mono<Integer> m = client.get().uri(url)
                            .responseSingle((res, body) -> body.asByteArray().defaultIfEmpty(EMPTY).map(bytes -> {
                                int status = res.status().code();
                                tally.response(status, check.ok(status, bytes));
                                return status;
                            }));
                    if (on.contains("timeout")) {
                        m = m.name("x").timeout(Duration.ofSeconds(30));
                    }
                    return m.onErrorResume(e -> {
                        tally.error(e.getClass().getSimpleName());
                        return Mono.empty();
                    });
                }, concurrency, on.contains("prefetch1") ? 1 : 32)
                .blockLast();
    }

    @Override
    public void close() {
        provider.disposeLater().then(loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2))).block(Duration.ofSeconds(10));
    }
}
