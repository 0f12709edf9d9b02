package dev.fanout.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Function;

/**
 * {@code flatMap(mapper, maxConcurrency)} for a mapper that returns a {@link Mono}: at most
 * {@code maxConcurrency} of those Monos subscribed at once, and each one's value passed downstream
 * when it completes, in the order they complete. Like {@code flatMap} without delayed errors: the
 * first error (of the input or of an inner Mono) cancels everything else and ends the stream; a
 * cancel reaches the input and every inner Mono; a value waiting for demand keeps its inner counted,
 * so a slow consumer stops new inputs; one input is asked for each inner retired (its value, if it had
 * one, passed on).
 *
 * <p>Written by hand for one reason: Reactor's {@code flatMap} scans its whole array of inners at
 * every inner's completion, so a result costs time in proportion to the concurrency. Measured on
 * the benchmark machine with Monos completed one by one on one thread (see {@code MergeBench}):
 * about 1 µs per result at 256 inners, 4 µs at 1,024, 12 µs at 4,096 and 55 µs at 16,384, all of
 * it on the thread that completes the inner, an event loop. Here a finished inner goes through a
 * queue (or straight downstream when nothing is queued and there is demand), so each result costs
 * the same whatever the concurrency. The live inners are kept in a linked list under a lock held
 * for a few pointer writes, only so that a cancel or an error can reach them.
 *
 * <p>A Mono's value is passed on at its completion, which for a Mono follows its value at once.
 */
public final class MergeMonos<T, R> extends FluxOperator<T, R> {

    private final Function<? super T, ? extends Mono<? extends R>> mapper;
    private final int maxConcurrency;

    private MergeMonos(Flux<? extends T> source, Function<? super T, ? extends Mono<? extends R>> mapper,
                       int maxConcurrency) {
        super(source);
        this.mapper = mapper;
        this.maxConcurrency = maxConcurrency;
    }

