package dev.fanout.examples.recipes;

import dev.fanout.FetchClient;
import dev.fanout.examples.server.SampleApiServer;

import java.util.Collections;
import java.util.List;

/**
 * Connection limits, total and per host ({@code aiohttp.TCPConnector(limit=, limit_per_host=)}):
 * {@code maxConnectionsPerHost} sizes the pool for each host, {@code maxConnections} caps
 * connections in use across all hosts. Requests beyond a limit wait for a connection; none fails.
 */
public final class ConnectionLimits {

    public static void main(String[] args) {
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder()
                     .concurrency(50)              // the call would run 50 at once...
                     .maxConnectionsPerHost(4)     // ...but only 4 connections to one host
                     .maxConnections(8)            // and 8 in all
                     .build()) {
            List<String> urls = Collections.nCopies(20, api.url("/delay/100"));

            long start = System.nanoTime();
            client.fetchAll(urls).block();
            long ms = (System.nanoTime() - start) / 1_000_000;

            System.out.printf("20 requests of 100 ms with maxConnectionsPerHost(4): %d ms (about 20/4 x 100 ms)%n", ms);
            System.out.printf("most requests the server saw at once: %d%n", api.maxInFlight());
            System.out.println("pool now: " + client.poolStats());
        }
    }

    private ConnectionLimits() {
    }
}
