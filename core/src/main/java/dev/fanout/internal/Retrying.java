package dev.fanout.internal;

import dev.fanout.RetryPolicy;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.ObjIntConsumer;

/**
 * One request's attempts: subscribes {@code attempt}, and after each failure asks {@link RetryStage}
 * whether and when to send it again. A backoff is one task on the loop's timer, during which the
 * request lends its call's slot ({@link CallSlots.Slot#lend}) and takes one back after; the client's
 * close ends it at once, failed with a {@link CancellationException}. When no retry follows, the last
 * error itself goes on.
 *
 * <p>Written by hand in place of {@code onErrorResume} + {@code retryWhen(Retry.from(signals ->
 * signals.concatMap(wait)))}, where each wait was {@code Mono.delay}, the slot's lend as a
 * {@code flatMap} and a {@code Mono.create}, and {@code or(closing)}: per failed request that chain built
 * a companion sink, a {@code concatMap}, a race and a subscription to the client's closing sink, whose
 * array of subscribers is copied at every wait (O(waits in progress)), and it is a dozen more operator
 * classes for the JIT to compile in the middle of a run with faults (S5). Here a failure costs the
 * timer task, its handle and an entry in the stage's set of waits: a request retried once allocates 296
 * bytes here against 2,584 through that chain (JMH {@code RetryBench}, no network), and S5 about 0.5 KiB
 * less per input (12.09 to 11.57 KiB, 12 runs a side). The decisions
 * ({@link RetryStage#delayBeforeRetry}) and their numbering are those the {@code retryWhen} made.
 */
final class Retrying<T> extends Mono<T> {

    private final Mono<T> attempt;
    private final RetryStage stage;
    private final ValidatedRequest request;
    private final RetryPolicy policy;
    private final CallSlots.Slot slot;
    private final ObjIntConsumer<Throwable> onRetry;

    /** {@code attempt}, sent again after each failure {@code stage} retries; see the class comment. */
    static <T> Mono<T> of(Mono<T> attempt, RetryStage stage, ValidatedRequest request, RetryPolicy policy,
                          CallSlots.Slot slot, ObjIntConsumer<Throwable> onRetry) {
        return onAssembly(new Retrying<>(attempt, stage, request, policy, slot, onRetry));
    }

    private Retrying(Mono<T> attempt, RetryStage stage, ValidatedRequest request, RetryPolicy policy, CallSlots.Slot slot,
             ObjIntConsumer<Throwable> onRetry) {
        this.attempt = attempt;
        this.stage = stage;
        this.request = request;
        this.policy = policy;
        this.slot = slot;
        this.onRetry = onRetry;
    }

    @Override
    public void subscribe(CoreSubscriber<? super T> actual) {
        Attempts<T> attempts = new Attempts<>(actual, this);
        actual.onSubscribe(attempts);
        attempts.subscribeNext();
    }

    /** The subscriber to each attempt in turn, and the wait between them. */
    static final class Attempts<T> implements CoreSubscriber<T>, Subscription, CallSlots.SlotBack {

        /** An attempt is subscribed (or about to be). */
        private static final int ATTEMPT = 0;
        /** The backoff's timer is armed. */
        private static final int WAITING = 1;
        /** The backoff is over; the lent slot has not come back yet. */
        private static final int RECLAIMING = 2;
        /** The subscriber has its signal, or cancelled, or the client closed during a wait. */
        private static final int ENDED = 3;

        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Attempts> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Attempts.class, "state");
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Attempts> WIP =
                AtomicIntegerFieldUpdater.newUpdater(Attempts.class, "wip");

        private final CoreSubscriber<? super T> actual;
        private final Retrying<T> parent;
        /** The current attempt's subscription. */
        private volatile Subscription upstream;
        /** The subscriber has asked for the value (a Mono: once is all it takes). */
        private volatile boolean requested;
        private volatile int state;
        /** Subscriptions of {@code attempt} asked for; loops instead of recursing when one fails at once. */
        private volatile int wip;
        /** The latest backoff (its timer may not be known yet, or may have fired). */
        private volatile Backoff backoff;
        /** Whether the slot was lent for the wait in progress (an input that has ended has none to lend). */
        private boolean lent;
        /** Retries so far; touched only between an attempt's failure and the next subscription. */
        private int retries;

