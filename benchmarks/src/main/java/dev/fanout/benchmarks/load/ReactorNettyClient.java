package dev.fanout.benchmarks.load;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.Http2AllocationStrategy;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

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
 *
 * <p>{@code reactor-netty-retry} (for S5) is {@code reactor-netty-cores} with the retries a user
 * would write by hand for Fanout's default policy: a 503 is retried up to 3 attempts in all, after a
 * full-jitter backoff of up to 100 ms doubling ({@code Mono.delay} on Reactor's parallel scheduler);
 * an input still at 503 after that counts as that response.
 */
final class ReactorNettyClient implements LoadClient {

    private static final byte[] EMPTY = new byte[0];

    private final ConnectionProvider provider;
    private final LoopResources loops;
    private final HttpClient client;
    private final int concurrency;
    private final boolean h2c;
    private final boolean retry503;

    /** What S5's results say about this client's retries. */
    static final String RETRIES = "retries by hand: 503 only, 3 attempts, full jitter below 100 ms x 2^n, no budget";

    /** A 503 on its way to {@code retryWhen}. */
    private static final class Unavailable extends RuntimeException {
        final byte[] body;

        Unavailable(byte[] body) {
            super("503", null, false, false);
            this.body = body;
        }
    }

    /** Up to 3 attempts in all; before retry n (1, 2), a random wait below 100 ms * 2^(n-1). */
    private static final Retry FULL_JITTER_503 = Retry.from(signals -> signals.concatMap(s ->
            !(s.failure() instanceof Unavailable) || s.totalRetries() >= 2 ? Mono.error(s.failure())
                    : Mono.delay(Duration.ofMillis(ThreadLocalRandom.current().nextLong(100L << s.totalRetries())))));

    /** Which protocol, and for HTTP/2 which pool. */
    enum Mode { HTTP11, H2C, H2C_MUX }

    ReactorNettyClient(int concurrency, Mode mode) {
        this(concurrency, mode, LoopResources.DEFAULT_IO_WORKER_COUNT);
    }

    /** @param loopCount event loops: Reactor Netty's default {@code max(cores, 4)}, or the cores as Fanout sizes them */
    ReactorNettyClient(int concurrency, Mode mode, int loopCount) {
        this(concurrency, mode, loopCount, false);
    }

    /** @param retry503 retry 503s as Fanout's default policy does (see the class comment) */
    ReactorNettyClient(int concurrency, Mode mode, int loopCount, boolean retry503) {
        this.retry503 = retry503;
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
                .flatMap(i -> attempt(url, check, tally)
                        .onErrorResume(e -> {
                            tally.error(e.getClass().getSimpleName());
                            return Mono.empty();
                        }), concurrency)
                .blockLast();
    }

    private Mono<Integer> attempt(String url, Check check, Tally tally) {
        Mono<Integer> once = client.get().uri(url)
                .responseSingle((res, body) -> body.asByteArray().defaultIfEmpty(EMPTY).flatMap(bytes -> {
                    int status = res.status().code();
                    if (retry503 && status == 503) {
                        return Mono.error(new Unavailable(bytes));
                    }
                    boolean protocolOk = !h2c || res.version().majorVersion() == 2;
                    tally.response(status, protocolOk && check.ok(status, bytes));
                    return Mono.just(status);
                }));
        if (!retry503) {
            return once;
        }
        return once.retryWhen(FULL_JITTER_503).onErrorResume(Unavailable.class, last -> {
            tally.response(503, check.ok(503, last.body));
            return Mono.just(503);
        });
    }

    @Override
    public void close() {
        provider.disposeLater().then(loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)))
                .block(Duration.ofSeconds(10));
    }
}
