package dev.fanout.benchmarks.load;

import dev.fanout.FetchClient;

/**
 * S5 runs Fanout with retries on. Retries are not in this build of Fanout yet, so S5 runs without
 * them and says so in its results ({@link #STATUS}). Turning them on is one line in
 * {@link #enable}, for example {@code return builder.retry(RetryPolicy.backoff(3, Duration.ofMillis(1)));}
 * with {@link #STATUS} changed to say which policy.
 */
final class FaultRetries {

    /** What S5's results say about retries. */
    static final String STATUS = "retries: not yet available";

    private FaultRetries() {
    }

    static FetchClient.Builder enable(FetchClient.Builder builder) {
        return builder;
    }
}
