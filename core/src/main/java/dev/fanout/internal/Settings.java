package dev.fanout.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * @param rateLimit requests per second over all hosts, 0 for none
 * @param rateLimitPerHost requests per second to one host, 0 for none
 * @param batchDeadline the default deadline of a batch call, or null for none
 * @param breakerFailures consecutive connection-level failures that open a host's circuit, 0 for no breaker
 * @param timer the scheduler for backoff, rate-limit and deadline waits, or null for Reactor's parallel scheduler
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

    /** The scheduler for Fanout's own waits (backoff, rate limits, deadlines): the configured one, else Reactor's parallel. */
    public Scheduler timerScheduler() {
        return timer != null ? timer : Schedulers.parallel();
    }
}
