package dev.fanout.benchmarks.load;

/**
 * One HTTP client under test. Implementations are small and do what a user of that client would
 * write: {@code concurrency} requests in flight, a pool of {@code concurrency} connections.
 */
public interface LoadClient extends AutoCloseable {

    /** Sends {@code n} GETs of {@code url}; returns once every response was checked and counted. */
    void run(String url, int n, Check check, Tally tally) throws Exception;

    @Override
    void close();
}
