package dev.fanout.internal;

import dev.fanout.FetchException;
import dev.fanout.FetchException.Kind;
import dev.fanout.FetchRequest;
import dev.fanout.FetchResult;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import dev.fanout.RetryPolicy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CancellationException;
import java.util.function.ObjIntConsumer;

/**
 * Wires the stages, top to bottom, for one request. Every path ends in exactly one
 * {@link FetchResult}; nothing here ever signals an error.
 *
 * <pre>
 * validate  -> INVALID_REQUEST result, nothing sent
 * per attempt:
 *   breaker   -> an open per-host circuit fails the attempt at once (HostBreaker, off by default)
 *   rate      -> global + per-host token buckets, host cool-down and adaptive rate (RateLimiter); holds no connection
 *   admit     -> a client-wide connection permit (ConnectionPermits)      \
 *   (write)   -> with a connection held, the rates again at write time    |
 *   exchange  -> Reactor Netty on the shared pool (NettyExchange)         | request timeout covers these three
 *   collect   -> size-limited body (BodyBuffer)                           /
 *   status    -> a status the retry policy retries becomes an error (StatusFailure)
 * retry     -> Retrying (RetryStage decides): backoff, Retry-After, idempotency, budget; re-runs the attempt;
 *              a batch call's slot is lent to its next input during the wait (CallSlots)
 * deadline  -> the batch deadline cancels whatever is in flight (DEADLINE)
 * classify  -> status policy, or Throwable -> FetchException (ErrorClassifier)
 * </pre>
 */
public final class Pipeline {

    private static final ObjIntConsumer<Throwable> NO_RETRY_LISTENER = (error, attemptNumber) -> { };

    private final Settings settings;
    private final RequestValidator validator;
    private final ConnectionPermits permits;
    private final NettyExchange exchange;
    private final RedirectFollower redirects;
    private final HostStreamPermits hostStreams; // null unless HTTP/2 is on
    private final ListenerHook listener;
    private final RateLimiter rates;
    private final RetryStage retries;
    private final HostBreaker breaker;
    private volatile boolean closed;
    /** Fires on close() so that rate and cool-down waits in progress end at once (backoffs: RetryStage.closeWaits). */
    private final Sinks.Empty<Void> closing = Sinks.empty();

    public Pipeline(Settings settings) {
        this.settings = settings;
        this.validator = new RequestValidator(settings.objectMapper(), settings.addressGuard());
        this.permits = new ConnectionPermits(settings.maxConnections());
        this.exchange = new NettyExchange(settings);
        this.hostStreams = settings.http2() || settings.h2c()
                ? new HostStreamPermits(settings.maxConnectionsPerHost()) : null;
        this.redirects = new RedirectFollower(settings.followRedirects() ? settings.maxRedirects() : 0,
                settings.allowHttpsToHttpRedirects(), validator);
        this.listener = new ListenerHook(settings.listener());
        Mono<Void> closingError = closing.asMono()
                .then(Mono.error(() -> new CancellationException("client closed")));
        this.rates = new RateLimiter(settings.rateLimit(), settings.rateLimitPerHost(), settings.rateLimitBurst(),
                settings.retryPolicy().maxRetryAfter(), settings::timerScheduler, settings.adaptiveRate(), closingError);
        this.retries = new RetryStage(new RetryBudget(settings.retryBudgetRatio(), settings.retryBudgetMinPerSecond(),
                () -> settings.timerScheduler().now(TimeUnit.NANOSECONDS)), settings::timerScheduler,
                exchange::backoffScheduler, () -> closed);
        this.breaker = new HostBreaker(settings.breakerFailures(),
                settings.breakerCoolOff() == null ? 0 : settings.breakerCoolOff().toNanos(),
                () -> settings.timerScheduler().now(TimeUnit.NANOSECONDS));
    }

    /** One request to one result. Lazy: nothing happens until subscription. */
    public Mono<FetchResult> execute(long index, FetchRequest request) {
        return execute(index, request, Deadline.none(), null);
    }

    /**
     * One request of a batch call to one result, ended as DEADLINE when {@code deadline} passes first;
     * its backoffs lend {@code slot} (null: none, the request keeps whatever limits it) to the call's
     * next input.
     */
    public Mono<FetchResult> execute(long index, FetchRequest request, Deadline deadline, CallSlots.Slot slot) {
        return listener.observe(index, request,
                Mono.defer(() -> run(index, request, System.nanoTime(), deadline, slot)));
    }

