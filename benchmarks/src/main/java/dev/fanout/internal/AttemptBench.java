package dev.fanout.internal;

import dev.fanout.FetchException.Kind;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

import java.util.concurrent.TimeUnit;

/**
 * One attempt's wrapper without the network: a request's attempt built and subscribed once, over an
 * exchange that answers at once (a {@code Mono.just(...).hide()}, which no operator can see through),
 * its status checked and a rejected one recorded. {@code checkedAttempt*} is what the pipeline does since
 * the twelfth session ({@link CheckedAttempt}, one per request); {@code deferFlatMap*} the
 * {@code Mono.defer(...).flatMap(check).doOnError(record)} it did before, with lambdas capturing what
 * they need (fewer fields than the pipeline's, as {@code BenchAttempt} has fewer than its
 * {@code RequestAttempt}: both sides a little lighter than the pipeline). {@code exchangeOnly} is the exchange alone: the wrappers' share is the difference.
 * {@code *Passes} is a 200, {@code *Rejects} a 503 the policy retries (one {@link StatusFailure} each).
 * In core's package because the operator is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AttemptBench {

    private final Mono<ExchangeResponse> ok = Mono.just(new ExchangeResponse(200, EmptyHttpHeaders.INSTANCE,
            new byte[0])).hide();
    private final Mono<ExchangeResponse> unavailable = Mono.just(new ExchangeResponse(503,
            EmptyHttpHeaders.INSTANCE, new byte[0])).hide();
    private final Last sink = new Last();
    private final String host = "http://127.0.0.1:1";
    private long sentAtClock;
    /** What the checks and records read, kept so that the JIT cannot drop the reading. */
    private long read;

    /** Records the outcome; reused, one subscription at a time (everything here is synchronous). */
    static final class Last implements CoreSubscriber<Object> {
        Object outcome;

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(Object value) {
            outcome = value;
        }

        @Override
        public void onError(Throwable error) {
            outcome = error;
        }

        @Override
        public void onComplete() {
        }
    }

    /** The pipeline's check, as both wrappers call it: reads the host and sentAt; a 503 retried, anything else passed. */
    private Throwable check(ExchangeResponse response, String host, long sentAt) {
        read += sentAt + host.length();
        return response.status() == 503 ? new StatusFailure(response) : null;
    }

    private void failed(Throwable error, String host, AttemptLog log) {
        log.failed(Kind.HTTP_STATUS);
        read += host.length();
    }

    /** The pipeline's per-request object since the twelfth session. */
    private final class BenchAttempt implements CheckedAttempt.Attempt<ExchangeResponse> {
        private final Mono<ExchangeResponse> exchange;
        private final String host;
        private final AttemptLog log;
        private long sentAt;

        BenchAttempt(Mono<ExchangeResponse> exchange, String host, AttemptLog log) {
            this.exchange = exchange;
            this.host = host;
            this.log = log;
        }

        @Override
        public Mono<ExchangeResponse> start() {
            log.started();
            sentAt = ++sentAtClock;
            return exchange;
        }

        @Override
        public Throwable check(ExchangeResponse response) {
            return AttemptBench.this.check(response, host, sentAt);
        }

        @Override
        public void failed(Throwable error) {
            AttemptBench.this.failed(error, host, log);
        }
    }

    private Object checkedAttempt(Mono<ExchangeResponse> exchange) {
        CheckedAttempt.of(new BenchAttempt(exchange, host, new AttemptLog())).subscribe(sink);
        return sink.outcome;
    }

    private Object deferFlatMap(Mono<ExchangeResponse> exchange) {
        String host = this.host;
        AttemptLog log = new AttemptLog();
        Mono.defer(() -> {
            log.started();
            long sentAt = ++sentAtClock;
            return exchange.flatMap(response -> {
                Throwable failure = check(response, host, sentAt);
                return failure == null ? Mono.just(response) : Mono.<ExchangeResponse>error(failure);
            });
        }).doOnError(error -> failed(error, host, log)).subscribe(sink);
        return sink.outcome;
    }

    @Benchmark
    public Object exchangeOnly() {
        ok.subscribe(sink);
        return sink.outcome;
    }

    @Benchmark
    public Object checkedAttemptPasses() {
        return checkedAttempt(ok);
    }

    @Benchmark
    public Object deferFlatMapPasses() {
        return deferFlatMap(ok);
    }

    @Benchmark
    public Object checkedAttemptRejects() {
        return checkedAttempt(unavailable);
    }

    @Benchmark
    public Object deferFlatMapRejects() {
        return deferFlatMap(unavailable);
    }
}
