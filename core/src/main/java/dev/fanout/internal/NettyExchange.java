package dev.fanout.internal;

import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.NettyOutbound;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one class that talks to Reactor Netty: owns the {@link HttpClient}, its
 * {@link ConnectionProvider} (one pool per remote host, capped at {@code maxConnectionsPerHost})
 * and, unless supplied, its event loops; sends one request and collects its size-limited body.
 */
public final class NettyExchange {

    /**
     * No pool acquire timeout (zero means none to reactor-pool): waiting for a connection counts
     * against the request timeout, which ends it as REQUEST_TIMEOUT. A finite one (it was 24 h) costs a
     * task scheduled on {@code Schedulers.parallel()}, and cancelled, for every acquire that has to wait.
     */
    private static final Duration POOL_ACQUIRE_TIMEOUT = Duration.ZERO;

    /**
     * One event loop per core. Reactor Netty's own default, {@code max(cores, 4)}, is sized for servers;
     * for a client on a small machine the extra loops only add thread hand-offs and context switches
     * (S1 benchmark on 2 cores: about 20 % less CPU per request with 2 loops than with 4).
     */
    static final int EVENT_LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private static final Mono<ExchangeResponse> NO_RESPONSE =
            Mono.error(() -> new IllegalStateException("the exchange completed without a response"));

    private final Settings settings;
    private final LoopResources ownLoops;
    private final ConnectionProvider provider;
    private final PoolMetricsRegistry poolMetrics = new PoolMetricsRegistry();
    private final ChannelGroup channels = new DefaultChannelGroup("fanout", GlobalEventExecutor.INSTANCE);
    /** For https URLs: TLS configured, the protocols that go over TLS. */
    private final HttpClient secureClient;
    /**
     * For http URLs: the same client without TLS and without h2 (TLS-only). Reactor Netty would
     * otherwise copy its whole configuration at every plain-http request to drop the TLS settings.
     */
    private final HttpClient plainClient;
    private final boolean connectionTimer;
    /** Per-request connect timeouts: a client for each, made once. */
    private final Map<Duration, HttpClient> secureByConnectTimeout = new ConcurrentHashMap<>();
    private final Map<Duration, HttpClient> plainByConnectTimeout = new ConcurrentHashMap<>();
    private final AddressResolverGroup<?> ownResolver;
    private final EventLoopSchedulers loopSchedulers;