    private Mono<FetchResult> run(long index, FetchRequest request, long start, Deadline deadline,
                                  CallSlots.Slot slot) {
        if (closed) {
            return Mono.just(cancelled(index, request, start, 0));
        }
        if (deadline.passed()) {
            return Mono.just(deadlineResult(index, request, start, deadline, new AttemptLog()));
        }
        ValidatedRequest validated;
        try {
            validated = validator.validate(request);
        } catch (FetchException invalid) {
            return Mono.just(FetchResult.failure(index, request, invalid, 0, null, null, since(start), 0,
                    settings.objectMapper()));
        }
        Duration requestTimeout = request.timeout() != null ? request.timeout() : settings.requestTimeout();
        RetryPolicy policy = request.retry() != null ? request.retry() : settings.retryPolicy();
        String host = hostKey(validated);
        AttemptLog log = new AttemptLog();
        Mono<RedirectFollower.Followed> attempt = CheckedAttempt.of(
                new RequestAttempt(validated, host, policy, requestTimeout, log));
        // a retry re-subscribes `attempt`: back through the breaker, the rates and admission
        Mono<RedirectFollower.Followed> attempts = retries.withRetries(attempt, validated, policy, slot,
                listener.active() ? (error, attemptNumber) -> listener.retry(request, index, attemptNumber,
                        classify(validated, error, requestTimeout)) : NO_RETRY_LISTENER);
        if (deadline != Deadline.none()) {
            attempts = attempts.takeUntilOther(deadline.expiry());
        }
        // map, onErrorResume and switchIfEmpty in one subscriber: every request takes this path
        return Outcomes.fold(attempts,
                followed -> toResult(index, validated, followed.response(), start, log)
                        .withRedirects(followed.last().safeUrl(), followed.hops()),
                error -> toFailure(index, validated, error, start, requestTimeout, log),
                () -> closed ? cancelled(index, request, start, log.attempts())
                        : deadline.passed() ? deadlineResult(index, request, start, deadline, log)
                        : toFailure(index, validated, new IllegalStateException(
                                "the exchange completed without a response"), start, requestTimeout, log));
    }

    /** Admission for one hop: the client-wide connection permit, and under HTTP/2 the per-host stream permit. */
    private Mono<ExchangeResponse> admit(String hopHost, Mono<ExchangeResponse> exchange) {
        return hostStreams == null ? permits.withPermit(exchange)
                : hostStreams.withPermit(hopHost, permits.withPermit(exchange));
    }

    /**
     * One request's attempts, each started afresh (a retry re-subscribes): the breaker, the rates,
     * admission and the exchange under the request timeout; the response's status checked (a status the
     * policy retries becomes an error, so that the retry stage sees it); a failed attempt recorded in
     * the log and, for connection-level failures, the host's breaker. One object per request, in place
     * of the closures the chain of operators captured.
     */
    private final class RequestAttempt implements CheckedAttempt.Attempt<RedirectFollower.Followed> {

        private final ValidatedRequest validated;
        private final String host;
        private final RetryPolicy policy;
        private final Duration requestTimeout;
        private final AttemptLog log;
        /**
         * When the current attempt was let through the rates (the adaptive rate's reference). A plain field:
         * attempts run one at a time (a retry starts after the last one's error), it is written before the
         * exchange is subscribed and read when its response arrives, ordered by the hand-off to the event
         * loop; a late response of an attempt that timed out never reaches the check (RequestTimeout drops it).
         */
        private long sentAt;

        RequestAttempt(ValidatedRequest validated, String host, RetryPolicy policy, Duration requestTimeout,
                       AttemptLog log) {
            this.validated = validated;
            this.host = host;
            this.policy = policy;
            this.requestTimeout = requestTimeout;
            this.log = log;
        }

