package dev.fanout.benchmarks.load;

import dev.fanout.FetchClient;
import dev.fanout.RetryPolicy;

/** S5 runs Fanout with its default retries: the policy is stated in its results ({@link #STATUS}). */
final class FaultRetries {

    /** What S5's results say about retries. */
    static final String STATUS = "retries: RetryPolicy.defaults() (3 attempts, 100 ms doubling, full jitter, budget 20 % + 10/s)";

    private FaultRetries() {
    }

    static FetchClient.Builder enable(FetchClient.Builder builder) {
        return builder.retry(RetryPolicy.defaults());
    }
}
