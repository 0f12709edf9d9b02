package dev.fanout;

import dev.fanout.FetchException.Kind;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.IntPredicate;

/**
 * When and how often a failed request is sent again. Immutable: every method returns a new policy.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.backoff(5, Duration.ofMillis(100))  // 5 attempts in total
 *         .multiplier(2).maxBackoff(Duration.ofSeconds(5))
 *         .jitter(1.0)                                                  // full jitter (the default)
 *         .retryOnStatus(s -> s == 429 || s == 503)
 *         .maxRetryAfter(Duration.ofSeconds(30));
 * FetchClient client = FetchClient.builder().retry(policy).build();
 * client.fetch(FetchRequest.get(url).retry(RetryPolicy.none()));       // per request
 * }</pre>
 *
 * <p>Defaults ({@link #defaults()}): 3 attempts in total, backoff 100 ms doubling up to 5 s with
 * full jitter (each delay drawn uniformly from 0 to the computed backoff); retried: the kinds for
 * which {@link Kind#retryableByDefault()} is true (connection refused or reset, premature close,
 * connect and response timeouts) and statuses 429, 502, 503, 504. A {@code Retry-After} header on a
 * retried status replaces the computed backoff, up to {@link #maxRetryAfter(Duration)} (default
 * 30 s); a longer one ends the request at once with that status.
 *
 * <p>Idempotency: GET, HEAD, OPTIONS, TRACE, PUT and DELETE are retried; POST and PATCH only when
 * the request provably never reached the server ({@link Kind#requestNeverSent()}), when an HTTP/2
 * server said it did not process it ({@link FetchException#neverProcessed()}: REFUSED_STREAM, or a
 * GOAWAY below its stream), when the request carries the
 * {@linkplain #idempotencyKeyHeader(String) idempotency-key header}
 * ({@code Idempotency-Key} by default), or when {@link #retryNonIdempotent(boolean)} is on.
 */
public final class RetryPolicy {

