package dev.fanout.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.FetchListener;
import io.netty.handler.codec.http.HttpHeaders;
import dev.fanout.RetryPolicy;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.function.IntPredicate;

/**
 * Everything a built client was configured with, frozen. The only configuration the stages read.
 *
 * @param loopResources event loops supplied by the caller, or null to create (and later dispose) our own
 * @param addressGuard the private-address guard, or null when it is off
 * @param resolver an address resolver group supplied by the caller (not closed by us), or null for the default
 * @param tls TLS trust, client certificate, handshake timeout, insecure
 * @param maxRedirects redirect hops followed when {@code followRedirects} is on
 * @param allowHttpsToHttpRedirects whether a redirect from https to http is followed
 * @param maxInitialLineLength longest status line accepted, in bytes
 * @param maxHeaderSize largest response header block accepted, in bytes
 * @param maxHeaderCount most response header fields accepted
 * @param dns resolver choice, cache TTLs, query timeout, name servers
 * @param proxy the forward proxy, or null for direct connections
 * @param http2 offer HTTP/2 over TLS by ALPN (HTTP/1.1 when the server lacks it)
 * @param h2c speak cleartext HTTP/2 with prior knowledge to http URLs
 * @param listener told about every request's start and end ({@link FetchListener#NONE} by default)
 * @param rateLimit requests per second over all hosts, 0 for none
 * @param rateLimitPerHost requests per second to one host, 0 for none
 * @param batchDeadline the default deadline of a batch call, or null for none
 * @param breakerFailures consecutive connection-level failures that open a host's circuit, 0 for no breaker
 * @param timer the scheduler for backoff, rate-limit and deadline waits, or null for the defaults (Reactor's
 *        parallel scheduler; retry backoffs on the wheel timer, see {@code NettyExchange#backoffScheduler})
 */
public record Settings(
        int concurrency,
        int maxConnections,
        int maxConnectionsPerHost,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration requestTimeout,
        int maxBodyBytes,
        HttpHeaders defaultHeaders,
        IntPredicate acceptStatus,
        ObjectMapper objectMapper,
        boolean compression,
        boolean followRedirects,
        Duration maxIdleTime,
        Duration maxLifeTime,
        Duration evictionInterval,
        LoopResources loopResources,
        AddressGuard addressGuard,
        io.netty.resolver.AddressResolverGroup<? extends java.net.SocketAddress> resolver,
        TlsOptions tls,
        int maxRedirects,
        boolean allowHttpsToHttpRedirects,
        int maxInitialLineLength,
        int maxHeaderSize,
        int maxHeaderCount,
        DnsOptions dns,
        ProxyOptions proxy,
        boolean http2,
        boolean h2c,
        FetchListener listener,
        RetryPolicy retryPolicy,
        double retryBudgetRatio,
        double retryBudgetMinPerSecond,
        double rateLimit,
        double rateLimitPerHost,
        int rateLimitBurst,
        Duration batchDeadline,
        Scheduler timer,
        boolean adaptiveRate,
        int breakerFailures,
        Duration breakerCoolOff) {

    /** Every component, with the values of credential headers redacted (a record would print them). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Settings[");
        java.lang.reflect.RecordComponent[] components = Settings.class.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            Object value;
            try {
                value = components[i].getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                value = "?";
            }
            if (value instanceof HttpHeaders headers) {
                StringBuilder h = new StringBuilder("{");
                headers.forEach(e -> h.append(h.length() > 1 ? ", " : "").append(e.getKey()).append(": ")
                        .append(Redaction.headerValue(e.getKey(), e.getValue())));
                value = h.append('}');
            }
            sb.append(i == 0 ? "" : ", ").append(components[i].getName()).append('=').append(value);
        }
        return sb.append(']').toString();
    }

    /**
     * The scheduler for rate-limit, cool-down and deadline waits and the clock they read: the configured
     * one, else Reactor's parallel. Retry backoffs use it only when configured ({@code NettyExchange#backoffScheduler}).
     */
    public Scheduler timerScheduler() {
        return timer != null ? timer : Schedulers.parallel();
    }
}
