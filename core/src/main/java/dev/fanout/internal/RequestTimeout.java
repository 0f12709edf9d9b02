package dev.fanout.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A Mono that fails with a {@link TimeoutException} (no message: the pipeline writes one from the
 * timeout set) and cancels its source if the source has not signalled within {@code timeout} of its
 * subscription; the timer is one task on a {@link Scheduler} (the shared wheel), cancelled at the
 * source's first signal or at a cancel.
 *
 * <p>Written by hand because Reactor's {@code Mono.timeout} builds a description string, a
 * serializing subscriber and a {@code Mono.delay} at every subscription, and the
 * {@code takeUntilOther(Mono.delay(..)).switchIfEmpty(error)} the pipeline used instead still costs
 * three subscribers and the delay's own on every request; here it is one subscriber and the timer
 * task. Unlike that chain, an empty completion of the source passes through as empty (the pipeline's
 * exchange never completes empty), and the timer starts once the source has been subscribed.
 */
public final class RequestTimeout<T> extends MonoOperator<T, T> {

    private final long timeoutNanos;
    private final Scheduler timer;

    private RequestTimeout(Mono<? extends T> source, long timeoutNanos, Scheduler timer) {
        super(source);
        this.timeoutNanos = timeoutNanos;
        this.timer = timer;
    }

    /** {@code source}, failed with a {@link TimeoutException} unless it signals within {@code timeout} (capped: {@link WheelTimer#capped}). */
    public static <T> Mono<T> within(Mono<? extends T> source, Duration timeout, Scheduler timer) {
        return onAssembly(new RequestTimeout<>(source, WheelTimer.capped(timeout).toNanos(), timer));
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        source.subscribe(new TimeoutSubscriber<>(actual, timeoutNanos, timer));
    }

    static final class TimeoutSubscriber<T> implements CoreSubscriber<T>, Subscription, Runnable {

        private static final int RUNNING = 0;
        /** The source signalled first: the timer has nothing more to do. */
        private static final int ENDED = 1;
        private static final int TIMED_OUT = 2;
        /** The subscriber cancelled first: later signals of the source are dropped, as after a timeout. */
        private static final int CANCELLED = 3;

        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<TimeoutSubscriber> STATE =
                AtomicIntegerFieldUpdater.newUpdater(TimeoutSubscriber.class, "state");

        private final CoreSubscriber<? super T> actual;
        private final long timeoutNanos;
        private final Scheduler timer;
        private volatile Subscription upstream;
        private volatile Disposable task;
        private volatile int state;

        TimeoutSubscriber(CoreSubscriber<? super T> actual, long timeoutNanos, Scheduler timer) {
            this.actual = actual;
            this.timeoutNanos = timeoutNanos;
            this.timer = timer;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (!Operators.validate(upstream, s)) {
                return;
            }
            upstream = s;
            actual.onSubscribe(this);
            if (state != RUNNING) {
                return; // the source signalled (or the subscriber cancelled) from within onSubscribe
            }
            // armed after actual.onSubscribe, so that the timeout's onError can never come before it
            Disposable armed;
            try {
                armed = timer.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (RuntimeException refused) { // a timer that cannot time this request fails it rather than leave it untimed
                if (STATE.compareAndSet(this, RUNNING, TIMED_OUT)) {
                    s.cancel();
                    actual.onError(refused);
                }
                return;
            }
            task = armed;
            if (state != RUNNING) {
                armed.dispose(); // ended while it was being armed
            }
        }

        @Override
        public void onNext(T value) {
            if (end()) {
                actual.onNext(value);
            } else {
                Operators.onDiscard(value, actual.currentContext()); // after the timeout or a cancel
            }
        }

        @Override
        public void onError(Throwable error) {
            if (end()) {
                actual.onError(error);
            }
            // else dropped silently, as takeUntilOther did: after the timeout or a cancel the source was
            // cancelled, and its error (a cancelled exchange's, say) says nothing the subscriber needs
        }

        @Override
        public void onComplete() {
            if (end()) {
                actual.onComplete();
            }
        }

        /** True unless the timer fired or the subscriber cancelled first; the source's first signal disarms the timer. */
        private boolean end() {
            if (STATE.compareAndSet(this, RUNNING, ENDED)) {
                disarm();
                return true;
            }
            return state == ENDED; // a later signal: a Mono's completion after its value
        }

        /** The timer: first to leave RUNNING, it cancels the source and fails the subscriber. */
        @Override
        public void run() {
            if (STATE.compareAndSet(this, RUNNING, TIMED_OUT)) {
                upstream.cancel();
                actual.onError(new TimeoutException());
            }
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            if (STATE.compareAndSet(this, RUNNING, CANCELLED)) {
                disarm();
            }
            upstream.cancel();
        }

        private void disarm() {
            Disposable armed = task;
            if (armed != null) {
                armed.dispose();
            }
        }
    }
}
