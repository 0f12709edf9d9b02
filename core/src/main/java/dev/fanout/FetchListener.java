package dev.fanout;

/**
 * Hears about every request a client runs, for progress, metrics or logging. Register one with
 * {@link FetchClient.Builder#listener(FetchListener)}; {@link BatchProgress} is a ready-made one.
 *
 * <pre>{@code
 * BatchProgress progress = new BatchProgress();
 * FetchClient client = FetchClient.builder().listener(progress).build();
 * }</pre>
 *
 * <p>For each request the client calls {@link #onStart} once, then exactly one of
 * {@link #onResult} (the request produced its result) or {@link #onCancel} (the caller cancelled
 * before a result was made). Methods are called on whatever thread the request runs on, often a
 * Netty event loop, possibly from many threads at once: keep them short, thread-safe and
 * non-blocking. An exception thrown by a listener is caught and ignored, so a faulty listener can
 * never break a batch. Every method does nothing by default.
 */
public interface FetchListener {

    /** A listener that does nothing (the default). */
    FetchListener NONE = new FetchListener() {
    };

    /** The request at {@code index} of its call started (before validation and admission). */
    default void onStart(FetchRequest request, long index) {
    }

    /**
     * The request is about to be tried again after a failed attempt. Called by retrying clients
     * only; {@code attempt} is the number of the attempt about to start (2 for the first retry).
     */
    default void onRetry(FetchRequest request, long index, int attempt, FetchException cause) {
    }

    /** The request produced its result (success or failure). */
    default void onResult(FetchResult result) {
    }

    /** The caller cancelled the request before it produced a result (for example after {@code take(n)}). */
    default void onCancel(FetchRequest request, long index) {
    }
}