        @Override
        public Mono<RedirectFollower.Followed> start() {
            if (closed) {
                return Mono.error(new CancellationException("client closed"));
            }
            Throwable open = breaker.check(host);
            if (open != null) {
                return Mono.error(new CircuitOpen(open)); // fails fast, nothing sent
            }
            log.started();
            if (log.attempts() == 1) {
                retries.firstAttempt();
            }
            // redirect hops each go through validation and admission again (RedirectFollower)
            Mono<RedirectFollower.Followed> hops = redirects.follow(validated, (hop, strip) -> {
                String hopHost = hop == validated ? host : hostKey(hop); // the key is computed once per request
                return admit(hopHost, exchange.exchange(hop, strip,
                        rates.writesLimited() ? rates.beforeWrite(hopHost) : null));
            });
            // the request timeout over them all: a TimeoutException, classified as REQUEST_TIMEOUT
            Mono<RedirectFollower.Followed> send = RequestTimeout.within(hops, requestTimeout, WheelTimer.SHARED);
            // The token wait is here, per attempt, before the connection permit: it holds no connection,
            // but it does hold this item's concurrency slot (CallSlots; a backoff lends it, this wait does
            // not). Deliberately: waiting upstream of the merge would leave retries unlimited, and a per-host
            // wait there would stall every other host behind one slow host's queue (head-of-line
            // blocking); while the batch waits on a rate, the rate, not the slots, is what limits it.
            Mono<Void> rateWait = rates.acquire(host); // rate limits and host cool-down, before a connection permit is held
            if (rateWait == RateLimiter.NO_WAIT) { // the common case: nothing to wait for, no operators for it
                sentAt = rates.now();
                return send;
            }
            return rateWait
                    .then(Mono.fromRunnable(() -> sentAt = rates.now()))
                    .then(send);
        }

        @Override
        public Throwable check(RedirectFollower.Followed followed) {
            ExchangeResponse response = followed.response();
            // the host that answered: the requested one unless redirects led elsewhere (key computed once)
            String answered = followed.hops() == 0 ? host : hostKey(followed.last());
            breaker.onSuccess(answered);
            rates.onResponse(answered, response.status(), response.headers(), sentAt);
            if (settings.acceptStatus().test(response.status())) {
                return null;
            }
            if (policy.retriesStatus(response.status())) {
                return new StatusFailure(response, followed);
            }
            log.failed(Kind.HTTP_STATUS);
            return null;
        }

        @Override
        public void failed(Throwable error) {
            if (error instanceof CircuitOpen) {
                return; // not an attempt: nothing was sent
            }
            Kind kind = kindOf(error);
            log.failed(kind);
            if (HostBreaker.connectionLevel(kind)) {
                breaker.onFailure(host, error);
            }
        }
    }

    /** The kind an attempt's error stands for. */
    static Kind kindOf(Throwable error) {
        if (error instanceof StatusFailure) {
            return Kind.HTTP_STATUS;
        }
        if (error instanceof ResponseFailure rf) {
            return rf.kind;
        }
        return ErrorClassifier.kindOf(error);
    }

    /** Scheme, lower-case host and port (the default one filled in): the same key the HTTP/2 host permits use. */
    private static String hostKey(ValidatedRequest v) {
        return HostStreamPermits.key(v.uri());
    }

    private FetchResult toResult(long index, ValidatedRequest v, ExchangeResponse response, long start,
                                 AttemptLog log) {
        if (settings.acceptStatus().test(response.status())) {
            // decoded here, on the thread that completed the exchange, when the request asks for it
            return FetchResult.success(index, v.request(), response.status(), response.headers(), response.body(),
                    since(start), log.attempts(), settings.objectMapper()).withAttemptKinds(log.kinds())
                    .decodedForRequest();
        }
        return statusFailure(index, v, response, start, log);
    }

    private FetchResult statusFailure(long index, ValidatedRequest v, ExchangeResponse response, long start,
                                      AttemptLog log) {
        FetchException error = new FetchException(Kind.HTTP_STATUS, v.request().method(), v.safeUrl(),
                response.status(), "status " + response.status(), null);
        return FetchResult.failure(index, v.request(), error, response.status(), response.headers(), response.body(),
                since(start), log.attempts(), settings.objectMapper()).withAttemptKinds(log.kinds());
    }

