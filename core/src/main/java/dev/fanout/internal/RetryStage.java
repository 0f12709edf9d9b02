package dev.fanout.internal;

import dev.fanout.FetchException.Kind;
import dev.fanout.RetryPolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Decides, after each failed attempt, whether and when to send the request again, as a Reactor
 * {@link Retry} for {@code retryWhen}. Built on {@link Retry#from} rather than
 * {@code Retry.backoff(...)}: {@code RetryBackoffSpec} cannot take its delay from the error, and a
 * {@code Retry-After} header must replace the computed backoff. When no retry follows, the last
 * error itself is signalled (not a {@code RetryExhaustedException}), so the result reports it.
 */
final class RetryStage {

    private final RetryBudget budget;
    private final Supplier<Scheduler> timer;
    private final Supplier<Scheduler> backoff;
    private final BooleanSupplier closed;

    /** Fails with the client's close (it never emits a value): a wait raced against it ends at once. */
    private final Mono<Long> closing;

    RetryStage(RetryBudget budget, Supplier<Scheduler> timer, BooleanSupplier closed) {
        this(budget, timer, timer, closed, Mono.never());
    }

    /**
     * @param timer   the clock {@code Retry-After} dates are read against
     * @param backoff where each backoff waits, asked on the thread that saw the failure
     * @param closing errors when the client closes: a backoff in progress then ends at once
     */
    RetryStage(RetryBudget budget, Supplier<Scheduler> timer, Supplier<Scheduler> backoff, BooleanSupplier closed,
               Mono<Void> closing) {
        this.budget = budget;
        this.timer = timer;
        this.backoff = backoff;
        this.closed = closed;
        this.closing = closing.then(Mono.never());
    }

    /** Counts a first attempt towards the budget's deposits. */
    void firstAttempt() {
        budget.onFirstAttempt();
    }

    /**
     * {@code attempt} with {@code retryWhen(retry)} applied only once it has failed. Nearly every request
     * succeeds at the first attempt, and {@code retryWhen} pays at every subscription for a companion it
     * then never uses (a sink, the retry function's {@code concatMap} with its queue, their
     * subscriptions); here the success path pays for one {@code onErrorResume}. On the first failure the
     * error is replayed to {@code retryWhen} as its first signal, and each retry it asks for subscribes
     * {@code attempt} again, so the decisions and their numbering are exactly those of
     * {@code attempt.retryWhen(retry)}.
     */
    static <T> Mono<T> onFailure(Mono<T> attempt, Supplier<Retry> retry) {
        return attempt.onErrorResume(first -> {
            AtomicBoolean replayed = new AtomicBoolean();
            return Mono.defer(() -> replayed.getAndSet(true) ? attempt : Mono.<T>error(first)).retryWhen(retry.get());
        });
    }

    /** The {@code Retry} for one request under {@code policy}. */
    Retry retry(ValidatedRequest request, RetryPolicy policy) {
        return retry(request, policy, null, (error, attempt) -> { });
    }

    /**
     * The {@code Retry} for one request under {@code policy}; {@code onRetry} is told the number of
     * the attempt about to be scheduled (2 for the first retry) and the error that caused it. Each
     * backoff lends {@code slot} (null: none) to the call's next input until it ends.
     */
    Retry retry(ValidatedRequest request, RetryPolicy policy, CallSlots.Slot slot,
                java.util.function.ObjIntConsumer<Throwable> onRetry) {
        return Retry.from(signals -> signals.concatMap(signal -> {
            Throwable error = signal.failure();
            Duration delay = delayBeforeRetry(request, policy, error, (int) signal.totalRetries() + 1);
            if (delay == null) {
                return Mono.error(error);
            }
            onRetry.accept(error, (int) signal.totalRetries() + 2);
            if (delay.isZero()) {
                return Mono.just(0L);
            }
            Mono<Long> wait = Mono.delay(delay, backoff.get());
            // close ends the wait, and the wait for the slot back after it, at once (as CANCELLED)
            return (slot == null ? wait : slot.lendDuring(wait)).or(closing);
        }));
    }

    /** The wait before retry number {@code retry} (1 = the first), or null for no retry. */
    Duration delayBeforeRetry(ValidatedRequest request, RetryPolicy policy, Throwable error, int retry) {
        if (retry >= policy.maxAttempts() || closed.getAsBoolean() || error instanceof CircuitOpen) {
            return null;
        }
        Kind kind = Pipeline.kindOf(error);
        boolean wanted = error instanceof StatusFailure sf ? policy.retriesStatus(sf.status())
                : policy.retries(kind)
                // a DNS lookup that timed out is transient, like a connect timeout; NXDOMAIN is an answer
                || kind == Kind.DNS && policy.retries(Kind.CONNECT_TIMEOUT) && ErrorClassifier.isDnsTimeout(error);
        // an HTTP/2 stream the server refused (REFUSED_STREAM) or left above a GOAWAY never ran: safe to send again, any method
        boolean safe = policy.mayResend(request.request(), kind) || ErrorClassifier.neverProcessed(error);
        if (!wanted || !safe) {
            return null;
        }
        Duration delay;
        Duration retryAfter = error instanceof StatusFailure sf ? retryAfter(sf) : null;
        if (retryAfter != null) {
            if (retryAfter.compareTo(policy.maxRetryAfter()) > 0) {
                return null; // the server asks for longer than the caller will wait: fail now with the status
            }
            delay = retryAfter;
        } else {
            delay = policy.backoff(retry);
        }
        return budget.tryRetry() ? delay : null;
    }

    private Duration retryAfter(StatusFailure failure) {
        if (failure.status() != 429 && failure.status() != 503) {
            return null;
        }
        Instant now = Instant.ofEpochMilli(timer.get().now(TimeUnit.MILLISECONDS));
        return RetryAfter.parse(failure.headers().get(HttpHeaderNames.RETRY_AFTER), now);
    }
}
