package dev.fanout.benchmarks.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples this JVM's heap and resident set on a daemon thread: the peaks for every run, and the
 * whole series for S4. "Heap after GC" is the heap pools' usage right after the last collection,
 * the number that shows a leak as a rising floor.
 */
final class ResourceSampler implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sampler");
        t.setDaemon(true);
        return t;
    });
    private final boolean keepSeries;
    private final long start = System.nanoTime();
    private final List<Map<String, Object>> series = new ArrayList<>();
    private volatile long peakHeap;
    private volatile Tally tally;

    ResourceSampler(long periodMillis, boolean keepSeries) {
        this.keepSeries = keepSeries;
        timer.scheduleAtFixedRate(this::sample, 0, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Counts completed requests in the series from now on. */
    void follow(Tally t) {
        this.tally = t;
    }

    private synchronized void sample() {
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        peakHeap = Math.max(peakHeap, heap);
        if (keepSeries) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("t", (System.nanoTime() - start) / 1e9);
            s.put("heapMb", mb(heap));
            s.put("heapAfterGcMb", mb(heapAfterGc()));
            s.put("rssMb", procStatusKb("VmRSS") / 1024.0);
            Tally t = tally;
            s.put("done", t == null ? 0 : t.total());
            series.add(s);
        }
    }

    private static long heapAfterGc() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage after = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (after != null) {
                sum += after.getUsed();
            }
        }
        return sum;
    }

    double peakHeapMb() {
        return mb(peakHeap);
    }

    synchronized List<Map<String, Object>> series() {
        return new ArrayList<>(series);
    }

    /** Peak resident set of this process so far (VmHWM), in MB; -1 where /proc is absent. */
    static double peakRssMb() {
        long kb = procStatusKb("VmHWM");
        return kb < 0 ? -1 : kb / 1024.0;
    }

    static long procStatusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no RSS figures
        }
        return -1;
    }

    private static double mb(long bytes) {
        return Math.round(bytes / 1048576.0 * 10) / 10.0;
    }

    @Override
    public void close() {
        sample();
        timer.shutdownNow();
    }
}
