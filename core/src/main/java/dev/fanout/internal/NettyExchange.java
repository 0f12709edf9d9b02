package dev.fanout.internal;

import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
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

    public NettyExchange(Settings settings) {
        this.settings = settings;
        this.ownLoops = settings.loopResources() == null
                ? LoopResources.create("fanout", LoopResources.DEFAULT_IO_WORKER_COUNT, true)
                : null;
        this.provider = ConnectionProvider.builder("fanout")
                .maxConnections(settings.maxConnectionsPerHost())
                // Admission (ConnectionPermits) lets at most maxConnections requests reach the pools,
                // so no host's pending queue can reach this bound: PoolAcquirePendingLimitException cannot happen.
                .pendingAcquireMaxCount(settings.maxConnections())
                .pendingAcquireTimeout(POOL_ACQUIRE_TIMEOUT)
                .maxIdleTime(settings.maxIdleTime())
                .maxLifeTime(settings.maxLifeTime())
                .evictInBackground(settings.evictionInterval())
                .metrics(true, () -> poolMetrics)
                .build();
        HttpHeaders defaults = settings.defaultHeaders();
        this.client = HttpClient.create(provider)
                .runOn(settings.loopResources() == null ? ownLoops : settings.loopResources(), false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .responseTimeout(settings.responseTimeout())
                .compress(settings.compression())
                .followRedirect(settings.followRedirects())
                .headers(h -> h.set(defaults))
                .doOnChannelInit((observer, channel, remoteAddress) -> channels.add(channel));
    }

    /** Sends {@code request} and collects the response; errors are raw, for the classifier. */
    public Mono<ExchangeResponse> exchange(ValidatedRequest request) {
        return exchange(request, null);
    }

    /**
     * Like {@link #exchange(ValidatedRequest)}, but the request is written only once
     * {@code beforeWrite} completes, with its connection already held (null: at once).
     */
    public Mono<ExchangeResponse> exchange(ValidatedRequest request, Mono<Void> beforeWrite) {
        Duration connectTimeout = request.request().connectTimeout();
        HttpClient c = connectTimeout == null ? client
                : byConnectTimeout.computeIfAbsent(connectTimeout,
                        d -> client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) d.toMillis()));
        boolean head = request.method().equals(HttpMethod.HEAD);
        return c.request(request.method())
                .uri(request.uri())
                .send((req, out) -> beforeWrite == null ? send(request, req, out)
                        : beforeWrite.then(Mono.defer(() -> Mono.from(send(request, req, out)))))
                .response((res, body) -> collect(res, body, head))
                .next();
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
        return ownLoops == null ? pool : pool.then(ownLoops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)));
    }

}
