package dev.fanout;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.internal.Assemblers;
import dev.fanout.internal.Pipeline;
import dev.fanout.internal.Settings;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.core.scheduler.Scheduler;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntPredicate;

/**
 * Sends many HTTP requests concurrently over one connection pool. Create one and share it: it is
 * immutable and thread-safe, and every call on it shares its pool and its limits.
 *
 * <pre>{@code
 * try (FetchClient client = FetchClient.builder()
 *         .concurrency(64)
 *         .maxConnectionsPerHost(16)
 *         .requestTimeout(Duration.ofSeconds(10))
 *         .build()) {
 *
 *     List<FetchResult> all = client.fetchAll(urls).block();      // input order, like asyncio.gather
 *     client.fetchAsCompleted(urls)                               // completion order, like as_completed
 *           .filter(FetchResult::isSuccess)
 *           .subscribe(r -> System.out.println(r.status() + " " + r.request().url()));
 * }
 * }</pre>
 *
 * <p>Every input yields exactly one {@link FetchResult}: a failure (an invalid URL, a refused
 * connection, a timeout, a 503) is a value on its own result, never an error signal for the batch,
 * unless you ask for that with {@link #fetchAllFailFast(Collection)}. Batch methods take a
 * {@link Collection} of URLs or a {@link Publisher} of requests; a publisher is consumed with
 * backpressure, at most {@code concurrency} requests ahead of the results drained (in
 * {@code fetchOrdered}, answers waiting behind an earlier input do not count) and twice that many
 * inputs taken from it, so a stream of millions runs in bounded memory.
 *
 * <p>Limits: {@code concurrency} caps requests in flight per call (a request waiting out a retry
 * backoff lends its slot to the next input meanwhile); {@code maxConnectionsPerHost}
 * sizes Reactor Netty's pool for each host (scheme, host and port); {@code maxConnections} caps
 * connections in use across all hosts and all calls on this client.
 *
 * <p>Timeouts, each on its own clock:
 * <ul>
 *   <li><b>connect</b> – opening one TCP connection (Netty's {@code CONNECT_TIMEOUT_MILLIS}, on the event loop);</li>
 *   <li><b>response</b> – from the moment the request has been written until the response headers, and
 *       then between any two reads from the socket (HTTP/1.1: one handler per connection, on its event
 *       loop; HTTP/2: Reactor Netty's {@code responseTimeout}); a body that trickles in just under it
 *       never trips it;</li>
 *   <li><b>request</b> – the whole attempt, from the moment it starts waiting for a connection permit or a
 *       pooled connection until the last byte of the body (a delay on one Netty {@code HashedWheelTimer}
 *       shared by all clients, 10 ms ticks)</li>
 * </ul>
 * All three are always on; {@link FetchRequest} can override them per request.
 *
 * <p>Resilience, right by default: failed idempotent requests are retried ({@link RetryPolicy},
 * 3 attempts in total, backoff with full jitter, {@code Retry-After} honoured, within a client-wide
 * retry budget); a 429 or 503 with {@code Retry-After} pauses that host; a host answering 429 gets
 * an adaptive rate. Optional: global and per-host rate limits, a per-host circuit breaker and a
 * batch deadline ({@link #fetchAll(Collection, Duration)}). See {@link Builder}.
 *
 * <p>{@link #close()} ends whatever is in flight with {@link FetchException.Kind#CANCELLED} results
 * and disposes the pool and the event loops this client created.
 */
public final class FetchClient implements AutoCloseable {

    private final Settings settings;
    private final Pipeline pipeline;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FetchClient(Settings settings) {
        this.settings = settings;
        this.pipeline = new Pipeline(settings);
    }

    /** A client with every default (see {@link Builder}). */
    public static FetchClient create() {
        return builder().build();
    }

    /** A builder for a client. */
    public static Builder builder() {
        return new Builder();
    }

    /** One request. The {@code Mono} always emits one result and never errors. */
    public Mono<FetchResult> fetch(FetchRequest request) {
        Objects.requireNonNull(request, "request");
        return pipeline.execute(0, request);
    }

    /** One GET. */
    public Mono<FetchResult> fetch(String url) {
        return fetch(FetchRequest.get(url));
    }

    /** GETs every URL; all results in input order. Never errors. */
    public Mono<List<FetchResult>> fetchAll(Collection<String> urls) {
        return Assemblers.gather(pipeline, gets(urls), settings.concurrency(), urls.size());
    }

    /** Sends every request; all results in input order. Never errors. */
    public Mono<List<FetchResult>> fetchAll(Publisher<FetchRequest> requests) {
        return Assemblers.gather(pipeline, requests, settings.concurrency(), 16);
    }

    /**
     * GETs every URL under a batch deadline (replacing the client's {@link Builder#batchDeadline}):
     * when it passes, requests in flight are cancelled and every item not yet finished, sent or
     * not, completes as a {@link FetchException.Kind#DEADLINE} result; the list is still complete,
     * one result per URL, in input order. Never errors.
     */
    public Mono<List<FetchResult>> fetchAll(Collection<String> urls, Duration deadline) {
        return Assemblers.gather(pipeline, gets(urls), settings.concurrency(), urls.size(),
                Builder.positive(deadline, "deadline"));
    }

