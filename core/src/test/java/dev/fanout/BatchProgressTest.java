package dev.fanout;

import dev.fanout.FetchException.Kind;
import dev.fanout.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.fanout.testing.PoolAssertions.assertPoolQuiet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BatchProgress as a client listener, against a real server. */
class BatchProgressTest {

    @RegisterExtension
    static final TestServer server = new TestServer();

    @Test
    void countsEveryResultBySuccessKindStatusBytesAndHost() {
        BatchProgress progress = new BatchProgress().total(7);
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            urls.add(server.url("/bytes/100"));
        }
        urls.add(server.url("/status/404"));
        urls.add(server.url("/status/503"));
        urls.add("not a url");
        try (FetchClient client = FetchClient.builder().listener(progress).build()) {
            client.fetchAll(urls).block(Duration.ofSeconds(10));
            assertPoolQuiet(client);
        }
        ProgressSnapshot s = progress.snapshot();
        assertThat(s.total()).isEqualTo(7);
        assertThat(s.started()).isEqualTo(7);
        assertThat(s.done()).isEqualTo(7);
        assertThat(s.succeeded()).isEqualTo(4);
        assertThat(s.failed()).isEqualTo(3);
        assertThat(s.inFlight()).isZero();
        assertThat(s.cancelled()).isZero();
        assertThat(s.failedByKind()).containsEntry(Kind.HTTP_STATUS, 2L).containsEntry(Kind.INVALID_REQUEST, 1L)
                .hasSize(2);
        assertThat(s.byStatus()).containsEntry(200, 4L).containsEntry(404, 1L).containsEntry(503, 1L)
                .containsEntry(0, 1L);
        assertThat(s.bytes()).isEqualTo(400 + "status 404".length() + "status 503".length());
        assertThat(s.perHost().get("127.0.0.1:" + server.port()))
                .isEqualTo(new ProgressSnapshot.HostCounts(6, 6, 2));
        assertThat(s.fractionDone()).isEqualTo(1.0);
    }

    @Test
    void inFlightShowsRequestsStartedAndNotYetEnded() {
        BatchProgress progress = new BatchProgress();
        try (FetchClient client = FetchClient.builder().listener(progress).concurrency(3).build()) {
            List<String> urls = List.of(server.url("/delay/400"), server.url("/delay/400"), server.url("/delay/400"),
                    server.url("/ok"));
            StepVerifier.create(client.fetchAsCompleted(urls))
                    .then(() -> {
                        // the three slow ones are in flight; the fourth waits for a slot, so it has not started
                        waitUntil(() -> progress.snapshot().inFlight() == 3);
                        assertThat(progress.snapshot().started()).isEqualTo(3);
                        assertThat(progress.snapshot().done()).isZero();
                    })
                    .expectNextCount(4)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
            assertThat(progress.snapshot().inFlight()).isZero();
            assertThat(progress.snapshot().done()).isEqualTo(4);
        }
    }

    @Test
    void cancelledRequestsEndAsCancelledNotInFlight() {
        BatchProgress progress = new BatchProgress();
        try (FetchClient client = FetchClient.builder().listener(progress).concurrency(4).build()) {
            List<String> urls = List.of(server.url("/ok"), server.url("/stall-headers"), server.url("/stall-headers"),
                    server.url("/stall-headers"));
            StepVerifier.create(client.fetchAsCompleted(urls).take(1))
                    .expectNextCount(1)
                    .expectComplete()
                    .verify(Duration.ofSeconds(10));
            // flatMap cancels the other inners when its drain loop resumes, just after take(1) completed;
            // every started request then ends as exactly one of a result or a cancellation. (Usually all four
            // have started; on a fast loopback /ok can answer before the last ones are taken from the input.)
            waitUntil(() -> {
                ProgressSnapshot s = progress.snapshot();
                lastSnapshot = s;
                return s.done() + s.cancelled() == s.started();
            });
            ProgressSnapshot s = progress.snapshot();
            assertThat(s.inFlight()).isZero();
            assertThat(s.done()).as(s.toString()).isEqualTo(1);
            assertThat(s.cancelled()).as(s.toString()).isEqualTo(s.started() - 1);
        }
    }

    @Test
    void aThrowingListenerNeverBreaksTheBatch() {
        AtomicInteger calls = new AtomicInteger();
        FetchListener faulty = new FetchListener() {
            @Override
            public void onStart(FetchRequest request, long index) {
                calls.incrementAndGet();
                throw new IllegalStateException("boom");
            }

            @Override
            public void onResult(FetchResult result) {
                calls.incrementAndGet();
                throw new IllegalStateException("boom");
            }
        };
        try (FetchClient client = FetchClient.builder().listener(faulty).build()) {
            List<FetchResult> results = client.fetchAll(List.of(server.url("/ok"), server.url("/ok")))
                    .block(Duration.ofSeconds(10));
            assertThat(results).hasSize(2).allMatch(FetchResult::isSuccess);
        }
        assertThat(calls).hasValue(4);
    }

    @Test
    void snapshotsEmitPeriodicallyUntilDisposed() {
        BatchProgress progress = new BatchProgress();
        StepVerifier.withVirtualTime(() -> progress.snapshots(Duration.ofSeconds(1)).take(3))
                .expectNextCount(1)
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNextCount(1)
                .thenAwait(Duration.ofSeconds(1))
                .expectNextCount(1)
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void rejectsBadArgumentsWithTheExpectedShape() {
        assertThatThrownBy(() -> new BatchProgress().total(-1)).hasMessage("total: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new BatchProgress().snapshots(Duration.ZERO)).hasMessage("every: PT0S (expected: > 0)");
        assertThatThrownBy(() -> FetchClient.builder().listener(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void hostOfStripsSchemeUserInfoPathAndCase() {
        assertThat(BatchProgress.hostOf("http://u:p@Example.COM:8080/a?b#c")).isEqualTo("example.com:8080");
        assertThat(BatchProgress.hostOf("https://a.b")).isEqualTo("a.b");
        assertThat(BatchProgress.hostOf("http://u@BÜCHER.example:8080/ü")).isEqualTo("xn--bcher-kva.example:8080");
        assertThat(BatchProgress.hostOf(null)).isEmpty();
    }

    private static volatile Object lastSnapshot;

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s: " + lastSnapshot);
            }
            try {
                Thread.sleep(5); // not a spin: on a busy machine a spin starves the event loop we wait for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
