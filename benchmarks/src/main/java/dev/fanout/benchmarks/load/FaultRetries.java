package dev.fanout.benchmarks.load;

import dev.fanout.FetchClient;
import dev.fanout.RetryPolicy;

/** S5 runs Fanout with its default retries: the policy is stated in its results ({@link #STATUS}). */
final class FaultRetries {

    /** What S5's results say about retries. */
    static final String STATUS = "retries: RetryPolicy.defaults() (3 attempts, 100 ms doubling, full jitter, budget 20 % + 10/s)";

    private FaultRetries() {
    }

    /** What this run's results say about Fanout's retries: {@link #STATUS}, or the experiment's policy. */
    static String status() {
        String experiment = System.getenv("FANOUT_S5_RETRY");
        return experiment == null ? STATUS
                : "none".equals(experiment) ? "retries: none (FANOUT_S5_RETRY=none, an experiment)"
                : "retries: 3 attempts, " + experiment + " ms doubling, full jitter (FANOUT_S5_RETRY, an experiment)";
    }

    static FetchClient.Builder enable(FetchClient.Builder builder) {
        // for experiments only (not in any recorded table unless said so): FANOUT_S5_RETRY=none runs S5
        // without retries, FANOUT_S5_RETRY=<ms> with 3 attempts and that base backoff
        String experiment = System.getenv("FANOUT_S5_RETRY");
        if ("none".equals(experiment)) {
            return builder.retry(RetryPolicy.none());
        }
        if (experiment != null) {
            return builder.retry(RetryPolicy.backoff(3, java.time.Duration.ofMillis(Long.parseLong(experiment))));
        }
        return builder.retry(RetryPolicy.defaults());
    }
}