    /**
     * Sends every request under a batch deadline; see {@link #fetchAll(Collection, Duration)}. After
     * the deadline, the rest of the publisher is still drained (each item becomes a DEADLINE result
     * without being sent), so a finite publisher yields one result per item; limit an unbounded
     * one yourself (for example with {@code take}).
     */
    public Mono<List<FetchResult>> fetchAll(Publisher<FetchRequest> requests, Duration deadline) {
        return Assemblers.gather(pipeline, requests, settings.concurrency(), 16,
                Builder.positive(deadline, "deadline"));
    }

    /** Sends every request under a batch deadline; results as they complete (see {@link #fetchAll(Publisher, Duration)}). */
    public Flux<FetchResult> fetchAsCompleted(Publisher<FetchRequest> requests, Duration deadline) {
        return Assemblers.asCompleted(pipeline, requests, settings.concurrency(),
                Builder.positive(deadline, "deadline"));
    }

    /**
     * GETs every URL; all results in input order, or the first failure as an error signal
     * ({@link FetchException}) with the requests still in flight cancelled, like
     * {@code asyncio.gather} without {@code return_exceptions}.
     */
    public Mono<List<FetchResult>> fetchAllFailFast(Collection<String> urls) {
        return Assemblers.gatherFailFast(pipeline, gets(urls), settings.concurrency(), urls.size());
    }

    /** Sends every request; all results in input order, or the first failure as an error signal. */
    public Mono<List<FetchResult>> fetchAllFailFast(Publisher<FetchRequest> requests) {
        return Assemblers.gatherFailFast(pipeline, requests, settings.concurrency(), 16);
    }

    /** GETs every URL; results as they complete. Never errors. */
    public Flux<FetchResult> fetchAsCompleted(Collection<String> urls) {
        return Assemblers.asCompleted(pipeline, gets(urls), settings.concurrency());
    }

    /** Sends every request; results as they complete. Never errors. */
    public Flux<FetchResult> fetchAsCompleted(Publisher<FetchRequest> requests) {
        return Assemblers.asCompleted(pipeline, requests, settings.concurrency());
    }

    /** GETs every URL; results streamed in input order. Never errors. */
    public Flux<FetchResult> fetchOrdered(Collection<String> urls) {
        return Assemblers.ordered(pipeline, gets(urls), settings.concurrency());
    }

    /** Sends every request; results streamed in input order. Never errors. */
    public Flux<FetchResult> fetchOrdered(Publisher<FetchRequest> requests) {
        return Assemblers.ordered(pipeline, requests, settings.concurrency());
    }

    /** Connections in use, idle and waiting, and client-wide permits, right now. */
    public PoolStats poolStats() {
        int[] s = pipeline.stats();
        return new PoolStats(s[0], s[1], s[2], s[3], s[4], s[5]);
    }

    /** The per-call concurrency this client was built with. */
    public int concurrency() {
        return settings.concurrency();
    }

    /**
     * Ends requests in flight with {@link FetchException.Kind#CANCELLED} results, closes every
     * connection, and disposes the pool and event loops this client created (not event loops
     * passed to {@link Builder#loopResources}). Idempotent. Waits up to a few seconds for the
     * release, except on a non-blocking thread, where it returns at once.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Mono<Void> done = pipeline.close();
        if (Schedulers.isInNonBlockingThread()) {
            done.subscribe();
        } else {
            done.timeout(Duration.ofSeconds(5)).onErrorResume(e -> Mono.empty()).block();
        }
    }

    private static Publisher<FetchRequest> gets(Collection<String> urls) {
        Objects.requireNonNull(urls, "urls");
        // Not Flux.fromIterable(urls).map(...): a null URL must become an INVALID_REQUEST result, not an error.
        return Flux.fromIterable(() -> new Iterator<FetchRequest>() {
            private final Iterator<String> it = urls.iterator();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public FetchRequest next() {
                return FetchRequest.get(it.next());
            }
        });
    }

    /**
     * Configures a {@link FetchClient}. Every setter checks its argument at once and says what it
     * expected; {@link #build()} checks the rules that span fields.
     */
    public static final class Builder {

