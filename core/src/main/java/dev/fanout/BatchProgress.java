package dev.fanout;

import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live progress of the requests a client runs: done, total (when known), in flight, retries,
 * failures by kind, results by status, bytes and per-host counts. A {@link FetchListener} built on
 * {@link LongAdder}s, cheap enough to leave on: no locks, no allocation per result beyond the
 * first of each host and status.
 *
 * <pre>{@code
 * BatchProgress progress = new BatchProgress().total(urls.size());
 * try (FetchClient client = FetchClient.builder().listener(progress).build()) {
 *     Disposable printer = progress.snapshots(Duration.ofSeconds(1))
 *             .subscribe(s -> System.err.printf("%d/%d done, %d failed%n", s.done(), s.total(), s.failed()));
 *     client.fetchAll(urls).block();
 *     printer.dispose();
 * }
 * }</pre>
 *
 * <p>It counts every request of every call on the clients it is registered with; use one client
 * (or {@link #reset()}) per batch to see one batch. Per-host counts keep one entry per host seen.
 */
public final class BatchProgress implements FetchListener {

    private static final FetchException.Kind[] KINDS = FetchException.Kind.values();

    private final AtomicLong total = new AtomicLong(-1);
    private final LongAdder started = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder[] failedByKind = new LongAdder[KINDS.length];
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final Map<String, Host> perHost = new ConcurrentHashMap<>();
    private volatile long startNanos = System.nanoTime();

    /** Progress with every count at zero and the total not known. */
    public BatchProgress() {
        for (int i = 0; i < failedByKind.length; i++) {
            failedByKind[i] = new LongAdder();
        }
    }

    /**
     * Sets the number of requests expected, shown as done/total; may be set (or raised) while the
     * batch runs, for example once a file has been counted.
     *
     * @throws IllegalArgumentException if {@code total < 0}
     */
    public BatchProgress total(long total) {
        if (total < 0) {
            throw new IllegalArgumentException("total: " + total + " (expected: >= 0)");
        }
        this.total.set(total);
        return this;
    }

    /** Zeroes every count, forgets the total and restarts the clock. Not atomic with requests in flight. */
    public void reset() {
        total.set(-1);
        for (LongAdder a : new LongAdder[] {started, succeeded, failed, cancelled, retries, bytes}) {
            a.reset();
        }
        for (LongAdder a : failedByKind) {
            a.reset();
        }
        byStatus.clear();
        perHost.clear();
        startNanos = System.nanoTime();
    }

    @Override
    public void onStart(FetchRequest request, long index) {
        started.increment();
        host(request).started.increment();
    }

    @Override
    public void onRetry(FetchRequest request, long index, int attempt, FetchException cause) {
        retries.increment();
    }

    @Override
    public void onResult(FetchResult result) {
        Host host = host(result.request());
        host.done.increment();
        if (result.isSuccess()) {
            succeeded.increment();
        } else {
            failed.increment();
            failedByKind[result.kind().ordinal()].increment();
            host.failed.increment();
        }
        bytes.add(result.body().length);
        byStatus.computeIfAbsent(result.status(), s -> new LongAdder()).increment();
    }

    @Override
    public void onCancel(FetchRequest request, long index) {
        cancelled.increment();
    }

    /** The counts now. */
    public ProgressSnapshot snapshot() {
        Map<FetchException.Kind, Long> kinds = new EnumMap<>(FetchException.Kind.class);
        for (int i = 0; i < KINDS.length; i++) {
            long n = failedByKind[i].sum();
            if (n > 0) {
                kinds.put(KINDS[i], n);
            }
        }
        Map<Integer, Long> statuses = new TreeMap<>();
        byStatus.forEach((status, n) -> statuses.put(status, n.sum()));
        Map<String, ProgressSnapshot.HostCounts> hosts = new HashMap<>();
        perHost.forEach((name, h) -> hosts.put(name,
                new ProgressSnapshot.HostCounts(h.started.sum(), h.done.sum(), h.failed.sum())));
        long ok = succeeded.sum();
        long ko = failed.sum();
        return new ProgressSnapshot(Duration.ofNanos(System.nanoTime() - startNanos), total.get(), started.sum(),
                ok + ko, ok, ko, cancelled.sum(), retries.sum(), bytes.sum(),
                Collections.unmodifiableMap(kinds), Collections.unmodifiableMap(statuses),
                Collections.unmodifiableMap(hosts));
    }

    /**
     * A snapshot every {@code every}, on Reactor's parallel scheduler, the first one at once; it
     * never completes: dispose the subscription (or {@code takeUntil}) when the batch is over.
     *
     * @throws IllegalArgumentException if {@code every} is not positive
     */
    public Flux<ProgressSnapshot> snapshots(Duration every) {
        Objects.requireNonNull(every, "every");
        if (every.isZero() || every.isNegative()) {
            throw new IllegalArgumentException("every: " + every + " (expected: > 0)");
        }
        return Flux.interval(Duration.ZERO, every).onBackpressureDrop().map(tick -> snapshot());
    }

    private Host host(FetchRequest request) {
        return perHost.computeIfAbsent(hostOf(request.url()), h -> new Host());
    }

    /** The {@code host[:port]} of a URL, without user info; "" when there is none. Hand-written: URI parsing per request is too slow here. */
    static String hostOf(String url) {
        if (url == null) {
            return "";
        }
        int scheme = url.indexOf("://");
        int from = scheme < 0 ? 0 : scheme + 3;
        int to = from;
        while (to < url.length() && "/?#".indexOf(url.charAt(to)) < 0) {
            to++;
        }
        int at = url.lastIndexOf('@', to - 1);
        if (at >= from) {
            from = at + 1;
        }
        String hostPort = url.substring(from, to);
        try {
            // a Unicode host counts under its ASCII form: the form its result's request carries once validated
            hostPort = dev.fanout.internal.Idn.hostPortToAscii(hostPort);
        } catch (IllegalArgumentException e) {
            // not a valid name: the request fails validation, and counts under the name as written
        }
        return hostPort.toLowerCase(java.util.Locale.ROOT);
    }

    private static final class Host {
        final LongAdder started = new LongAdder();
        final LongAdder done = new LongAdder();
        final LongAdder failed = new LongAdder();
    }
}