        Attempts(CoreSubscriber<? super T> actual, Retrying<T> parent) {
            this.actual = actual;
            this.parent = parent;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        /** Subscribes the attempt, on this thread, unless a subscription further up the stack is doing so. */
        void subscribeNext() {
            if (WIP.getAndIncrement(this) != 0) {
                return;
            }
            do {
                if (state == ATTEMPT) {
                    parent.attempt.subscribe(this);
                }
            } while (WIP.decrementAndGet(this) != 0);
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            if (state == ENDED) {
                s.cancel(); // cancelled while this attempt was being subscribed
            } else if (requested) {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(T value) {
            if (state == ATTEMPT) {
                actual.onNext(value);
            } else {
                Operators.onDiscard(value, actual.currentContext());
            }
        }

        @Override
        public void onComplete() {
            if (STATE.compareAndSet(this, ATTEMPT, ENDED)) {
                actual.onComplete();
            }
        }

        @Override
        public void onError(Throwable error) {
            if (state != ATTEMPT) {
                // dropped silently, as RequestTimeout drops one: after a cancel (or the close) the attempt was
                // cancelled, and its error (a cancelled exchange's, say) says nothing the subscriber needs
                return;
            }
            RetryStage stage = parent.stage;
            Duration delay = stage.delayBeforeRetry(parent.request, parent.policy, error, retries + 1);
            if (delay == null) {
                if (STATE.compareAndSet(this, ATTEMPT, ENDED)) {
                    actual.onError(error);
                }
                return;
            }
            retries++;
            parent.onRetry.accept(error, retries + 1);
            if (delay.isZero()) {
                subscribeNext();
                return;
            }
            // in the stage's set before WAITING, so that a close going over the set after it cannot miss this wait
            stage.waitStarted(this);
            if (!STATE.compareAndSet(this, ATTEMPT, WAITING)) {
                stage.waitEnded(this); // cancelled meanwhile
                return;
            }
            if (stage.closed()) {
                closed(); // the close went over the set between the decision and here
                return;
            }
            lent = parent.slot != null && parent.slot.lend();
            Backoff wait = new Backoff(this);
            backoff = wait;
            Disposable armed;
            try {
                armed = stage.backoffScheduler().schedule(wait, delay.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RuntimeException refused) { // as Mono.delay on a scheduler that refuses: the request fails with it
                if (STATE.compareAndSet(this, WAITING, ENDED)) {
                    stage.waitEnded(this);
                    actual.onError(Operators.onRejectedExecution(refused, actual.currentContext()));
                }
                return;
            }
            wait.task = armed;
            if (state != WAITING) {
                armed.dispose(); // ended (or already over) while it was being armed
            }
        }

        /** The backoff is over: take the slot back (if it was lent), then the next attempt. */
        void backoffOver() {
            if (!STATE.compareAndSet(this, WAITING, RECLAIMING)) {
                return;
            }
            if (lent) {
                parent.slot.reclaim(this);
            } else {
                slotBack();
            }
        }

        /** The slot is back (or none was lent): the next attempt, on this thread. */
        @Override
        public void slotBack() {
            if (STATE.compareAndSet(this, RECLAIMING, ATTEMPT)) {
                parent.stage.waitEnded(this);
                subscribeNext();
            }
        }

        /** The client closed during a wait (its timer's or its slot's): ends it at once. */
        void closed() {
            int s = state;
            if ((s == WAITING || s == RECLAIMING) && STATE.compareAndSet(this, s, ENDED)) {
                disarm();
                parent.stage.waitEnded(this);
                actual.onError(new CancellationException("client closed"));
            }
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n) && !requested) {
                requested = true;
                Subscription s = upstream;
                if (s != null) {
                    s.request(Long.MAX_VALUE); // a Mono: one value at most (a second request is harmless)
                }
            }
        }

        @Override
        public void cancel() {
            int was = STATE.getAndSet(this, ENDED);
            if (was == WAITING || was == RECLAIMING) {
                disarm();
                parent.stage.waitEnded(this);
            }
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
        }

        private void disarm() {
            Backoff wait = backoff;
            Disposable armed = wait == null ? null : wait.task;
            if (armed != null) {
                armed.dispose();
            }
        }
    }

    /**
     * One backoff's timer task, with the handle that disarms it. Its own object, not a field of
     * {@link Attempts}: the thread that arms a timer may store the handle only after the timer has fired
     * and the next attempt has failed and armed another, and a shared field would then keep the stale
     * handle, leaving the live timer out of reach of a cancel.
     */
    private static final class Backoff implements Runnable {
        private final Attempts<?> attempts;
        volatile Disposable task;

        Backoff(Attempts<?> attempts) {
            this.attempts = attempts;
        }

        @Override
        public void run() {
            attempts.backoffOver();
        }
    }
}
