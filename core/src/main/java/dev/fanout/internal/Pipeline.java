package dev.fanout.internal;

import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.concurrent.CancellationException;

/**
 * Wires the stages, top to bottom, for one request. Every path ends in exactly one
 * {@link FetchResult}; nothing here ever signals an error.
 *
 * <pre>
 * validate  -> INVALID_REQUEST result, nothing sent
 * admit     -> a client-wide connection permit (ConnectionPermits)      \
 * exchange  -> Reactor Netty on the shared pool (NettyExchange)         | request timeout covers all three
 * collect   -> size-limited body (BodyBuffer)                           /
 * classify  -> status policy, or Throwable -> FetchException (ErrorClassifier)
 * </pre>
 */
public final class Pipeline {

    private static final String REQUEST_NAME = "fanout.request";

    private final Settings settings;
    private final RequestValidator validator;
    private final ConnectionPermits permits;
    private final NettyExchange exchange;
    private volatile boolean closed;

    public Pipeline(Settings settings) {
        this.settings = settings;
        this.validator = new RequestValidator(settings.objectMapper());
        this.permits = new ConnectionPermits(settings.maxConnections());
        this.exchange = new NettyExchange(settings);
    }

    /** One request to one result. Lazy: nothing happens until subscription. */
    public Mono<FetchResult> execute(long index, FetchRequest request) {
        return Mono.defer(() -> run(index, request, System.nanoTime()));
    }

    private Mono<FetchResult> run(long index, FetchRequest request, long start) {
        if (closed) {
            return Mono.just(cancelled(index, request, start, 0));
        }
        ValidatedRequest validated;
        try {
            validated = validator.validate(request);
        } catch (FetchException invalid) {
            return Mono.just(FetchResult.failure(index, request, invalid, 0, null, null, since(start), 0,
                    settings.objectMapper()));
        }
        Duration requestTimeout = request.timeout() != null ? request.timeout() : settings.requestTimeout();
        return permits.withPermit(exchange.exchange(validated))
                // Named so that Mono.timeout does not walk the whole operator chain and build its
                // step names into a description at every subscription (about 6 % of the CPU per
                // request in the S1 benchmark; the description is never shown: we classify by type).
                .name(REQUEST_NAME)
                .timeout(requestTimeout)
                .map(response -> toResult(index, validated, response, start))
                .onErrorResume(error -> Mono.just(toFailure(index, validated, error, start, requestTimeout)))
                .switchIfEmpty(Mono.fromSupplier(() -> toFailure(index, validated,
                        new IllegalStateException("the exchange completed without a response"), start,
                        requestTimeout)));
    }

    private FetchResult toResult(long index, ValidatedRequest v, ExchangeResponse response, long start) {
        if (settings.acceptStatus().test(response.status())) {
            return FetchResult.success(index, v.request(), response.status(), response.headers(), response.body(),
                    since(start), 1, settings.objectMapper());
        }
        FetchException error = new FetchException(Kind.HTTP_STATUS, v.request().method(), v.safeUrl(),
                response.status(), "status " + response.status(), null);
        return FetchResult.failure(index, v.request(), error, response.status(), response.headers(), response.body(),
                since(start), 1, settings.objectMapper());
    }

    private FetchResult toFailure(long index, ValidatedRequest v, Throwable error, long start,
                                  Duration requestTimeout) {
        String method = v.request().method();
        if (closed) {
            return cancelled(index, v.request(), start, 1);
        }
        if (error instanceof ResponseFailure rf) {
            FetchException fe = new FetchException(rf.kind, method, v.safeUrl(), rf.status, rf.getMessage(), null);
            return FetchResult.failure(index, v.request(), fe, rf.status, rf.headers, null, since(start), 1,
                    settings.objectMapper());
        }
        Duration responseTimeout = v.request().responseTimeout() != null ? v.request().responseTimeout()
                : settings.responseTimeout();
        Duration connectTimeout = v.request().connectTimeout() != null ? v.request().connectTimeout()
                : settings.connectTimeout();
        FetchException fe = ErrorClassifier.classify(error, method, v.safeUrl(), connectTimeout, responseTimeout,
                requestTimeout);
        return FetchResult.failure(index, v.request(), fe, 0, null, null, since(start), 1, settings.objectMapper());
    }

    private FetchResult cancelled(long index, FetchRequest request, long start, int attempts) {
        FetchException error = new FetchException(Kind.CANCELLED, request.method(), Redaction.url(request.url()), 0,
                "the client was closed", null);
        return FetchResult.failure(index, request, error, 0, null, null, since(start), attempts,
                settings.objectMapper());
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Connections and permits, for {@code FetchClient.poolStats()}: {acquired, idle, pending, allocated, permitsInUse, permitWaiters}. */
    public int[] stats() {
        int[] pool = exchange.poolTotals();
        return new int[] {pool[0], pool[1], pool[2], pool[3], permits.inUse(), permits.waiting()};
    }

    /** Ends everything in flight with CANCELLED results and releases the pool and event loops. */
    public Mono<Void> close() {
        closed = true;
        permits.close(new CancellationException("client closed"));
        return exchange.dispose();
    }
}
