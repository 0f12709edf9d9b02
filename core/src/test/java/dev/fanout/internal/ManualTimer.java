package dev.fanout.internal;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A timer fired by hand: records each task armed, its delay, and whether it was disarmed. */
class ManualTimer implements Scheduler {
    final List<Armed> armed = new ArrayList<>();

    static final class Armed implements Disposable {
        final Runnable task;
        final long delayNanos;
        volatile boolean disposed;

        Armed(Runnable task, long delayNanos) {
            this.task = task;
            this.delayNanos = delayNanos;
        }

        void fire() {
            task.run(); // as the wheel would, had the dispose come too late to stop it
        }

        @Override
        public void dispose() {
            disposed = true;
        }

        @Override
        public boolean isDisposed() {
            return disposed;
        }
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        Armed a = new Armed(task, unit.toNanos(delay));
        armed.add(a);
        return a;
    }

    @Override
    public Disposable schedule(Runnable task) {
        throw new UnsupportedOperationException("only delayed tasks");
    }

    @Override
    public Worker createWorker() {
        throw new UnsupportedOperationException("only delayed tasks");
    }

    Armed only() {
        assertThat(armed).hasSize(1);
        return armed.get(0);
    }
}
