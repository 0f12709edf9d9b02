package dev.fanout.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.FetchListener;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.function.IntPredicate;

/**
 * Everything a built client was configured with, frozen. The only configuration the stages read.
 *
 * @param loopResources event loops supplied by the caller, or null to create (and later dispose) our own
 * @param listener told about every request's start and end ({@link FetchListener#NONE} by default)
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
        FetchListener listener) {
}
