package dev.fanout.internal;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;

/**
 * The deadline of one batch call: fires once, on the timer scheduler, after the given duration.
 * Requests still in flight are cancelled by it and items not yet started complete at once as
 * DEADLINE results.
 */
public final class Deadline {

    private static final Deadline NONE = new Deadline(null);

    private final Duration duration;
    private final Sinks.One<Boolean> expiry = Sinks.one();
    private volatile boolean passed;
    private volatile Disposable task;

    private Deadline(Duration duration) {
        this.duration = duration;
    }

    /** No deadline. */
    public static Deadline none() {
        return NONE;
    }

    /** A deadline {@code after} from now (null: none), timed on {@code timer}. */
    public static Deadline start(Duration after, Scheduler timer) {
        if (after == null) {
            return NONE;
        }
        Deadline d = new Deadline(after);
        d.task = timer.schedule(d::expire, after.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        return d;
    }

    /** Whether the deadline has passed. */
    public boolean passed() {
        return passed;
    }

    /** The duration it was started with, or null for none. */
    public Duration duration() {
        return duration;
    }

    /** Emits once when the deadline passes; never for {@link #none()}. */
    Mono<Boolean> expiry() {
        return this == NONE ? Mono.never() : expiry.asMono();
    }

    /** Stops the timer (the batch is over). */
    public void dispose() {
        Disposable t = task;
        if (t != null) {
            t.dispose();
        }
    }

    private void expire() {
        passed = true;
        expiry.tryEmitValue(Boolean.TRUE);
    }
}
