package dev.fanout.benchmarks.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK {@code HttpClient} the JDK 21+ way: {@code concurrency} virtual threads, each calling
 * the blocking {@code send} in a loop. The executor is looked up reflectively because the build
 * targets Java 17; {@link #available()} says whether this JVM has it.
 */
final class JdkVirtualThreadClient implements LoadClient {

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final int concurrency;

    JdkVirtualThreadClient(int concurrency) {
        this.concurrency = concurrency;
    }

    static boolean available() {
        return Runtime.version().feature() >= 21;
    }

    @Override
    public void run(String url, int n, Check check, Tally tally) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService threads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
                .invoke(null);
        for (int t = 0; t < concurrency; t++) {
            threads.execute(() -> {
                while (next.getAndIncrement() < n) {
                    try {
                        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).build();
                        HttpResponse<byte[]> res = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        tally.response(res.statusCode(), check.ok(res.statusCode(), res.body()));
                    } catch (Exception e) {
                        tally.error(e.getClass().getSimpleName());
                    }
                }
            });
        }
        threads.shutdown();
        if (!threads.awaitTermination(1, TimeUnit.HOURS)) {
            throw new IllegalStateException("virtual threads did not finish");
        }
    }

    @Override
    public void close() {
    }
}
