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
     * The pool's own acquire timeout is pushed out of the way: waiting for a connection counts
     * against the request timeout, which fires first and is reported as REQUEST_TIMEOUT.
     */
    private static final Duration POOL_ACQUIRE_TIMEOUT = Duration.ofHours(24);

    private final Settings settings;
    private final LoopResources ownLoops;
    private final ConnectionProvider provider;
    private final PoolMetricsRegistry poolMetrics = new PoolMetricsRegistry();
    private final ChannelGroup channels = new DefaultChannelGroup("fanout", GlobalEventExecutor.INSTANCE);
    private final HttpClient client;
    private final Map<Duration, HttpClient> byConnectTimeout = new ConcurrentHashMap<>();
    private final AddressResolverGroup<?> ownResolver;

    public NettyExchange(Settings settings) {
        this.settings = settings;
        io.netty.handler.ssl.SslContext sslContext = TlsConfig.context(settings.tls(), settings.http2());
        this.ownLoops = settings.loopResources() == null
                ? LoopResources.create("fanout", LoopResources.DEFAULT_IO_WORKER_COUNT, true)
                : null;
        ConnectionProvider.Builder pool = ConnectionProvider.builder("fanout")
                .maxConnections(settings.maxConnectionsPerHost());
        // With HTTP/2 the per-host limit counts requests (streams), enforced by HostStreamPermits in the
        // pipeline; the pool keeps maxConnectionsPerHost connections per host for an HTTP/1.1 fallback.
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
        if (settings.compression() && ContentCodings.zstd()) {
            base = base.doOnRequest((req, conn) -> ContentCodings.boundZstd(conn.channel()));
        }
        if (settings.http2() || settings.h2c()) {
            base = base.doOnRequest((req, conn) -> req.currentContextView().<RefusedStreamWatch>getOrEmpty(
                    RefusedStreamWatch.KEY).ifPresent(watch -> conn.addHandlerFirst(RefusedStreamWatch.NAME, watch)));
        }
        base = TlsConfig.apply(base, sslContext, settings.tls())
                // over either limit Netty's decoder fails the response: TooLongHttpLine/HeaderException -> PROTOCOL
                .httpResponseDecoder(spec -> spec.maxInitialLineLength(settings.maxInitialLineLength())
                        .maxHeaderSize(settings.maxHeaderSize()));
        this.client = base
                .runOn(settings.loopResources() == null ? ownLoops : settings.loopResources(), false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .responseTimeout(settings.responseTimeout())
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
                .doOnChannelInit((observer, channel, remoteAddress) -> channels.add(channel));
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
        Duration connectTimeout = request.request().connectTimeout();
        HttpClient c = connectTimeout == null ? client
                : byConnectTimeout.computeIfAbsent(connectTimeout,
                        d -> client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) d.toMillis()));
        boolean head = request.method().equals(HttpMethod.HEAD);
        Mono<ExchangeResponse> exchange = c.request(request.method())
                .uri(request.uri())
                .send((req, out) -> {
                    if (stripCredentials) {
                        RedirectFollower.stripCredentials(req.requestHeaders());
                    }
                    return beforeWrite == null ? send(request, req, out)
                            : beforeWrite.then(Mono.defer(() -> Mono.from(send(request, req, out))));
                })
                .response((res, body) -> collect(res, body, head))
                // not next(): it would cancel the exchange after the value, and a cancelled exchange's
                // connection is closed instead of going back to the pool
                .singleOrEmpty();
        if (!settings.http2() && !settings.h2c()) {
            return exchange;
        }
        return Mono.defer(() -> {
            RefusedStreamWatch watch = new RefusedStreamWatch();
            return exchange.onErrorMap(watch::map).contextWrite(ctx -> ctx.put(RefusedStreamWatch.KEY, watch));
        });
    }

    private static NettyOutbound send(ValidatedRequest request, HttpClientRequest req, NettyOutbound out) {
        Duration responseTimeout = request.request().responseTimeout();
        if (responseTimeout != null) {
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