    private FetchResult toFailure(long index, ValidatedRequest v, Throwable error, long start,
                                  Duration requestTimeout, AttemptLog log) {
        String method = v.request().method();
        if (closed) {
            return cancelled(index, v.request(), start, log.attempts()).withAttemptKinds(log.kinds());
        }
        if (error instanceof StatusFailure sf) {
            FetchResult failure = statusFailure(index, v, sf.response, start, log);
            return sf.followed == null ? failure
                    : failure.withRedirects(sf.followed.last().safeUrl(), sf.followed.hops());
        }
        if (error instanceof ResponseFailure rf) {
            FetchException fe = new FetchException(rf.kind, method, v.safeUrl(), rf.status, rf.getMessage(), null);
            return FetchResult.failure(index, v.request(), fe, rf.status, rf.headers, null, since(start),
                    log.attempts(), settings.objectMapper()).withAttemptKinds(log.kinds());
        }
        Duration responseTimeout = v.request().responseTimeout() != null ? v.request().responseTimeout()
                : settings.responseTimeout();
        Duration connectTimeout = v.request().connectTimeout() != null ? v.request().connectTimeout()
                : settings.connectTimeout();
        FetchException fe = ErrorClassifier.classify(error, method, v.safeUrl(), connectTimeout, responseTimeout,
                requestTimeout);
        return FetchResult.failure(index, v.request(), fe, 0, null, null, since(start), log.attempts(),
                settings.objectMapper()).withAttemptKinds(log.kinds());
    }

    /** The exception a listener is told about for a failed attempt that will be retried. */
    private FetchException classify(ValidatedRequest v, Throwable error, Duration requestTimeout) {
        if (error instanceof StatusFailure sf) {
            return new FetchException(Kind.HTTP_STATUS, v.request().method(), v.safeUrl(), sf.status(),
                    "status " + sf.status(), null);
        }
        if (error instanceof ResponseFailure rf) {
            return new FetchException(rf.kind, v.request().method(), v.safeUrl(), rf.status, rf.getMessage(), null);
        }
        Duration responseTimeout = v.request().responseTimeout() != null ? v.request().responseTimeout()
                : settings.responseTimeout();
        Duration connectTimeout = v.request().connectTimeout() != null ? v.request().connectTimeout()
                : settings.connectTimeout();
        return ErrorClassifier.classify(error, v.request().method(), v.safeUrl(), connectTimeout, responseTimeout,
                requestTimeout);
    }

    private FetchResult deadlineResult(long index, FetchRequest request, long start, Deadline deadline,
                                       AttemptLog log) {
        FetchException error = new FetchException(Kind.DEADLINE, request.method(), Redaction.url(request.url()), 0,
                "the batch deadline of " + ErrorClassifier.human(deadline.duration()) + " passed", null);
        java.util.List<Kind> kinds = new java.util.ArrayList<>(log.kinds());
        if (log.attempts() > kinds.size()) {
            kinds.add(Kind.DEADLINE); // the attempt in flight when the deadline passed
        }
        return FetchResult.failure(index, request, error, 0, null, null, since(start), log.attempts(),
                settings.objectMapper()).withAttemptKinds(kinds);
    }

    private FetchResult cancelled(long index, FetchRequest request, long start, int attempts) {
        FetchException error = new FetchException(Kind.CANCELLED, request.method(), Redaction.url(request.url()), 0,
                "the client was closed", null);
        return FetchResult.failure(index, request, error, 0, null, null, since(start), attempts,
                settings.objectMapper());
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** A deadline for one batch call, {@code after} from now on the timer scheduler; null gives none. */
    public Deadline startDeadline(Duration after) {
        return Deadline.start(after, settings.timerScheduler());
    }

    /** The client's default batch deadline, or null. */
    public Duration defaultDeadline() {
        return settings.batchDeadline();
    }

    /** Connections and permits, for {@code FetchClient.poolStats()}: {acquired, idle, pending, allocated, permitsInUse, permitWaiters}. */
    public int[] stats() {
        int[] pool = exchange.poolTotals();
        return new int[] {pool[0], pool[1], pool[2], pool[3], permits.inUse(), permits.waiting()};
    }

    /** Ends everything in flight with CANCELLED results and releases the pool and event loops. */
    public Mono<Void> close() {
        closed = true;
        closing.tryEmitEmpty();
        retries.closeWaits();
        permits.close(new CancellationException("client closed"));
        if (hostStreams != null) {
            hostStreams.close(new CancellationException("client closed"));
        }
        return exchange.dispose();
    }
}