        /** Default for {@link #concurrency(int)}. */
        public static final int DEFAULT_CONCURRENCY = 64;
        /** Default for {@link #maxConnections(int)}. */
        public static final int DEFAULT_MAX_CONNECTIONS = 256;
        /** Default for {@link #maxConnectionsPerHost(int)}. */
        public static final int DEFAULT_MAX_CONNECTIONS_PER_HOST = 64;
        /** Default for {@link #connectTimeout(Duration)}. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
        /** Default for {@link #responseTimeout(Duration)}. */
        public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(10);
        /** Default for {@link #requestTimeout(Duration)}. */
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
        /** Default for {@link #maxBodySize(int)}: 16 MiB. */
        public static final int DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024;
        /** Default for {@link #maxIdleTime(Duration)}: under the 5 s keep-alive of Node.js and Apache. */
        public static final Duration DEFAULT_MAX_IDLE_TIME = Duration.ofSeconds(4);
        /** Default for {@link #maxLifeTime(Duration)}. */
        public static final Duration DEFAULT_MAX_LIFE_TIME = Duration.ofMinutes(5);
        /** Default for {@link #evictionInterval(Duration)}. */
        public static final Duration DEFAULT_EVICTION_INTERVAL = Duration.ofSeconds(10);
        /** Default for {@link #maxInitialLineLength(int)}: 4 KiB, Netty's default. */
        public static final int DEFAULT_MAX_INITIAL_LINE_LENGTH = 4096;
        /** Default for {@link #maxHeaderSize(int)}: 16 KiB. */
        public static final int DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
        /** Default for {@link #maxHeaderCount(int)}. */
        public static final int DEFAULT_MAX_HEADER_COUNT = 256;
        /** Default for {@link #maxRedirects(int)}. */
        public static final int DEFAULT_MAX_REDIRECTS = 10;
        /** Default {@code User-Agent}. */
        public static final String DEFAULT_USER_AGENT = "fanout/0.1";
        /** Default ratio for {@link #retryBudget(double, double)}: retries add at most 20 % to requests sent. */
        public static final double DEFAULT_RETRY_BUDGET_RATIO = 0.2;
        /** Default floor for {@link #retryBudget(double, double)}: 10 retries per second. */
        public static final double DEFAULT_RETRY_BUDGET_MIN_PER_SECOND = 10;

        private int concurrency = DEFAULT_CONCURRENCY;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerHost = DEFAULT_MAX_CONNECTIONS_PER_HOST;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxBodySize = DEFAULT_MAX_BODY_SIZE;
        private final HttpHeaders defaultHeaders = new DefaultHttpHeaders();
        private IntPredicate acceptStatus = status -> status >= 200 && status < 300;
        private ObjectMapper objectMapper;
        private boolean compression = true;
        private boolean followRedirects = true;
        private Duration maxIdleTime = DEFAULT_MAX_IDLE_TIME;
        private Duration maxLifeTime = DEFAULT_MAX_LIFE_TIME;
        private Duration evictionInterval = DEFAULT_EVICTION_INTERVAL;
        private LoopResources loopResources;
        private boolean blockPrivateAddresses;
        private final List<String> allowedAddresses = new java.util.ArrayList<>();
        private io.netty.resolver.AddressResolverGroup<? extends java.net.SocketAddress> resolver;
        private java.nio.file.Path trustPem;
        private java.security.KeyStore trustStore;
        private java.nio.file.Path clientCertPem;
        private java.nio.file.Path clientKeyPem;
        private java.security.KeyStore clientKeyStore;
        private char[] clientKeyPassword;
        private Duration tlsHandshakeTimeout = dev.fanout.internal.TlsOptions.DEFAULT_HANDSHAKE_TIMEOUT;
        private boolean insecure;
        private int maxRedirects = DEFAULT_MAX_REDIRECTS;
        private int maxInitialLineLength = DEFAULT_MAX_INITIAL_LINE_LENGTH;
        private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
        private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
        private Duration dnsMinTtl;
        private Duration dnsMaxTtl;
        private Duration dnsNegativeTtl;
        private Duration dnsQueryTimeout;
        private List<java.net.InetSocketAddress> dnsServers;
        private boolean jvmResolver;
        private boolean socks5;
        private String proxyHost;
        private int proxyPort;
        private String proxyUser;
        private String proxyPassword;
        private final List<String> noProxy = new java.util.ArrayList<>();
        private boolean http2;
        private boolean h2c;
        private boolean allowHttpsToHttpRedirects;
        private FetchListener listener = FetchListener.NONE;
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private double retryBudgetRatio = DEFAULT_RETRY_BUDGET_RATIO;
        private double retryBudgetMinPerSecond = DEFAULT_RETRY_BUDGET_MIN_PER_SECOND;
        private double rateLimit;
        private double rateLimitPerHost;
        private int burst = 1;
        private Duration batchDeadline;
        private Scheduler timer;
        private boolean adaptiveRate = true;
        private int breakerFailures;
        private Duration breakerCoolOff;

        private Builder() {
            defaultHeaders.set(HttpHeaderNames.USER_AGENT, DEFAULT_USER_AGENT);
        }

        /**
         * Requests in flight per call (per {@code fetchAll}, {@code fetchAsCompleted}, ...). Default 64.
         * A request waiting out a retry backoff lends its slot to the next input until the wait ends;
         * at most twice this many inputs of a call are open at once.
         *
         * @throws IllegalArgumentException if {@code n <= 0}
         */
        public Builder concurrency(int n) {
            this.concurrency = positive(n, "concurrency");
            return this;
        }

