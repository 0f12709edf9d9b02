package dev.fanout.internal;

import dev.fanout.FetchRequest;
import dev.fanout.RetryPolicy;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ObjIntConsumer;

/**
 * The retry stage without the network: one request whose first attempt fails with a retried 503 and
 * whose second succeeds, the backoff run at once by a timer that does not wait (so what is measured is
 * the machinery: the decision, the wait's bookkeeping, the second subscription). {@code retrying} is
 * what the pipeline does since the eleventh session ({@link Retrying}); {@code retryWhenChain} the
 * {@code onErrorResume} + {@code retryWhen(Retry.from(concatMap(delay.or(closing))))} it did before,
 * with the same decisions (and a closing signal with no other subscriber, so its array copies are the
 * smallest they can be). In core's package because the stage is package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RetryBench {

    /** Runs every task at once, whatever its delay. */
    private static final Scheduler AT_ONCE = new Scheduler() {
        @Override
        public Disposable schedule(Runnable task) {
            task.run();
            return Disposables.disposed();
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            return schedule(task);
        }

        @Override
        public Worker createWorker() {
            throw new UnsupportedOperationException("tasks only");
        }
    };

    private static final ObjIntConsumer<Throwable> NO_LISTENER = (error, attempt) -> { };

    private final RetryStage stage = new RetryStage(new RetryBudget(0.2, 1e12, System::nanoTime), () -> AT_ONCE,
            () -> false);
    private final RetryPolicy policy = RetryPolicy.defaults();
    private final ValidatedRequest request = new ValidatedRequest(FetchRequest.get("http://127.0.0.1:1/x"),
            HttpMethod.GET, URI.create("http://127.0.0.1:1/x"), "http://127.0.0.1:1/x", null, null, null);
    private final StatusFailure unavailable = new StatusFailure(new ExchangeResponse(503, EmptyHttpHeaders.INSTANCE,
            new byte[0]));
    private final Mono<Long> closing = Sinks.empty().asMono().then(Mono.never());
    private int calls;

    /** Succeeds, as a source the stage cannot see through (as the pipeline's attempt). */
    private final Mono<Integer> succeeds = Mono.just(1).hide();

    /** Fails every other subscription with the 503, succeeds in between. */
    private final Mono<Integer> failsThenSucceeds = Mono.defer(() -> (calls++ & 1) == 0
            ? Mono.error(unavailable) : Mono.just(1));

    @Benchmark
    public Integer retrying() {
        return stage.withRetries(failsThenSucceeds, request, policy, null, NO_LISTENER).block();
    }

    @Benchmark
    public Integer retryWhenChain() {
        return retryWhenChain(failsThenSucceeds).block();
    }

    /** The chain the pipeline used before {@link Retrying}, with the same decisions. */
    private Mono<Integer> retryWhenChain(Mono<Integer> attempt) {
        return attempt.onErrorResume(first -> {
            AtomicBoolean replayed = new AtomicBoolean();
            return Mono.defer(() -> replayed.getAndSet(true) ? attempt : Mono.<Integer>error(first))
                    .retryWhen(Retry.from(signals -> signals.concatMap(signal -> {
                        Throwable error = signal.failure();
                        Duration delay = stage.delayBeforeRetry(request, policy, error,
                                (int) signal.totalRetries() + 1);
                        if (delay == null) {
                            return Mono.error(error);
                        }
                        NO_LISTENER.accept(error, (int) signal.totalRetries() + 2);
                        return Mono.delay(delay, AT_ONCE).or(closing);
                    })));
        });
    }

    /** A first attempt that succeeds, through {@link Retrying}: what every request pays for the stage. */
    @Benchmark
    public Integer firstAttemptSucceeds() {
        return stage.withRetries(succeeds, request, policy, null, NO_LISTENER).block();
    }

    /** The same through the chain before it (its {@code onErrorResume} is all a success meets). */
    @Benchmark
    public Integer firstAttemptSucceedsRetryWhenChain() {
        return retryWhenChain(succeeds).block();
    }

    /** The same attempt with no retry stage: the floor. */
    @Benchmark
    public Integer noRetryStage() {
        return succeeds.block();
    }
}
