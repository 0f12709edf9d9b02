package dev.fanout.examples.recipes;

import dev.fanout.BatchProgress;
import dev.fanout.FetchClient;
import dev.fanout.ProgressSnapshot;
import dev.fanout.examples.server.SampleApiServer;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Progress of a batch ({@code tqdm} over {@code as_completed}): a {@link BatchProgress} registered
 * as the client's listener counts every request; {@code snapshots(every)} is a {@code Flux} to
 * print, log or export. This is the same API the {@code fanout} command line draws its bar from.
 */
public final class Progress {

    public static void main(String[] args) {
        BatchProgress progress = new BatchProgress();
        try (SampleApiServer api = SampleApiServer.start();
             FetchClient client = FetchClient.builder().concurrency(10).listener(progress).build()) {
            List<String> urls = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                urls.add(api.url(i % 10 == 9 ? "/status/503" : "/delay/" + (20 + i * 7 % 80)));
            }
            progress.total(urls.size());

            Disposable printer = progress.snapshots(Duration.ofMillis(100)).subscribe(s -> System.out.printf(
                    "  %3d/%d done, %2d in flight, %d failed, %.0f/s%n", s.done(), s.total(), s.inFlight(),
                    s.failed(), s.ratePerSecond()));
            client.fetchAsCompleted(urls).blockLast();
            printer.dispose();

            ProgressSnapshot end = progress.snapshot();
            System.out.printf("finished: %d ok, %d failed %s, %d bytes, by status %s, per host %s%n",
                    end.succeeded(), end.failed(), end.failedByKind(), end.bytes(), end.byStatus(), end.perHost());
        }
    }

    private Progress() {
    }
}