    public NettyExchange(Settings settings) {
        this.settings = settings;
        io.netty.handler.ssl.SslContext sslContext = TlsConfig.context(settings.tls(), settings.http2());
        this.ownLoops = settings.loopResources() == null
                ? LoopResources.create("fanout", EVENT_LOOPS, true)
                : null;
        // the group Reactor Netty runs this client on (runOn(loops, false) below); asking for it now creates
        // our own loops' selectors at build time rather than at the first request
        this.loopSchedulers = new EventLoopSchedulers(
                (settings.loopResources() == null ? ownLoops : settings.loopResources()).onClient(false));
        ConnectionProvider.Builder pool = ConnectionProvider.builder("fanout")
                .maxConnections(settings.maxConnectionsPerHost());
        if (settings.http2() || settings.h2c()) {
            pool.allocationStrategy(Http2Support.allocationStrategy(settings.maxConnectionsPerHost()));
        }
        this.provider = pool
                // Demand is bounded before the pool: admission (ConnectionPermits) lets at most
                // maxConnections requests at the pools at once. The pool's own bound is left off because
                // reactor-pool removes a cancelled (timed-out) waiter lazily, so its pending count can
                // briefly exceed the live waiters; any finite bound here could then throw
                // PoolAcquirePendingLimitException, which must never happen.
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(POOL_ACQUIRE_TIMEOUT)
                .maxIdleTime(settings.maxIdleTime())
                .maxLifeTime(settings.maxLifeTime())
                .evictInBackground(settings.evictionInterval())
                .metrics(true, () -> poolMetrics)
                .build();
        HttpHeaders defaults = settings.defaultHeaders();
        Resolvers.Choice resolver = Resolvers.create(settings,
                settings.loopResources() == null ? ownLoops : settings.loopResources());
        this.ownResolver = resolver.owned() ? resolver.group() : null;
        HttpClient base = HttpClient.create(provider);
        if (resolver.group() != null) {
            base = base.resolver(resolver.group());
        }
        if (settings.proxy() != null) {
            base = settings.proxy().apply(base);
        }
        base = base.protocol(Http2Support.protocols(settings.http2(), settings.h2c()));
        boolean boundZstd = settings.compression() && ContentCodings.zstd();
        if (boundZstd && (settings.http2() || settings.h2c())) {
            // an HTTP/2 stream gets its decompressor per stream; HTTP/1.1 connections at init, below
            base = base.doOnRequest((req, conn) -> ContentCodings.boundZstd(conn.channel()));
        }
        if (settings.http2() || settings.h2c()) {
            base = base.doOnRequest((req, conn) -> req.currentContextView().<UnprocessedStreamWatch>getOrEmpty(
                    UnprocessedStreamWatch.KEY).ifPresent(watch -> conn.addHandlerFirst(UnprocessedStreamWatch.NAME, watch)));
        }
        base = TlsConfig.apply(base, sslContext, settings.tls())
                // over either limit Netty's decoder fails the response: TooLongHttpLine/HeaderException -> PROTOCOL
                .httpResponseDecoder(spec -> spec.maxInitialLineLength(settings.maxInitialLineLength())
                        .maxHeaderSize(settings.maxHeaderSize()));
        // HTTP/1.1: the response timeout is one handler per connection (ResponseTimer); with HTTP/2 on,
        // Reactor Netty's per-request responseTimeout
        boolean connectionTimer = !settings.http2() && !settings.h2c();
        this.connectionTimer = connectionTimer;
        HttpClient configured = base
                .runOn(settings.loopResources() == null ? ownLoops : settings.loopResources(), false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .compress(settings.compression())
                // Redirects are followed by the pipeline (RedirectFollower), hop by hop, never by Reactor Netty.
                .followRedirect(false)
                .headers(h -> {
                    if (settings.compression()) {
                        // one value naming what this classpath decodes, in place of compress(true)'s "gzip" (and "br")
                        h.set(HttpHeaderNames.ACCEPT_ENCODING, ContentCodings.acceptEncoding());
                    }
                    h.setAll(defaults); // setAll, not set: set() would clear that Accept-Encoding; a default one wins
                })
                .doOnChannelInit((observer, channel, remoteAddress) -> {
                    channels.add(channel);
                    if (boundZstd) {
                        ContentCodings.boundZstd(channel); // once per connection (a no-op where no decompressor is yet)
                    }
                    if (connectionTimer) {
                        // after the codec and decompressor, before Reactor Netty's bridge, which consumes what it
                        // reads; its companion before the codec, to see every read of bytes
                        ResponseTimer timer = new ResponseTimer(settings.responseTimeout());
                        channel.pipeline().addBefore(NettyPipeline.ReactiveBridge, ResponseTimer.NAME, timer);
                        channel.pipeline().addBefore(NettyPipeline.HttpCodec, ResponseTimer.READS_NAME, timer.reads());
                    }
                });
        this.secureClient = connectionTimer ? configured : configured.responseTimeout(settings.responseTimeout());
        this.plainClient = secureClient.noSSL().protocol(Http2Support.plainProtocols(settings.h2c()));
    }

    /**
     * Sends {@code request} and collects the response.
     *
     * @param stripCredentials drop Authorization, Cookie and Proxy-Authorization, the client's defaults
     *        included (a redirect hop to another origin)
     * @param beforeWrite the request is written only once this completes, with its connection already
     *        held (null: at once)
     */
    public Mono<ExchangeResponse> exchange(ValidatedRequest request, boolean stripCredentials, Mono<Void> beforeWrite) {
        boolean secure = "https".equalsIgnoreCase(request.uri().getScheme());
        HttpClient client = secure ? secureClient : plainClient;
        Duration connectTimeout = request.request().connectTimeout();
        HttpClient c = connectTimeout == null ? client
                : (secure ? secureByConnectTimeout : plainByConnectTimeout).computeIfAbsent(connectTimeout,
                        d -> client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) d.toMillis()));
        boolean head = request.method().equals(HttpMethod.HEAD);
        HttpClient.RequestSender sender = c.request(request.method()).uri(request.uri());
        // A bodiless GET or HEAD with nothing of its own to add goes out as Reactor Netty builds it: each
        // send(...) copies the client's configuration once more.
        HttpClient.ResponseReceiver<?> receiver = !stripCredentials && beforeWrite == null && plain(request) ? sender
                : sender.send((req, out) -> {
                    if (stripCredentials) {
                        RedirectFollower.stripCredentials(req.requestHeaders());
                    }
                    return beforeWrite == null ? send(request, req, out)
                            : beforeWrite.then(Mono.defer(() -> Mono.from(send(request, req, out))));
                });
        Mono<ExchangeResponse> exchange = receiver
                .response((res, body) -> collect(res, body, head))
                // not next(): it would cancel the exchange after the value, and a cancelled exchange's
                // connection is closed instead of going back to the pool
                .singleOrEmpty()
                // never empty: a response that never came is an error, classified and counted as a failed attempt
                .switchIfEmpty(NO_RESPONSE);
        if (!settings.http2() && !settings.h2c()) {
            return exchange;
        }
        return Mono.defer(() -> {
            UnprocessedStreamWatch watch = new UnprocessedStreamWatch();
            return exchange.onErrorMap(watch::map).contextWrite(ctx -> ctx.put(UnprocessedStreamWatch.KEY, watch));
        });
    }

    /** A GET or HEAD for which {@link #send} would change nothing: no headers, credentials, body or own response timeout. */
    private static boolean plain(ValidatedRequest request) {
        return (HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method()))
                && request.request().headerCount() == 0 && request.authorization() == null && request.body() == null
                && request.request().responseTimeout() == null;
    }

    private NettyOutbound send(ValidatedRequest request, HttpClientRequest req, NettyOutbound out) {
        Duration responseTimeout = request.request().responseTimeout();
        if (responseTimeout != null && connectionTimer) {
            out.withConnection(connection -> ResponseTimer.nextTimeout(connection.channel(), responseTimeout));
        } else if (responseTimeout != null) {
            req.responseTimeout(responseTimeout);
        }
        int n = request.request().headerCount();
        if (n > 0 || request.authorization() != null || request.body() != null) {
            HttpHeaders headers = req.requestHeaders();
            if (request.authorization() != null) {
                headers.set(HttpHeaderNames.AUTHORIZATION, request.authorization());
            }
            for (int i = 0; i < n; i++) {
                headers.remove(request.request().headerName(i));
            }
            for (int i = 0; i < n; i++) {
                headers.add(request.request().headerName(i), request.request().headerValue(i));
            }
            byte[] body = request.body();
            if (body != null) {
                if (request.contentType() != null && !headers.contains(HttpHeaderNames.CONTENT_TYPE)) {
                    headers.set(HttpHeaderNames.CONTENT_TYPE, request.contentType());
                }
                headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                return out.sendByteArray(Mono.just(body));
            }
        }
        return out;
    }

    private Mono<ExchangeResponse> collect(HttpClientResponse res, ByteBufFlux body, boolean head) {
        int status = res.status().code();
        HttpHeaders headers = res.responseHeaders();
        if (headers.size() > settings.maxHeaderCount()) {
            // Netty has no header-count limit; checked here, before the body is read (the connection is then closed)
            return Mono.error(new ResponseFailure(dev.fanout.FetchException.Kind.PROTOCOL, status, null,
                    "invalid HTTP response (" + headers.size() + " header fields, more than maxHeaderCount "
                            + settings.maxHeaderCount() + ")"));
        }
        int limit = settings.maxBodyBytes();
        long length = head ? 0 : contentLength(headers);
        if (length > limit) {
            return Mono.error(BodyBuffer.tooLarge(limit, status, headers));
        }
        return body.reduceWith(() -> new BodyBuffer(limit, length, status, headers), BodyBuffer::append)
                .map(buffer -> new ExchangeResponse(status, headers, buffer.toBytes()));
    }

    private static long contentLength(HttpHeaders headers) {
        String value = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Where a retry's backoff waits: the configured timer (a test's virtual time) if there is one,
     * else the wheel timer, ending on the event loop the caller runs on (see {@link EventLoopSchedulers})
     * or, off the loops, on Reactor's parallel scheduler.
     */
    public reactor.core.scheduler.Scheduler backoffScheduler() {
        return settings.timer() != null ? settings.timer() : loopSchedulers.current(WheelTimer.SHARED);
    }

    /** {acquired, idle, pending, allocated} over all hosts. */
    public int[] poolTotals() {
        return poolMetrics.totals();
    }

    /**
     * Closes every connection this client opened (in-flight exchanges end at once), then disposes
     * the pool and the event loops this client created.
     */
    public Mono<Void> dispose() {
        channels.close();
        Mono<Void> pool = provider.disposeLater();
        if (ownResolver != null) {
            pool = pool.then(Mono.fromRunnable(ownResolver::close));
        }
        return ownLoops == null ? pool : pool.then(ownLoops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)));
    }

}
