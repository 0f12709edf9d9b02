package dev.fanout.internal;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.DefaultThreadFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The clock for the per-request timeout and, by default, retry backoffs: a Reactor {@link Scheduler}
 * over one process-wide Netty {@link HashedWheelTimer} (10 ms ticks). Every request arms a timeout and almost every one is
 * cancelled; on Reactor's parallel scheduler that is a locked insert into and removal from a
 * {@code ScheduledThreadPoolExecutor} heap per request, contended by every event loop (the
 * benchmark's ablation put it at about a fifth of Fanout's CPU per request). The wheel takes both
 * through lock-free queues, at the price of tick precision, which a timeout of seconds does not
 * notice. Only delayed tasks are supported, which is all {@code Mono.delay} asks for.
 *
 * <p>Due tasks run on Reactor's parallel scheduler, or on a given executor ({@link #runningOn}).
 */
public final class WheelTimer implements Scheduler {

    /** The longest delay Fanout's timers take (about 73 years): longer ones mean "none" and are capped to this. */
    static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE / 4);

    /** {@code d}, or {@link #LONGEST} if longer: no overflow in nanosecond arithmetic (a Duration can exceed a long). */
    static Duration capped(Duration d) {
        return d.compareTo(LONGEST) > 0 ? LONGEST : d;
    }

    /** Shared by every client: one daemon thread, never stopped. */
    public static final WheelTimer SHARED = new WheelTimer();

    private final HashedWheelTimer wheel;
    /** Where due tasks run; null: Reactor's parallel scheduler. */
    private final Executor runOn;

    private WheelTimer() {
        this(new HashedWheelTimer(new DefaultThreadFactory("fanout-timer", true), 10, TimeUnit.MILLISECONDS, 512),
                null);
    }

    private WheelTimer(HashedWheelTimer wheel, Executor runOn) {
        this.wheel = wheel;
        this.runOn = runOn;
    }

    /**
     * The same wheel, with due tasks run on {@code executor} (an event loop, say) instead of Reactor's
     * parallel scheduler; if it refuses one (shut down), that task runs on the parallel scheduler.
     */
    WheelTimer runningOn(Executor executor) {
        return new WheelTimer(wheel, java.util.Objects.requireNonNull(executor, "executor"));
    }

    @Override
    public Disposable schedule(Runnable task) {
        return schedule(task, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        Task t = new Task(task, runOn);
        t.timeout = wheel.newTimeout(t, delay, unit);
        return t;
    }

    @Override
    public Worker createWorker() {
        return new WheelWorker();
    }

    /** A task on the wheel that is also its own cancel handle (one object per timeout). */
    private static final class Task implements TimerTask, Disposable {
        private final Runnable task;
        private final Executor runOn;
        private volatile Timeout timeout;

        Task(Runnable task, Executor runOn) {
            this.task = task;
            this.runOn = runOn;
        }

        @Override
        public void run(Timeout t) {
            // Off the wheel's one thread at once: what a timeout sets off (cancelling the exchange,
            // classifying, the caller's own subscriber) must not hold up every other timeout.
            if (runOn != null) {
                try {
                    runOn.execute(task);
                    return;
                } catch (RejectedExecutionException shutDown) {
                    // below
                }
            }
            try {
                Schedulers.parallel().schedule(task);
            } catch (RuntimeException refused) {
                // the wheel would only log it, and whatever waits on this task (a retry, a timeout) would
                // wait for ever: run it here, on the wheel's thread, as a last resort
                task.run();
            }
        }

        @Override
        public void dispose() {
            timeout.cancel();
        }

        @Override
        public boolean isDisposed() {
            Timeout t = timeout;
            return t != null && (t.isCancelled() || t.isExpired());
        }
    }

    /** A worker whose tasks are cancelled together when it is disposed. */
    private final class WheelWorker implements Worker {
        private final Disposable.Composite tasks = Disposables.composite();

        @Override
        public Disposable schedule(Runnable task) {
            return schedule(task, 0, TimeUnit.MILLISECONDS);
        }

        @Override
        public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            if (tasks.isDisposed()) {
                return Disposables.disposed();
            }
            Disposable[] self = new Disposable[1];
            Disposable d = WheelTimer.this.schedule(() -> {
                tasks.remove(self[0]);
                task.run();
            }, delay, unit);
            self[0] = d;
            tasks.add(d);
            return d;
        }

        @Override
        public void dispose() {
            tasks.dispose();
        }

        @Override
        public boolean isDisposed() {
            return tasks.isDisposed();
        }
    }
}