    /** Each input mapped to a Mono, at most {@code maxConcurrency} (at least 1) subscribed at once. */
    public static <T, R> Flux<R> merge(Flux<? extends T> source, Function<? super T, ? extends Mono<? extends R>> mapper,
                                       int maxConcurrency) {
        Objects.requireNonNull(mapper, "mapper");
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1, was " + maxConcurrency);
        }
        return onAssembly(new MergeMonos<T, R>(source, mapper, maxConcurrency)); // as Reactor's operators, for its debug hooks
    }

    @Override
    public void subscribe(CoreSubscriber<? super R> actual) {
        source.subscribe(new Main<T, R>(actual, mapper, maxConcurrency));
    }

    static final class Main<T, R> implements CoreSubscriber<T>, Subscription {

        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Main> WIP =
                AtomicIntegerFieldUpdater.newUpdater(Main.class, "wip");
        @SuppressWarnings("rawtypes")
        private static final AtomicLongFieldUpdater<Main> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(Main.class, "requested");
        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<Main, Throwable> ERROR =
                AtomicReferenceFieldUpdater.newUpdater(Main.class, Throwable.class, "error");

        private final CoreSubscriber<? super R> actual;
        private final Function<? super T, ? extends Mono<? extends R>> mapper;
        private final int maxConcurrency;
        /** Inners that have completed and are not yet retired: many producers, the drain consumes. */
        private final Queue<Inner<R>> finished = Queues.<Inner<R>>unboundedMultiproducer().get();
        private Subscription upstream;

        private volatile int wip;
        private volatile long requested;
        private volatile Throwable error;
        /** The input has ended (completed or failed). */
        private volatile boolean done;
        /** Cancelled, or the merge has ended (completed or failed): nothing more goes downstream. */
        private volatile boolean cancelled;

        /** Owned by whoever holds {@link #wip}: values sent downstream. */
        private long emitted;
        /** Owned by whoever holds {@link #wip}: inners retired and not yet asked of the input. */
        private long replenish;

        /** Live inners (subscribed, not retired), guarded by {@code this}. */
        private Inner<R> head;
        private volatile int active;
        /** Set under {@code this} once a cancel or an error has taken the live inners to cancel them. */
        private boolean closed;

        Main(CoreSubscriber<? super R> actual, Function<? super T, ? extends Mono<? extends R>> mapper,
             int maxConcurrency) {
            this.actual = actual;
            this.mapper = mapper;
            this.maxConcurrency = maxConcurrency;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
                s.request(maxConcurrency == Integer.MAX_VALUE ? Long.MAX_VALUE : maxConcurrency);
            }
        }

        @Override
        public void onNext(T t) {
            if (done) {
                Operators.onNextDropped(t, actual.currentContext());
                return;
            }
            if (cancelled) {
                Operators.onDiscard(t, actual.currentContext());
                return;
            }
            Mono<? extends R> mono;
            try {
                mono = Objects.requireNonNull(mapper.apply(t), "the mapper returned a null Mono");
            } catch (Throwable e) {
                onError(Operators.onOperatorError(upstream, e, t, actual.currentContext()));
                return;
            }
            Inner<R> inner = new Inner<>(this);
            if (link(inner)) {
                mono.subscribe(inner);
            }
        }

        @Override
        public void onError(Throwable t) {
            if (done || cancelled || !ERROR.compareAndSet(this, null, t)) {
                Operators.onErrorDropped(t, actual.currentContext());
                return;
            }
            done = true;
            drain();
        }

        @Override
        public void onComplete() {
            if (done) {
                return;
            }
            done = true;
            drain();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            upstream.cancel();
            cancelInners();
            if (WIP.getAndIncrement(this) == 0) {
                discardFinished();
            }
        }

        private void innerError(Throwable e) {
            if (cancelled || !ERROR.compareAndSet(this, null, e)) {
                Operators.onErrorDropped(e, actual.currentContext());
                return;
            }
            drain();
        }

        /** An inner has completed: passed on at once when nothing is queued and there is demand, else queued. */
        private void innerDone(Inner<R> inner) {
            if (cancelled) { // ended: nothing drains the queue again
                R v = inner.value;
                inner.value = null;
                if (v != null) {
                    Operators.onDiscard(v, actual.currentContext());
                }
                return;
            }
            if (wip == 0 && WIP.compareAndSet(this, 0, 1)) {
                if (!finished.isEmpty() || error != null || cancelled || !retire(inner)) {
                    finished.offer(inner);
                }
                drainLoop(1);
                return;
            }
            finished.offer(inner);
            drain();
        }

        private void drain() {
            if (WIP.getAndIncrement(this) == 0) {
                drainLoop(1);
            }
        }

        /** The serialized part: finished inners out while there is demand, inputs asked for, the end. */
        private void drainLoop(int missed) {
            for (;;) {
                if (cancelled) {
                    discardFinished();
                    return; // wip stays above zero: nothing runs here again
                }
                // done before error: onError writes error, then done, so an input that failed is never
                // read as one that completed
                boolean ended = done;
                Throwable e = error;
                if (e != null) {
                    cancelled = true;
                    upstream.cancel();
                    cancelInners();
                    discardFinished();
                    actual.onError(e);
                    return;
                }
                Inner<R> inner;
                while ((inner = finished.peek()) != null && retire(inner)) {
                    finished.poll();
                    if (cancelled || error != null) {
                        break;
                    }
                }
                if (cancelled || error != null) {
                    continue;
                }
                if (ended && active == 0 && finished.isEmpty()) {
                    cancelled = true;
                    actual.onComplete();
                    return;
                }
                long n = replenish;
                if (n != 0 && !ended) {
                    replenish = 0;
                    upstream.request(n); // may subscribe inners that finish at once: counted as missed, run below
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /**
         * Passes {@code inner}'s value on and retires it (one more input to ask for); false, leaving it
         * as it is, when it has a value and there is no demand. Called only by the holder of {@link #wip}.
         */
        private boolean retire(Inner<R> inner) {
            R v = inner.value;
            if (v != null) {
                if (emitted == requested) {
                    return false;
                }
                inner.value = null;
                emitted++;
                unlink(inner);
                replenish++;
                actual.onNext(v);
                return true;
            }
            unlink(inner);
            replenish++;
            return true;
        }

        /** Adds a live inner; false once the merge has been cancelled or has failed. */
        private boolean link(Inner<R> inner) {
            synchronized (this) {
                if (closed) {
                    return false;
                }
                Inner<R> h = head;
                inner.next = h;
                if (h != null) {
                    h.prev = inner;
                }
                head = inner;
                active++;
                return true;
            }
        }

        private void unlink(Inner<R> inner) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                Inner<R> p = inner.prev;
                Inner<R> n = inner.next;
                if (p == null) {
                    head = n;
                } else {
                    p.next = n;
                }
                if (n != null) {
                    n.prev = p;
                }
                inner.prev = null;
                inner.next = null;
                active--;
            }
        }

        /** Cancels every live inner, outside the lock (a cancel may call back into this merge). */
        private void cancelInners() {
            List<Inner<R>> live = new ArrayList<>();
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                for (Inner<R> i = head; i != null; i = i.next) {
                    live.add(i);
                }
                head = null;
            }
            for (Inner<R> i : live) {
                i.cancel();
            }
        }

        private void discardFinished() {
            Inner<R> inner;
            while ((inner = finished.poll()) != null) {
                R v = inner.value;
                inner.value = null;
                if (v != null) {
                    Operators.onDiscard(v, actual.currentContext());
                }
            }
        }
    }

    /** One inner Mono's subscriber and, while it lives, a node of the merge's list of live inners. */
    static final class Inner<R> implements CoreSubscriber<R> {

        @SuppressWarnings("rawtypes")
        private static final AtomicReferenceFieldUpdater<Inner, Subscription> S =
                AtomicReferenceFieldUpdater.newUpdater(Inner.class, Subscription.class, "s");

        private final Main<?, R> parent;
        private volatile Subscription s;
        /** The Mono's value, until it has been passed on. */
        R value;
        /** It has signalled its end (a source that signals twice is not heard twice). */
        private boolean done;
        /** Guarded by the parent's lock. */
        Inner<R> prev;
        Inner<R> next;

        Inner(Main<?, R> parent) {
            this.parent = parent;
        }

        @Override
        public Context currentContext() {
            return parent.actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            if (Operators.setOnce(S, this, subscription)) {
                subscription.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(R r) {
            if (value != null || parent.cancelled) {
                Operators.onDiscard(r, parent.actual.currentContext());
                return;
            }
            value = r;
        }

        @Override
        public void onError(Throwable t) {
            if (done) {
                Operators.onErrorDropped(t, parent.actual.currentContext());
                return;
            }
            done = true;
            R v = value;
            value = null;
            if (v != null) {
                Operators.onDiscard(v, parent.actual.currentContext());
            }
            parent.innerError(t);
        }

        @Override
        public void onComplete() {
            if (done) {
                return;
            }
            done = true;
            S.lazySet(this, Operators.cancelledSubscription()); // a cancel from now on has nothing to reach
            parent.innerDone(this);
        }

        void cancel() {
            Operators.terminate(S, this);
        }
    }
}