        /**
         * Connections in use at once across all hosts and all calls on the client; requests beyond
         * it wait (counting against their request timeout) without failing. Default 256.
         *
         * @throws IllegalArgumentException if {@code n <= 0}
         */
        public Builder maxConnections(int n) {
            this.maxConnections = positive(n, "maxConnections");
            return this;
        }

        /**
         * Connections to one host (scheme, host and port) at once: the size of Reactor Netty's
         * pool for that host. With {@link #http2()} or {@link #h2cPriorKnowledge()} it counts
         * requests in flight to the host instead (streams, when multiplexed); they share as few
         * connections as the server's stream limit allows, never more than this many. Default 64.
         *
         * @throws IllegalArgumentException if {@code n <= 0}
         */
        public Builder maxConnectionsPerHost(int n) {
            this.maxConnectionsPerHost = positive(n, "maxConnectionsPerHost");
            return this;
        }

        /**
         * Longest wait to open one TCP connection. Default 5 s.
         *
         * @throws IllegalArgumentException if not positive, or over {@code Integer.MAX_VALUE} ms
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            if (timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("connectTimeout: " + timeout + " (expected: <= "
                        + Integer.MAX_VALUE + " ms)");
            }
            return this;
        }

        /**
         * Longest wait for the response headers after the request is sent, and between two reads
         * of the body. Default 10 s.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = positive(timeout, "responseTimeout");
            return this;
        }

        /**
         * Longest time for a whole attempt, waiting for a connection and the whole body included.
         * Default 30 s.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Largest response body kept, in bytes, after content decoding; a larger one ends as
         * {@link FetchException.Kind#BODY_TOO_LARGE} without reading the rest. Default 16 MiB.
         *
         * @throws IllegalArgumentException if {@code bytes < 0}
         */
        public Builder maxBodySize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxBodySize: " + bytes + " (expected: >= 0)");
            }
            this.maxBodySize = bytes;
            return this;
        }

        /**
         * A header sent with every request, such as {@code Authorization}; a request's own header
         * of the same name replaces it.
         *
         * @throws IllegalArgumentException if the name is not an HTTP token or the value holds CR, LF or NUL
         */
        public Builder defaultHeader(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0)) {
                throw new IllegalArgumentException("defaultHeader name: " + name + " (expected: an HTTP token)");
            }
            if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                throw new IllegalArgumentException("defaultHeader " + name + ": contains CR, LF or NUL (expected: a single-line value)");
            }
            defaultHeaders.set(name, value);
            return this;
        }

        /** The {@code User-Agent} header. Default {@value #DEFAULT_USER_AGENT}. */
        public Builder userAgent(String userAgent) {
            return defaultHeader(HttpHeaderNames.USER_AGENT.toString(), userAgent);
        }

        /** Which statuses count as success. Default: 200-299. Others fail with {@link FetchException.Kind#HTTP_STATUS}. */
        public Builder acceptStatus(IntPredicate accept) {
            this.acceptStatus = Objects.requireNonNull(accept, "acceptStatus");
            return this;
        }

        /**
         * The Jackson mapper for JSON request bodies and {@link FetchResult#json}, used as given. Default:
         * Jackson's defaults with its fast number parsers on ({@code StreamReadFeature.USE_FAST_DOUBLE_PARSER}
         * and {@code USE_FAST_BIG_NUMBER_PARSER}: the same values, parsed faster).
         */
        public Builder objectMapper(ObjectMapper mapper) {
            this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
            return this;
        }

        /**
         * Whether to ask for compressed bodies and decode them: gzip and deflate, and br and zstd when
         * brotli4j and zstd-jni are on the classpath (decoded bytes count against the body limit).
         * Default on.
         */
        public Builder compression(boolean enabled) {
            this.compression = enabled;
            return this;
        }

        /**
         * Whether to follow redirects (301, 302, 303, 307, 308), up to {@link #maxRedirects(int)}
         * hops. 303 (and 301/302 after a POST) becomes a GET; {@code Authorization}, {@code Cookie}
         * and {@code Proxy-Authorization} are dropped when the origin changes; https to http is not
         * followed unless {@link #allowHttpsToHttpRedirects()}. {@link FetchResult#url()} and
         * {@link FetchResult#redirects()} say where the chain ended. Default on.
         */
        public Builder followRedirects(boolean follow) {
            this.followRedirects = follow;
            return this;
        }

        /**
         * Most redirects followed for one request; one more, or a loop, ends as
         * {@link FetchException.Kind#TOO_MANY_REDIRECTS}. 0 turns following off. Default 10.
         *
         * @throws IllegalArgumentException if {@code n < 0}
         */
        public Builder maxRedirects(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxRedirects: " + n + " (expected: >= 0)");
            }
            this.maxRedirects = n;
            return this;
        }

        /**
         * Longest response status line, in bytes; a longer one ends as {@link FetchException.Kind#PROTOCOL}.
         * Default 4 KiB.
         *
         * @throws IllegalArgumentException if {@code bytes <= 0}
         */
        public Builder maxInitialLineLength(int bytes) {
            this.maxInitialLineLength = positive(bytes, "maxInitialLineLength");
            return this;
        }

        /**
         * Largest response header block, in bytes; a larger one ends as {@link FetchException.Kind#PROTOCOL}.
         * Default 16 KiB.
         *
         * @throws IllegalArgumentException if {@code bytes <= 0}
         */
        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize = positive(bytes, "maxHeaderSize");
            return this;
        }

        /**
         * Most response header fields; more end as {@link FetchException.Kind#PROTOCOL}. Default 256.
         *
         * @throws IllegalArgumentException if {@code n <= 0}
         */
        public Builder maxHeaderCount(int n) {
            this.maxHeaderCount = positive(n, "maxHeaderCount");
            return this;
        }

        /** Follows redirects from https to http, which are refused by default (the 3xx is the result). */
        public Builder allowHttpsToHttpRedirects() {
            this.allowHttpsToHttpRedirects = true;
            return this;
        }

        /** How long a pooled connection may sit idle before it is closed rather than reused. Default 4 s. */
        public Builder maxIdleTime(Duration d) {
            this.maxIdleTime = positive(d, "maxIdleTime");
            return this;
        }

        /** How long a pooled connection may live in all. Default 5 min. */
        public Builder maxLifeTime(Duration d) {
            this.maxLifeTime = positive(d, "maxLifeTime");
            return this;
        }

        /** How often idle and expired connections are closed in the background. Default 10 s. */
        public Builder evictionInterval(Duration d) {
            this.evictionInterval = positive(d, "evictionInterval");
            return this;
        }

        /**
         * Event loops to run on, shared with other clients or servers; the client does not dispose
         * them. Default: the client creates its own (one per core, daemon threads) and disposes them on close.
         */
        public Builder loopResources(LoopResources loops) {
            this.loopResources = Objects.requireNonNull(loops, "loopResources");
            return this;
        }

        /**
         * Turns on the private-address guard, for URLs that come from users, crawled pages or
         * queues: requests to loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10),
         * link-local (169.254/16 with cloud metadata, fe80::/10), unique-local (fc00::/7, with
         * {@code fd00:ec2::254}), multicast, unspecified and reserved addresses end as
         * {@link FetchException.Kind#BLOCKED_ADDRESS} without a connection. Checked for IP literals
         * in every spelling a browser accepts ({@code 2130706433}, {@code 0x7f.0.0.1}, {@code 127.1},
         * {@code [::ffff:127.0.0.1]}) before connecting, for names on the addresses they resolve to
         * (so DNS rebinding does not get through), and on every redirect hop. Default off.
         */
        public Builder blockPrivateAddresses() {
            this.blockPrivateAddresses = true;
            return this;
        }

        /**
         * Addresses the private-address guard lets through although they are private, as IP
         * addresses or CIDR blocks ({@code "10.20.0.0/16"}, {@code "fd00::5"}). Adds to earlier calls.
         * Has an effect only with {@link #blockPrivateAddresses()}. Default: none.
         *
         * @throws IllegalArgumentException if an entry is not an IP literal with an optional prefix length
         */
        public Builder allowAddresses(String... cidrs) {
            Objects.requireNonNull(cidrs, "cidrs");
            List<String> list = List.of(cidrs);
            dev.fanout.internal.AddressGuard.allowing(list); // validates every entry now
            allowedAddresses.addAll(list);
            return this;
        }

        /**
         * The Netty resolver group to resolve host names with, in place of Reactor Netty's default
         * asynchronous DNS resolver (for example {@code DefaultAddressResolverGroup.INSTANCE} for the
         * JVM's resolver, or a fixed mapping in tests). The client does not close it. Default: Reactor
         * Netty's DNS resolver.
         */
        public Builder addressResolverGroup(io.netty.resolver.AddressResolverGroup<? extends java.net.SocketAddress> group) {
            this.resolver = Objects.requireNonNull(group, "addressResolverGroup");
            return this;
        }

        /**
         * Trusts the CA certificates in a PEM file instead of the JDK trust store (host names are
         * still verified). Default: the JDK trust store.
         */
        public Builder trustCertificates(java.nio.file.Path pemFile) {
            this.trustPem = Objects.requireNonNull(pemFile, "trustCertificates");
            this.trustStore = null;
            return this;
        }

        /** Trusts the CA certificates in a key store instead of the JDK trust store. Default: the JDK trust store. */
        public Builder trustStore(java.security.KeyStore store) {
            this.trustStore = Objects.requireNonNull(store, "trustStore");
            this.trustPem = null;
            return this;
        }

        /**
         * Presents a client certificate (mutual TLS): the certificate chain and its PKCS#8 private key,
         * both PEM files. Default: none.
         */
        public Builder clientCertificate(java.nio.file.Path certChainPem, java.nio.file.Path privateKeyPem) {
            this.clientCertPem = Objects.requireNonNull(certChainPem, "certChainPem");
            this.clientKeyPem = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
            this.clientKeyStore = null;
            return this;
        }

        /** Presents a client certificate (mutual TLS) from a key store holding the key and its chain. Default: none. */
        public Builder clientCertificate(java.security.KeyStore keyStore, char[] password) {
            this.clientKeyStore = Objects.requireNonNull(keyStore, "keyStore");
            this.clientKeyPassword = password == null ? null : password.clone();
            this.clientCertPem = null;
            this.clientKeyPem = null;
            return this;
        }

        /**
         * Longest TLS handshake; a slower one ends as {@link FetchException.Kind#TLS}. Default 10 s.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder tlsHandshakeTimeout(Duration timeout) {
            this.tlsHandshakeTimeout = positive(timeout, "tlsHandshakeTimeout");
            return this;
        }

        /**
         * Turns TLS verification off for this client: any certificate is trusted and host names
         * are not checked. For test servers only; logs one warning when the client is built.
         * Default: off (verified).
         */
        public Builder insecure() {
            this.insecure = true;
            return this;
        }

        /**
         * Bounds how long resolved addresses are cached (the counterpart of aiohttp's
         * {@code ttl_dns_cache}): each record's own TTL, clamped to [{@code min}, {@code max}].
         * {@code max} of zero turns the cache off. Default: the records' own TTLs, no bounds.
         *
         * @throws IllegalArgumentException if {@code min < 0} or {@code max < min}
         */
        public Builder dnsCacheTtl(Duration min, Duration max) {
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
            if (min.isNegative()) {
                throw new IllegalArgumentException("dnsCacheTtl min: " + min + " (expected: >= 0)");
            }
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("dnsCacheTtl max: " + max + " (expected: >= min, " + min + ")");
            }
            this.dnsMinTtl = min;
            this.dnsMaxTtl = max;
            return this;
        }

        /**
         * How long a failed lookup (NXDOMAIN) is remembered. Default 0 (not cached).
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder dnsNegativeCacheTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "dnsNegativeCacheTtl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("dnsNegativeCacheTtl: " + ttl + " (expected: >= 0)");
            }
            this.dnsNegativeTtl = ttl;
            return this;
        }

        /**
         * Longest wait for one DNS query; a lookup that times out is a {@link FetchException.Kind#DNS}
         * failure with {@link FetchException#isDnsTimeout()} true. Default 5 s.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder dnsQueryTimeout(Duration timeout) {
            this.dnsQueryTimeout = positive(timeout, "dnsQueryTimeout");
            return this;
        }

        /** Name servers to ask, in order, instead of the system's. Default: the system's ({@code /etc/resolv.conf}). */
        public Builder dnsServers(java.net.InetSocketAddress... servers) {
            Objects.requireNonNull(servers, "dnsServers");
            if (servers.length == 0) {
                throw new IllegalArgumentException("dnsServers: none (expected: at least one)");
            }
            this.dnsServers = List.of(servers);
            return this;
        }

        /**
         * Resolves with the JVM's resolver ({@code InetAddress}: the OS resolver and the JVM's own
         * cache) instead of Netty's asynchronous DNS client, on a worker thread, never the event loop.
         * The DNS cache, timeout and server settings do not apply to it. Default: Netty's DNS client.
         */
        public Builder jvmResolver() {
            this.jvmResolver = true;
            return this;
        }

        /**
         * Sends every request through an HTTP proxy (a {@code CONNECT} tunnel, for http and https
         * URLs alike). Default: direct connections.
         *
         * @throws IllegalArgumentException if the port is not 1-65535
         */
        public Builder httpProxy(String host, int port) {
            return proxy(false, host, port);
        }

        /**
         * Sends every request through a SOCKS5 proxy (host names are resolved by the proxy).
         * Default: direct connections.
         *
         * @throws IllegalArgumentException if the port is not 1-65535
         */
        public Builder socks5Proxy(String host, int port) {
            return proxy(true, host, port);
        }

        private Builder proxy(boolean socks, String host, int port) {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("proxy port: " + port + " (expected: 1-65535)");
            }
            this.socks5 = socks;
            this.proxyHost = host;
            this.proxyPort = port;
            return this;
        }

        /** The proxy's user name and password (Basic for HTTP, RFC 1929 for SOCKS5). Never printed. Default: none. */
        public Builder proxyCredentials(String user, String password) {
            this.proxyUser = Objects.requireNonNull(user, "user");
            this.proxyPassword = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Hosts reached directly rather than through the proxy, as names or patterns where
         * {@code *} matches anything ({@code "localhost"}, {@code "*.internal"}, {@code "10.*"}).
         * Adds to earlier calls. Default: none. International names may be given in Unicode
         * ({@code "*.bücher.example"}): they are matched in their ASCII form, as requests are sent.
         *
         * @throws IllegalArgumentException if a pattern holds a name that is not a valid international host name
         */
        public Builder noProxy(String... hosts) {
            Objects.requireNonNull(hosts, "noProxy");
            List<String> ascii = new java.util.ArrayList<>(hosts.length);
            for (String host : hosts) {
                Objects.requireNonNull(host, "noProxy");
                try {
                    ascii.add(dev.fanout.internal.Idn.toAsciiPattern(host));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("noProxy: " + host + " (" + e.getMessage() + ")", e);
                }
            }
            noProxy.addAll(ascii);
            return this;
        }

        /**
         * Offers HTTP/2 to https URLs (negotiated by ALPN; servers without it get HTTP/1.1). With
         * HTTP/2, at most {@link #maxConnectionsPerHost(int)} requests to a host are in flight at
         * once, multiplexed: a further connection to the host is opened only when the open ones
         * carry as many streams as the server allows ({@code SETTINGS_MAX_CONCURRENT_STREAMS}).
         * An HTTP/1.1 fallback keeps up to {@code maxConnectionsPerHost} connections. Default:
         * HTTP/1.1 only.
         */
        public Builder http2() {
            this.http2 = true;
            return this;
        }

        /**
         * Speaks cleartext HTTP/2 with prior knowledge ({@code h2c}) to http URLs: only for servers
         * known to accept it, there is no fallback. Requests are multiplexed and counted per host as
         * with {@link #http2()}. Default: HTTP/1.1.
         */
        public Builder h2cPriorKnowledge() {
            this.h2c = true;
            return this;
        }

        /**
         * Told about every request this client runs: its start, and its result or cancellation;
         * for progress and metrics (see {@link BatchProgress}). Default {@link FetchListener#NONE}.
         */
        public Builder listener(FetchListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * When and how failed requests are sent again; {@link FetchRequest#retry} overrides it per
         * request. Default {@link RetryPolicy#defaults()}: 3 attempts in total, 100 ms doubling to
         * 5 s with full jitter, connection failures, premature closes, connect and response
         * timeouts and statuses 429/502/503/504, idempotent methods only, {@code Retry-After}
         * honoured up to 30 s. {@link RetryPolicy#none()} turns retries off.
         */
        public Builder retry(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy, "retry");
            return this;
        }

        /**
         * The client-wide retry budget: retries may add at most {@code ratio} to the first attempts
         * sent, plus {@code minPerSecond} retries per second whatever the traffic. When it is spent,
         * an item that would be retried fails with its last error. Default 0.2 and 10/s.
         *
         * @throws IllegalArgumentException if {@code ratio} or {@code minPerSecond} is negative
         */
        public Builder retryBudget(double ratio, double minPerSecond) {
            if (!(ratio >= 0) || Double.isInfinite(ratio)) {
                throw new IllegalArgumentException("retryBudget ratio: " + ratio + " (expected: >= 0)");
            }
            if (!(minPerSecond >= 0) || Double.isInfinite(minPerSecond)) {
                throw new IllegalArgumentException("retryBudget minPerSecond: " + minPerSecond + " (expected: >= 0)");
            }
            this.retryBudgetRatio = ratio;
            this.retryBudgetMinPerSecond = minPerSecond;
            return this;
        }

        /**
         * Requests per second across all hosts and calls, retries included: a token bucket of
         * {@link #burst(int)} tokens, so with the default burst of 1 requests are spaced evenly and
         * no one-second window holds more than {@code perSecond + 1}. The wait happens before a
         * connection permit is taken. Default: no limit.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder rateLimit(double perSecond) {
            this.rateLimit = positiveRate(perSecond, "rateLimit");
            return this;
        }

        /**
         * Requests per second to one host (scheme, host and port), like {@link #rateLimit(double)}.
         * Default: no limit.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder rateLimitPerHost(double perSecond) {
            this.rateLimitPerHost = positiveRate(perSecond, "rateLimitPerHost");
            return this;
        }

        /**
         * How many requests the rate limits let through at once after a quiet spell. Default 1.
         *
         * @throws IllegalArgumentException if {@code n <= 0}
         */
        public Builder burst(int n) {
            this.burst = positive(n, "burst");
            return this;
        }

        /**
         * A deadline for every batch call ({@code fetchAll}, {@code fetchAsCompleted},
         * {@code fetchOrdered}, from subscription): when it passes, requests in flight are
         * cancelled and every item not finished completes as {@link FetchException.Kind#DEADLINE}.
         * {@link FetchClient#fetchAll(Collection, Duration)} overrides it per call. Default: none.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder batchDeadline(Duration d) {
            this.batchDeadline = positive(d, "batchDeadline");
            return this;
        }

        /**
         * Whether a host's rate adapts to what it tolerates (additive increase, multiplicative
         * decrease): a 429, or a 503 with {@code Retry-After}, puts the host under half the rate it
         * was sent in the last second, halved again only by refusals of requests sent after that
         * (never below 1/s); each later success raises it by {@code 1/rate}, up to
         * {@link #rateLimitPerHost(double)} if set. Hosts that never refuse are not limited; a bare
         * 503 (an outage as often as overload) does not count. Default on.
         */
        public Builder adaptiveRate(boolean enabled) {
            this.adaptiveRate = enabled;
            return this;
        }

        /**
         * A circuit breaker per host: after {@code consecutiveFailures} connection-level failures
         * in a row to a host (refused, connect timeout, reset or premature close, DNS, TLS), its
         * remaining attempts fail at once with the last failure, without being sent or retried, for
         * {@code coolOff}; then one probe is let through, which closes the circuit if it gets any
         * response. Default: off.
         *
         * @throws IllegalArgumentException if {@code consecutiveFailures <= 0} or {@code coolOff} is not positive
         */
        public Builder circuitBreaker(int consecutiveFailures, Duration coolOff) {
            this.breakerFailures = positive(consecutiveFailures, "circuitBreaker consecutiveFailures");
            this.breakerCoolOff = positive(coolOff, "circuitBreaker coolOff");
            return this;
        }

        /**
         * The scheduler for Fanout's own waits: retry backoff, rate-limit tokens, cool-downs and
         * batch deadlines (its clock is read for them too). For tests, a {@code VirtualTimeScheduler}.
         * Default: Reactor's {@code Schedulers.parallel()}, looked up at each use, except for retry
         * backoffs, which wait on Fanout's shared wheel timer (10 ms ticks: a backoff lasts at least
         * about one tick) and resume on the event loop that saw the failure (on the parallel scheduler
         * when the failure was seen elsewhere, as a request timeout is). So for virtual time set this
         * ({@code StepVerifier.withVirtualTime} alone does not reach the backoffs, nor do
         * {@code Schedulers.onScheduleHook} decorators); once set, every wait, backoffs included, is on
         * this scheduler.
         */
        public Builder timer(Scheduler scheduler) {
            this.timer = Objects.requireNonNull(scheduler, "timer");
            return this;
        }

        /**
         * Builds the client.
         *
         * @throws IllegalArgumentException if {@code maxConnectionsPerHost > maxConnections}, if a
         *         proxy is combined with {@code blockPrivateAddresses()}, if
         *         {@code insecure()} is combined with custom trust, or if a TLS file or store cannot be read
         */
        public FetchClient build() {
            if (blockPrivateAddresses && proxyHost != null) {
                throw new IllegalArgumentException("proxy: combined with blockPrivateAddresses() (expected: one or the"
                        + " other; through a proxy the guard cannot see the addresses connected to)");
            }
            if (proxyUser != null && proxyHost == null) {
                throw new IllegalArgumentException("proxyCredentials: given without httpProxy or socks5Proxy");
            }
            if (insecure && (trustPem != null || trustStore != null)) {
                throw new IllegalArgumentException("insecure: combined with trustCertificates/trustStore"
                        + " (expected: one or the other)");
            }
            if (maxConnectionsPerHost > maxConnections) {
                throw new IllegalArgumentException("maxConnectionsPerHost: " + maxConnectionsPerHost
                        + " (expected: <= maxConnections, " + maxConnections + ")");
            }
            HttpHeaders headers = new DefaultHttpHeaders().set(defaultHeaders);
            return new FetchClient(new Settings(concurrency, maxConnections, maxConnectionsPerHost, connectTimeout,
                    responseTimeout, requestTimeout, maxBodySize, headers, acceptStatus,
                    objectMapper != null ? objectMapper : dev.fanout.internal.DefaultMapper.create(), compression, followRedirects,
                    maxIdleTime, maxLifeTime, evictionInterval, loopResources,
                    blockPrivateAddresses ? dev.fanout.internal.AddressGuard.allowing(allowedAddresses) : null,
                    resolver,
                    new dev.fanout.internal.TlsOptions(trustPem, trustStore, clientCertPem, clientKeyPem,
                            clientKeyStore, clientKeyPassword, tlsHandshakeTimeout, insecure),
                    maxRedirects, allowHttpsToHttpRedirects, maxInitialLineLength, maxHeaderSize, maxHeaderCount,
                    new dev.fanout.internal.DnsOptions(dnsMinTtl, dnsMaxTtl, dnsNegativeTtl, dnsQueryTimeout, dnsServers,
                            jvmResolver),
                    proxyHost == null ? null : new dev.fanout.internal.ProxyOptions(socks5, proxyHost, proxyPort,
                            proxyUser, proxyPassword, List.copyOf(noProxy)),
                    http2, h2c, listener, retryPolicy, retryBudgetRatio, retryBudgetMinPerSecond, rateLimit,
                    rateLimitPerHost, burst, batchDeadline, timer, adaptiveRate, breakerFailures, breakerCoolOff));
        }

        private static int positive(int n, String name) {
            if (n <= 0) {
                throw new IllegalArgumentException(name + ": " + n + " (expected: > 0)");
            }
            return n;
        }

        private static double positiveRate(double perSecond, String name) {
            if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
                throw new IllegalArgumentException(name + ": " + perSecond + " (expected: > 0)");
            }
            return perSecond;
        }

        static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
