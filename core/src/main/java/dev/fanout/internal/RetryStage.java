package dev.fanout.internal;

import dev.fanout.FetchException.Kind;
import dev.fanout.RetryPolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;

/**
 * Decides, after each failed attempt, whether and when to send the request again: the policy's kinds,
 * statuses and methods, its backoff or the server's {@code Retry-After}, and the retry budget.
 * {@link #withRetries} applies it ({@link Retrying}); when no retry follows, the last error itself is
 * signalled, so the result reports it. Reactor's {@code Retry.backoff(...)} cannot take its delay from the
 * error, and a {@code Retry-After} header must replace the computed backoff.
 */
final class RetryStage {

    private final RetryBudget budget;
    private final Supplier<Scheduler> timer;
    private final Supplier<Scheduler> backoff;
    private final BooleanSupplier closed;

    /**
     * Backoffs in progress, for {@link #closeWaits}: a concurrent set, O(1) to enter and leave (a
     * subscription per wait to a {@code Sinks.empty()} would copy its array of subscribers each time).
     */
    private final Set<Retrying.Attempts<?>> waits = ConcurrentHashMap.newKeySet();

    RetryStage(RetryBudget budget, Supplier<Scheduler> timer, BooleanSupplier closed) {
        this(budget, timer, timer, closed);
    }

    /**
     * @param timer   the clock {@code Retry-After} dates are read against
     * @param backoff where each backoff waits, asked on the thread that saw the failure
     * @param closed  whether the client has closed: no retry follows, and {@link #closeWaits} ends the waits
     */
    RetryStage(RetryBudget budget, Supplier<Scheduler> timer, Supplier<Scheduler> backoff, BooleanSupplier closed) {
        this.budget = budget;
        this.timer = timer;
        this.backoff = backoff;
        this.closed = closed;
    }

    /** Counts a first attempt towards the budget's deposits. */
    void firstAttempt() {
        budget.onFirstAttempt();
    }

    /**
     * {@code attempt}, sent again after each failure this stage retries ({@link Retrying}); {@code onRetry}
     * is told the number of the attempt about to be scheduled (2 for the first retry) and the error that
     * caused it. Each backoff lends {@code slot} (null: none) to the call's next input until it ends.
     */
    <T> Mono<T> withRetries(Mono<T> attempt, ValidatedRequest request, RetryPolicy policy, CallSlots.Slot slot,
                            ObjIntConsumer<Throwable> onRetry) {
        return Retrying.of(attempt, this, request, policy, slot, onRetry);
    }

    /** Ends every backoff in progress (and every wait for a slot after one) at once: the client has closed. */
    void closeWaits() {
        for (Retrying.Attempts<?> wait : waits) {
            wait.closed();
        }
    }

    /** Backoffs in progress (for tests). */
    int waitsInProgress() {
        return waits.size();
    }

    boolean closed() {
        return closed.getAsBoolean();
    }

    Scheduler backoffScheduler() {
        return backoff.get();
    }

    void waitStarted(Retrying.Attempts<?> wait) {
        waits.add(wait);
    }

    void waitEnded(Retrying.Attempts<?> wait) {
        waits.remove(wait);
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
        return RetryAfter.parse(failure.headers().get(HttpHeaderNames.RETRY_AFTER), timer);
    }
}
