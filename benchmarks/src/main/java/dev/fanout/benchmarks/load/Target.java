package dev.fanout.benchmarks.load;

/**
 * The server the clients load, in a process of its own on 127.0.0.1. Endpoints: {@code /1k.json},
 * {@code /100k.json}, {@code /delay} (100 ms, then a small JSON), {@code /nodelay} (the same without
 * the wait: S2's warm-up) and {@code /flaky} (the 1 KB JSON, or a 503 for 10 % of requests at random).
 */
interface Target extends AutoCloseable {

    /** {@code http://127.0.0.1:port}: HTTP/1.1. */
    String baseUrl();

    /**
     * {@code http://127.0.0.1:port2}: the same endpoints over cleartext HTTP/2 with prior knowledge
     * ({@code h2c}), a port that speaks nothing else, for the {@code -h2c} clients.
     */
    String h2cBaseUrl();

    /** What is serving, for the results: "nginx 1.22.1 (1 worker)" for example. */
    String description();

    /** Connections the server has accepted so far, or -1 when it cannot tell. */
    default long acceptedConnections() {
        return -1;
    }

    /** Stops the process this target started, and only that one. */
    @Override
    void close();
}
