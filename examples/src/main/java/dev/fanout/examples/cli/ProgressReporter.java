package dev.fanout.examples.cli;

import dev.fanout.BatchProgress;
import dev.fanout.ProgressSnapshot;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import reactor.core.Disposable;

import java.io.PrintStream;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/**
 * Shows a {@link BatchProgress} on stderr while a run goes on: a live bar (me.tongfei progressbar)
 * when stderr is a terminal, otherwise a plain status line every few seconds.
 */
abstract class ProgressReporter implements AutoCloseable {

    /** How progress is shown. */
    enum Mode { auto, bar, line, none }

    static ProgressReporter start(Mode mode, BatchProgress progress, PrintStream err, Duration every,
                                  boolean stderrIsTerminal) {
        Mode resolved = mode == Mode.auto ? (stderrIsTerminal ? Mode.bar : Mode.line) : mode;
        return switch (resolved) {
            case bar -> new Bar(progress, err, every == null ? Duration.ofMillis(200) : every);
            case line -> new Line(progress, err, every == null ? Duration.ofSeconds(2) : every);
            default -> new ProgressReporter() {
                @Override
                public void close() {
                }
            };
        };
    }

    @Override
    public abstract void close();

    static String counts(ProgressSnapshot s) {
        return "ok " + s.succeeded() + ", failed " + s.failed() + ", in flight " + s.inFlight();
    }

    /** The plain line, for logs and pipes. */
    private static final class Line extends ProgressReporter {
        private final Disposable ticks;

        Line(BatchProgress progress, PrintStream err, Duration every) {
            this.ticks = progress.snapshots(every).skip(1).subscribe(s -> err.println(line(s)));
        }

        static String line(ProgressSnapshot s) {
            String done = s.total() >= 0
                    ? s.done() + "/" + s.total() + String.format(" (%.1f%%)", 100 * s.fractionDone())
                    : String.valueOf(s.done());
            return String.format("fanout: %s done, %.0f/s, %s, %ds", done, s.ratePerSecond(), counts(s),
                    s.elapsed().toSeconds());
        }

        @Override
        public void close() {
            ticks.dispose();
        }
    }

    /** The live bar; the library redraws it on its own thread, the snapshots feed it. */
    private static final class Bar extends ProgressReporter {
        private final ProgressBar bar;
        private final Disposable ticks;
        private final BatchProgress progress;

        Bar(BatchProgress progress, PrintStream err, Duration every) {
            this.progress = progress;
            this.bar = new ProgressBarBuilder().setTaskName("fanout").setInitialMax(-1)
                    .setConsumer(new ConsoleProgressBarConsumer(err))
                    .setUpdateIntervalMillis((int) Math.max(50, every.toMillis()))
                    .setUnit(" req", 1).showSpeed().setSpeedUnit(ChronoUnit.SECONDS)
                    .build();
            this.ticks = progress.snapshots(every).subscribe(this::show);
        }

        private void show(ProgressSnapshot s) {
            if (s.total() >= 0 && bar.getMax() != s.total()) {
                bar.maxHint(s.total());
            }
            bar.stepTo(s.done());
            bar.setExtraMessage(" " + counts(s));
        }

        @Override
        public void close() {
            ticks.dispose();
            show(progress.snapshot());
            bar.close();
        }
    }
}
