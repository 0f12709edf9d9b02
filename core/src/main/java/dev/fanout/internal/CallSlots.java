package dev.fanout.internal;

import dev.fanout.FetchResult;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The {@code concurrency} of one batch call: at most that many inputs between their start and their
 * result, except that an input waiting out a retry backoff lends its slot to the next input until the
 * wait ends. In flight stay at most {@code concurrency} requests; a retry whose wait has ended takes
 * the next free slot before any new input does.
 *
 * <p>Why: with slots held through backoffs, a batch against a server answering 10 % of requests with
 * 503 spent most of its slots waiting (S5: about 160 of 256 at 27k requests/s with 50 ms mean
 * backoffs), not sending. Retry outside the concurrency limit is also how Resilience4j and Polly
 * order retry and bulkhead. The retry budget bounds the extra traffic; the merge around
 * {@link #gate} ({@link MergeMonos} for results as they complete, {@code flatMapSequential} for the
 * ordered stream) bounds what is held: at most {@link #openLimit} inputs at once (in flight, waiting
 * out a backoff, or waiting for a slot to come back).
 *
 * <p>Written by hand because a merge's {@code maxConcurrency} counts an inner publisher from its
 * subscription to its completion and has no way to lend a slot. {@link #gate} sits between the input
 * and the merge and hands an input on only against a free slot; the merge's own limit is raised to
 * {@link #openLimit}. Inputs never hold slots before they are handed on, so a slow
 * input stream cannot keep a waiting retry from its slot. One instance per subscription of one call.
 *
 * <p>A slot ended by {@link Slot#release} (a result going downstream out of {@link MergeMonos}) is
 * handed on at once: {@link MergeMonos} removes the finished inner before its value goes out, so
 * without retries the merge holds at most {@code concurrency} inners. (Under {@code flatMap}, which
 * removed the inner only after the value, the slot had to wait for {@code flatMap}'s next request, or
 * its array of inners, scanned at every completion, doubled.)
 */
public final class CallSlots {

    private static final int HELD = 0;
    private static final int LENT = 1;
    private static final int DONE = 2;

    private final int openLimit;
    /** Slots not held by any input. */
    private final AtomicInteger free;
    /** Inputs whose backoff has ended, waiting for a slot, first come first served. */
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    /** Runs one drain pass of the gate subscribed to these slots (at most one gate per instance). */
    private volatile Runnable gateDrain = () -> { };

    /** @param concurrency inputs in flight at once (at least 1) */
    public CallSlots(int concurrency) {
        this.free = new AtomicInteger(concurrency);
        this.openLimit = concurrency > Integer.MAX_VALUE / 2 ? Integer.MAX_VALUE : 2 * concurrency;
    }

    /**
     * The {@code maxConcurrency} for the merge around {@link #gate}: the slots, and as many
     * inputs again waiting out a backoff (or for their slot back).
     */
    public int openLimit() {
        return openLimit;
    }

    /**
     * {@code inputs}, each passed on only once it has taken a free slot, which it holds until its
     * {@link Slot} ends. Upstream is asked for no more inputs than there are slots free; one that
     * arrives after a retry took the slot waits in a queue.
     */
    public <T> Flux<T> gate(Flux<T> inputs) {
        return new FluxOperator<T, T>(inputs) {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                source.subscribe(new Gate<>(actual));
            }
        };
    }

    /**
     * The slot of the input just passed on by {@link #gate}: hand it to the pipeline, carry the
     * result in it ({@link Slot#apply}) and {@link Slot#release} it as the result goes downstream (or
     * run it once the result is in), and run it on cancel.
     */
    public Slot slot() {
        return new Slot(this);
    }

    /** Slots free right now (for tests). */
    int freeSlots() {
        return free.get();
    }

    private boolean tryTake() {
        for (;;) {
            int n = free.get();
            if (n <= 0) {
                return false;
            }
            if (free.compareAndSet(n, n - 1)) {
                return true;
            }
        }
    }

    private void giveBack() {
        free.incrementAndGet();
        drain();
    }

    /** Hands free slots to waiting retries first, then to queued inputs. One thread at a time. */
    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        for (;;) {
            Waiter w;
            while ((w = waiters.peek()) != null && tryTake()) {
                waiters.poll();
                if (!w.grant()) {
                    free.incrementAndGet(); // its input ended while it waited
                }
            }
            gateDrain.run();
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /**
     * One input's slot: HELD from its emission, LENT while it waits out a backoff, DONE once it has
     * ended (its result has gone downstream or is in, or it was cancelled). In {@code fetchAsCompleted}
     * and {@code fetchAll} a result that waits in the merge for a slow consumer still holds its
     * slot, so a slow consumer stops new requests. A slot is given back
     * exactly once: by the input that ends holding it, or by the grant that finds its input ended.
     */
    public static final class Slot extends AtomicInteger implements Runnable, Function<FetchResult, Slot> {

        private static final long serialVersionUID = 1L;

        private final transient CallSlots slots;
        private transient FetchResult result;

        private Slot(CallSlots slots) {
            this.slots = slots;
        }

        /** Carries the input's result to the merge's output, where {@link #release} ends the slot. */
        @Override
        public Slot apply(FetchResult result) {
            this.result = result;
            return this;
        }

        /** Ends the slot as its result goes downstream out of the merge, and hands the result on. */
        public FetchResult release() {
            FetchResult r = result;
            result = null;
            run();
            return r;
        }

        /**
         * Lends this slot to the call's next input for a retry's backoff; false if the input has already
         * ended (nothing to lend). After a true, {@link #reclaim} takes a slot back once the wait is over.
         */
        boolean lend() {
            if (!compareAndSet(HELD, LENT)) {
                return false;
            }
            slots.giveBack();
            return true;
        }

        /**
         * After {@link #lend}: takes a slot back, at once if one is free and no retry waits ahead, else as
         * one comes free (first come first served, before any new input), and then tells {@code back}.
         * Nothing is told if the input ends first; the slot then goes back to the call.
         */
        void reclaim(SlotBack back) {
            if (slots.waiters.isEmpty() && slots.tryTake()) {
                if (compareAndSet(LENT, HELD)) {
                    back.slotBack();
                } else {
                    slots.giveBack(); // ended meanwhile
                }
                return;
            }
            slots.waiters.offer(new Waiter(this, back));
            slots.drain(); // a slot given back since tryTake failed is this retry's
        }

        /** Ends the slot (once its result is out, or on cancel): gives it back if held, free at once. */
        @Override
        public void run() {
            for (;;) {
                int s = get();
                if (s == DONE) {
                    return;
                }
                if (compareAndSet(s, DONE)) {
                    if (s == HELD) {
                        slots.giveBack();
                    }
                    return;
                }
            }
        }
    }

    /** Told, on the thread that handed it over, that a lent slot is back in its input's hands. */
    interface SlotBack {
        void slotBack();
    }

    /** A retry whose backoff has ended, waiting for a slot. */
    private static final class Waiter {
        private final Slot slot;
        private final SlotBack back;

        Waiter(Slot slot, SlotBack back) {
            this.slot = slot;
            this.back = back;
        }

        /** Hands over one free slot; false if the input has ended and the slot must go back. */
        boolean grant() {
            if (slot.compareAndSet(LENT, HELD)) {
                back.slotBack();
                return true;
            }
            return false;
        }
    }

    /**
     * Between the input and the merge: passes an input on only against a free slot, and asks the
     * input for no more than the slots free (less those already asked for or queued), so that without
     * retries no more than {@code concurrency} inputs are taken ahead of the results drained.
     */
    private final class Gate<T> implements CoreSubscriber<T>, Subscription, Runnable {
        private final CoreSubscriber<? super T> actual;
        /** One producer (upstream's serial signals), one consumer (the serialized drain). */
        private final Queue<T> queue = Queues.<T>unbounded(Queues.XS_BUFFER_SIZE).get();
        /** Asked for by the merge, not yet asked of upstream. */
        private final AtomicLong demand = new AtomicLong();
        /** Asked of upstream, not yet delivered. */
        private final AtomicLong outstanding = new AtomicLong();
        private Subscription upstream;
        private volatile boolean done;
        private Throwable error;
        private volatile boolean cancelled;
        private boolean terminated;

        Gate(CoreSubscriber<? super T> actual) {
            this.actual = actual;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                gateDrain = this;
                actual.onSubscribe(this);
            }
        }

        @Override
        public void onNext(T t) {
            outstanding.decrementAndGet();
            queue.offer(t);
            drain();
        }

        @Override
        public void onError(Throwable t) {
            if (cancelled) {
                Operators.onErrorDropped(t, actual.currentContext());
                return;
            }
            error = t;
            done = true;
            drain();
        }

        @Override
        public void onComplete() {
            done = true;
            drain();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                for (;;) {
                    long current = demand.get();
                    if (current == Long.MAX_VALUE || demand.compareAndSet(current, Operators.addCap(current, n))) {
                        break;
                    }
                }
                drain();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            upstream.cancel();
            drain();
        }

        /** One pass, inside {@link CallSlots#drain}: queued inputs out while slots are free, then the end. */
        @Override
        public void run() {
            if (terminated) {
                return;
            }
            if (cancelled) {
                queue.clear();
                return;
            }
            boolean ended = done; // read once: an error arriving during this pass must not pass for a completion
            if (ended && error != null) { // an input stream that fails ends the call at once: the merge cancels what is in flight
                terminated = true;
                queue.clear();
                actual.onError(error);
                return;
            }
            while (waiters.isEmpty() && !queue.isEmpty() && tryTake()) {
                actual.onNext(queue.poll());
                if (cancelled) {
                    queue.clear();
                    return;
                }
            }
            if (ended) {
                if (queue.isEmpty()) {
                    terminated = true;
                    actual.onComplete();
                }
                return;
            }
            long wanted = demand.get();
            long ahead = free.get() - queue.size() - outstanding.get();
            if (wanted > 0 && ahead > 0) {
                long k = Math.min(wanted, ahead);
                if (wanted != Long.MAX_VALUE) {
                    demand.addAndGet(-k);
                }
                outstanding.addAndGet(k);
                upstream.request(k); // may deliver at once: onNext's drain is then counted as missed and runs after
            }
        }
    }
}
