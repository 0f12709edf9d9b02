package dev.fanout.benchmarks.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/** The JDK {@code HttpClient}: {@code sendAsync}, with a semaphore holding {@code concurrency} in flight. HTTP/1.1. */
final class JdkAsyncClient implements LoadClient {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final int concurrency;

    JdkAsyncClient(int concurrency) {
        this.concurrency = concurrency;
    }

    @Override
    public void run(String url, int n, Check check, Tally tally) throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            inFlight.acquire();
            HttpRequest request = HttpRequest.newBuilder(URI.create(url)).build();
            client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((res, error) -> {
                if (error != null) {
                    tally.error(error.getClass().getSimpleName());
                } else {
                    tally.response(res.statusCode(), check.ok(res.statusCode(), res.body()));
                }
                inFlight.release();
                done.countDown();
            });
        }
        done.await();
    }

    @Override
    public void close() {
        // HttpClient implements AutoCloseable only from JDK 21; its threads are daemons and the JVM exits after the run.
    }
}
