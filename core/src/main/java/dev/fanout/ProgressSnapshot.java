package dev.fanout;

import java.time.Duration;
import java.util.Map;

/**
 * The counts of a {@link BatchProgress} at one moment. Counts are read one by one without a lock,
 * so under load two of them may be a few requests apart; each is exact on its own.
 *
 * @param elapsed time since the progress was created (or {@linkplain BatchProgress#reset() reset})
 * @param total requests expected in all, or -1 when not known
 * @param started requests started
 * @param done requests that produced a result (succeeded + failed)
 * @param succeeded results that are successes
 * @param failed results that are failures
 * @param cancelled requests cancelled by the caller before a result
 * @param retries retries scheduled (attempts after the first)
 * @param bytes response body bytes received, over all results
 * @param failedByKind failures by {@link FetchException.Kind}, kinds with none left out
 * @param byStatus results by HTTP status (0 for no response)
 * @param perHost counts per host ({@code host:port} as in the URL)
 */
public record ProgressSnapshot(
        Duration elapsed,
        long total,
        long started,
        long done,
        long succeeded,
        long failed,
        long cancelled,
        long retries,
        long bytes,
        Map<FetchException.Kind, Long> failedByKind,
        Map<Integer, Long> byStatus,
        Map<String, HostCounts> perHost) {

    /** Requests started and not yet ended. */
    public long inFlight() {
        return Math.max(0, started - done - cancelled);
    }

    /** Results per second since the start. */
    public double ratePerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : done / seconds;
    }

    /** Fraction of the total done, 0 to 1, or -1 when the total is not known. */
    public double fractionDone() {
        return total <= 0 ? (total == 0 ? 1 : -1) : Math.min(1.0, (double) done / total);
    }

    /**
     * Counts for one host.
     *
     * @param started requests started
     * @param done results
     * @param failed failed results
     */
    public record HostCounts(long started, long done, long failed) {

        /** Requests started and not yet ended (cancelled ones are not told apart per host). */
        public long inFlight() {
            return Math.max(0, started - done);
        }
    }
}
