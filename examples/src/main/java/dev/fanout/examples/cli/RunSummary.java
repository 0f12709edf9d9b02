package dev.fanout.examples.cli;

import dev.fanout.FetchResult;
import dev.fanout.ProgressSnapshot;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The end-of-run summary: counts by status and kind (from the client's BatchProgress), latency
 * percentiles (an HdrHistogram fed from the results, on the one thread that writes them).
 */
final class RunSummary {

    private static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);
    private final Histogram latencyMicros = new Histogram(MAX_MICROS, 2);

    void record(FetchResult r) {
        latencyMicros.recordValue(Math.max(1, Math.min(MAX_MICROS, r.elapsed().toNanos() / 1000)));
    }

    void print(ProgressSnapshot s, PrintStream err) {
        double seconds = Math.max(1e-9, s.elapsed().toNanos() / 1e9);
        err.printf(Locale.ROOT, "fanout: %d requests in %.2fs (%.0f/s): %d ok, %d failed, %s received%n",
                s.done(), seconds, s.done() / seconds, s.succeeded(), s.failed(), bytes(s.bytes()));
        err.println("  by status: " + join(s.byStatus()));
        err.println("  by kind:   " + (s.failedByKind().isEmpty() ? "none" : join(s.failedByKind())));
        if (latencyMicros.getTotalCount() > 0) {
            err.printf(Locale.ROOT, "  latency:   p50 %s  p95 %s  p99 %s  max %s%n", ms(50), ms(95), ms(99),
                    millis(latencyMicros.getMaxValue()));
        }
    }

    private String ms(double percentile) {
        return millis(latencyMicros.getValueAtPercentile(percentile));
    }

    private static String millis(long micros) {
        return String.format(Locale.ROOT, "%.1fms", micros / 1000.0);
    }

    private static String join(Map<?, Long> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
