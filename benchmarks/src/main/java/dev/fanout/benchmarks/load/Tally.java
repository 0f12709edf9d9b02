package dev.fanout.benchmarks.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts every outcome, so that a run can prove every input was accounted for. Thread-safe. */
public final class Tally {

    private final LongAdder ok = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();

    /** A response arrived with {@code status}; {@code passed} says whether it passed the check. */
    public void response(int status, boolean passed) {
        (passed ? ok : failed).increment();
        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    /** No response: a transport error (or a Fanout failure without a status) named {@code kind}. */
    public void error(String kind) {
        errors.increment();
        errorKinds.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    public long ok() {
        return ok.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public long errors() {
        return errors.sum();
    }

    public long total() {
        return ok() + failed() + errors();
    }

    public Map<String, Long> statuses() {
        Map<String, Long> m = new TreeMap<>();
        statuses.forEach((k, v) -> m.put(String.valueOf(k), v.sum()));
        return m;
    }

    public Map<String, Long> errorKinds() {
        Map<String, Long> m = new TreeMap<>();
        errorKinds.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
