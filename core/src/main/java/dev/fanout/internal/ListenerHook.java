package dev.fanout.internal;

import dev.fanout.FetchException;
import dev.fanout.FetchListener;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import reactor.core.publisher.Mono;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tells the client's {@link FetchListener} about one request: start, then exactly one of result or
 * cancel. A listener's exception is swallowed here, so it never reaches the pipeline.
 */
final class ListenerHook {

    private final FetchListener listener;

    ListenerHook(FetchListener listener) {
        this.listener = listener;
    }

    /** Whether anyone listens (a client without a listener skips building its callbacks). */
    boolean active() {
        return listener != FetchListener.NONE;
    }

    Mono<FetchResult> observe(long index, FetchRequest request, Mono<FetchResult> run) {
        if (listener == FetchListener.NONE) {
            return run;
        }
        return Mono.defer(() -> {
            safely(() -> listener.onStart(request, index));
            // result and cancel can race (a downstream take(n) cancels while this result is emitted): first one wins
            AtomicBoolean ended = new AtomicBoolean();
            return run.doOnNext(result -> {
                if (ended.compareAndSet(false, true)) {
                    safely(() -> listener.onResult(result));
                }
            }).doOnCancel(() -> {
                if (ended.compareAndSet(false, true)) {
                    safely(() -> listener.onCancel(request, index));
                }
            });
        });
    }

    /** For the retry stage: tells the listener that {@code attempt} (2 for the first retry) is about to start. */
    void retry(FetchRequest request, long index, int attempt, FetchException cause) {
        safely(() -> listener.onRetry(request, index, attempt, cause));
    }

    private static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException ignored) {
            // a listener must never break a batch; there is nobody to report this to but the listener itself
        }
    }
}