    /** Default for {@link #backoff(int, Duration)}'s {@code maxAttempts} in {@link #defaults()}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default first backoff. */
    public static final Duration DEFAULT_BASE = Duration.ofMillis(100);
    /** Default for {@link #maxBackoff(Duration)}. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
    /** Default for {@link #maxRetryAfter(Duration)}. */
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(30);
    /** Default for {@link #idempotencyKeyHeader(String)}. */
    public static final String DEFAULT_IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    private static final IntPredicate DEFAULT_STATUSES = s -> s == 429 || s == 502 || s == 503 || s == 504;
    private static final Set<Kind> DEFAULT_KINDS = defaultKinds();
    private static final DoubleSupplier DEFAULT_RANDOM = () -> ThreadLocalRandom.current().nextDouble();
    private static final RetryPolicy DEFAULTS = new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_BASE, 2.0,
            DEFAULT_MAX_BACKOFF, 1.0, DEFAULT_KINDS, DEFAULT_STATUSES, DEFAULT_MAX_RETRY_AFTER, false,
            DEFAULT_IDEMPOTENCY_KEY_HEADER, DEFAULT_RANDOM);
    private static final RetryPolicy NONE = DEFAULTS.maxAttempts(1);

    private final int maxAttempts;
    private final Duration base;
    private final double multiplier;
    private final Duration maxBackoff;
    private final double jitter;
    private final Set<Kind> kinds;
    private final IntPredicate statuses;
    private final Duration maxRetryAfter;
    private final boolean retryNonIdempotent;
    private final String idempotencyKeyHeader;
    private final DoubleSupplier random;

    private RetryPolicy(int maxAttempts, Duration base, double multiplier, Duration maxBackoff, double jitter,
                        Set<Kind> kinds, IntPredicate statuses, Duration maxRetryAfter, boolean retryNonIdempotent,
                        String idempotencyKeyHeader, DoubleSupplier random) {
        this.maxAttempts = maxAttempts;
        this.base = base;
        this.multiplier = multiplier;
        this.maxBackoff = maxBackoff;
        this.jitter = jitter;
        this.kinds = kinds;
        this.statuses = statuses;
        this.maxRetryAfter = maxRetryAfter;
        this.retryNonIdempotent = retryNonIdempotent;
        this.idempotencyKeyHeader = idempotencyKeyHeader;
        this.random = random;
    }

    /** The default policy: 3 attempts in total, 100 ms doubling to 5 s, full jitter (see the class comment). */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** No retries: one attempt. */
    public static RetryPolicy none() {
        return NONE;
    }

    /**
     * The default policy with {@code maxAttempts} in total (first try included) and {@code base} as
     * the first backoff.
     *
     * @throws IllegalArgumentException if {@code maxAttempts < 1} or {@code base} is negative
     */
    public static RetryPolicy backoff(int maxAttempts, Duration base) {
        return DEFAULTS.maxAttempts(maxAttempts).base(base);
    }

    /**
     * Attempts in total, the first included; 1 means no retries.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public RetryPolicy maxAttempts(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxAttempts: " + n + " (expected: >= 1)");
        }
        return new RetryPolicy(n, base, multiplier, maxBackoff, jitter, kinds, statuses, maxRetryAfter,
                retryNonIdempotent, idempotencyKeyHeader, random);
    }

    /**
     * The backoff before the first retry. Default 100 ms.
     *
     * @throws IllegalArgumentException if negative
     */
    public RetryPolicy base(Duration d) {
        return new RetryPolicy(maxAttempts, nonNegative(d, "base"), multiplier, maxBackoff, jitter, kinds, statuses,
                maxRetryAfter, retryNonIdempotent, idempotencyKeyHeader, random);
    }

    /**
     * Each backoff is the previous one times this. Default 2.
     *
     * @throws IllegalArgumentException if {@code m < 1}
     */
    public RetryPolicy multiplier(double m) {
        if (!(m >= 1.0) || Double.isInfinite(m)) {
            throw new IllegalArgumentException("multiplier: " + m + " (expected: >= 1)");
        }
        return new RetryPolicy(maxAttempts, base, m, maxBackoff, jitter, kinds, statuses, maxRetryAfter,
                retryNonIdempotent, idempotencyKeyHeader, random);
    }

    /**
     * The largest computed backoff. Default 5 s.
     *
     * @throws IllegalArgumentException if negative
     */
    public RetryPolicy maxBackoff(Duration d) {
        return new RetryPolicy(maxAttempts, base, multiplier, nonNegative(d, "maxBackoff"), jitter, kinds, statuses,
                maxRetryAfter, retryNonIdempotent, idempotencyKeyHeader, random);
    }

    /**
     * How much of each backoff is random: the delay is drawn uniformly from
     * {@code [backoff * (1 - factor), backoff]}. 1 is full jitter (the default), 0 none.
     *
     * @throws IllegalArgumentException if {@code factor} is not within [0, 1]
     */
    public RetryPolicy jitter(double factor) {
        if (!(factor >= 0.0 && factor <= 1.0)) {
            throw new IllegalArgumentException("jitter: " + factor + " (expected: >= 0 and <= 1)");
        }
        return new RetryPolicy(maxAttempts, base, multiplier, maxBackoff, factor, kinds, statuses, maxRetryAfter,
                retryNonIdempotent, idempotencyKeyHeader, random);
    }

    /**
     * The random source for jitter, returning values in [0, 1). Default {@code ThreadLocalRandom}; pin
     * it in tests ({@code () -> 0.5}).
     */
    public RetryPolicy random(DoubleSupplier source) {
        return new RetryPolicy(maxAttempts, base, multiplier, maxBackoff, jitter, kinds, statuses, maxRetryAfter,
                retryNonIdempotent, idempotencyKeyHeader, Objects.requireNonNull(source, "random"));
    }

    /**
     * Which failure kinds are retried (replacing the set). Default: every kind whose
     * {@link Kind#retryableByDefault()} is true. {@link Kind#HTTP_STATUS} is governed by
     * {@link #retryOnStatus(IntPredicate)} instead.
     */
    public RetryPolicy retryOn(Set<Kind> retried) {
        Objects.requireNonNull(retried, "retryOn");
        Set<Kind> copy = retried.isEmpty() ? EnumSet.noneOf(Kind.class) : EnumSet.copyOf(retried);
        return new RetryPolicy(maxAttempts, base, multiplier, maxBackoff, jitter, Set.copyOf(copy), statuses,
                maxRetryAfter, retryNonIdempotent, idempotencyKeyHeader, random);
    }

    /** Which statuses are retried. Default: 429, 502, 503, 504. */
    public RetryPolicy retryOnStatus(IntPredicate retried) {
        return new RetryPolicy(maxAttempts, base, multiplier, maxBackoff, jitter, kinds,
                Objects.requireNonNull(retried, "retryOnStatus"), maxRetryAfter, retryNonIdempotent,
                idempotencyKeyHeader, random);
    }

    /**
     * The longest {@code Retry-After} honoured; a longer one ends the request with its status at
     * once. Default 30 s.
     *
     * @throws IllegalArgumentException if negative
     */
    public RetryPolicy maxRetryAfter(Duration d) {
        return new RetryPolicy(maxAttempts, base, multiplier, maxBackoff, jitter, kinds, statuses,
                nonNegative(d, "maxRetryAfter"), retryNonIdempotent, idempotencyKeyHeader, random);
    }

    /** Whether POST and PATCH are retried like idempotent methods. Default off. */
    public RetryPolicy retryNonIdempotent(boolean retry) {
        return new RetryPolicy(maxAttempts, base, multiplier, maxBackoff, jitter, kinds, statuses, maxRetryAfter,
                retry, idempotencyKeyHeader, random);
    }

    /**
     * A request header whose presence makes a POST or PATCH safe to retry. Default
     * {@value #DEFAULT_IDEMPOTENCY_KEY_HEADER}.
     */
    public RetryPolicy idempotencyKeyHeader(String name) {
        Objects.requireNonNull(name, "idempotencyKeyHeader");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("idempotencyKeyHeader: \"\" (expected: a header name)");
        }
        return new RetryPolicy(maxAttempts, base, multiplier, maxBackoff, jitter, kinds, statuses, maxRetryAfter,
                retryNonIdempotent, name, random);
    }

    /** Attempts in total, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The longest {@code Retry-After} honoured. */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    /** Whether a failure of {@code kind} (not {@link Kind#HTTP_STATUS}) is retried by this policy. */
    public boolean retries(Kind kind) {
        return kinds.contains(kind);
    }

    /** Whether the status is retried by this policy. */
    public boolean retriesStatus(int status) {
        return statuses.test(status);
    }

    /**
     * Whether {@code request} may be sent again after a failure of {@code kind}: its method is
     * idempotent, or the request never left, or the caller opted in.
     */
    public boolean mayResend(FetchRequest request, Kind kind) {
        String m = request.method();
        boolean idempotent = !m.equals("POST") && !m.equals("PATCH") && !m.equals("CONNECT");
        return idempotent || kind.requestNeverSent() || retryNonIdempotent
                || request.header(idempotencyKeyHeader) != null;
    }

    /**
     * The delay before retry number {@code retry} (1 for the first retry): {@code base *
     * multiplier^(retry-1)}, capped at {@code maxBackoff}, then jittered.
     */
    public Duration backoff(int retry) {
        double exact = base.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
        double capped = Math.min(exact, maxBackoff.toNanos());
        double r = Math.min(Math.max(random.getAsDouble(), 0.0), 1.0);
        return Duration.ofNanos((long) (capped * (1.0 - jitter * r)));
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", base=" + base + ", multiplier=" + multiplier
                + ", maxBackoff=" + maxBackoff + ", jitter=" + jitter + ", kinds=" + kinds
                + ", maxRetryAfter=" + maxRetryAfter + ", retryNonIdempotent=" + retryNonIdempotent + '}';
    }

    private static Duration nonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
        }
        return d;
    }

    private static Set<Kind> defaultKinds() {
        EnumSet<Kind> set = EnumSet.noneOf(Kind.class);
        for (Kind k : Kind.values()) {
            if (k.retryableByDefault()) {
                set.add(k);
            }
        }
        return Set.copyOf(set);
    }
}
