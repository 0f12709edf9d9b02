package dev.fanout.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The client-wide cap on requests holding or waiting for a connection, across all hosts and all
 * calls: admission before Reactor Netty's per-host pool is asked for a connection.
 *
 * <p>Written by hand because neither Reactor nor Reactor Netty has a non-blocking semaphore, and
 * Reactor Netty's {@code maxConnectionPools} only logs. The fast path is one CAS; waiters are
 * served first-come first-served and never block a thread. A cancelled waiter is skipped when its
 * turn comes. Every increment of {@code available} and every enqueue is followed by
 * {@link #drain()}, so no permit is stranded while someone waits.
 */
public final class ConnectionPermits {

    private final int max;
    private final AtomicInteger available;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    public ConnectionPermits(int max) {
        this.max = max;
        this.available = new AtomicInteger(max);
    }

    /**
     * Runs {@code work} once a permit is held, and gives the permit back exactly once: as soon as
     * the work emits, fails, completes or is cancelled, before the value travels downstream (so the
     * next request, often started from that very onNext, finds the permit free).
     */
    public <T> Mono<T> withPermit(Mono<T> work) {
        return new Admitted<>(work, this);
    }

    /**
     * {@code defer(() -> acquire, then work.doOnEach(release).doOnCancel(release))} as one operator
     * and one subscriber (the path every request takes): lazy, so the permit is taken when the request
     * gets here, not when the chain is built (a chain built ahead of a rate wait that is then cancelled
     * would otherwise never give it back).
     */
    private static final class Admitted<T> extends MonoOperator<T, T> {
        private final ConnectionPermits permits;

        Admitted(Mono<? extends T> work, ConnectionPermits permits) {
            super(work);
            this.permits = permits;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void subscribe(CoreSubscriber<? super T> actual) {
            if (permits.closed) {
                Operators.error(actual, new java.util.concurrent.CancellationException("client closed"));
            } else if (permits.waiters.isEmpty() && permits.tryAcquire()) {
                source.subscribe(new Releasing<>(actual, permits));
            } else {
                Mono<T> work = (Mono<T>) source;
                Mono.<Waiter>create(permits::enqueue)
                        .flatMap(waiter -> waiter.deliver() ? new Holding<T>(work, permits) : Mono.<T>empty())
                        .subscribe(actual);
            }
        }
    }

    /** {@code work} run under a permit already taken, given back by {@link Releasing}. */
    private static final class Holding<T> extends MonoOperator<T, T> {
        private final ConnectionPermits permits;

        Holding(Mono<? extends T> work, ConnectionPermits permits) {
            super(work);
            this.permits = permits;
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            source.subscribe(new Releasing<>(actual, permits));
        }
    }

    /**
     * Passes every signal on, and gives the permit back exactly once, on the first of them or a cancel,
     * before the signal travels downstream (so the next request, often started from that very onNext,
     * finds the permit free).
     */
    private static final class Releasing<T> implements CoreSubscriber<T>, Subscription {
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Releasing> RELEASED =
                AtomicIntegerFieldUpdater.newUpdater(Releasing.class, "released");

        private final CoreSubscriber<? super T> actual;
        private final ConnectionPermits permits;
        private Subscription upstream;
        private volatile int released;

        Releasing(CoreSubscriber<? super T> actual, ConnectionPermits permits) {
            this.actual = actual;
            this.permits = permits;
        }

        private void release() {
            if (released == 0 && RELEASED.compareAndSet(this, 0, 1)) {
                permits.release();
            }
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
            }
        }

        @Override
        public void onNext(T value) {
            release();
            actual.onNext(value);
        }

        @Override
        public void onError(Throwable error) {
            release();
            actual.onError(error);
        }

        @Override
        public void onComplete() {
            release();
            actual.onComplete();
        }

        @Override
        public void request(long n) {
            upstream.request(n);
        }

        @Override
        public void cancel() {
            release();
            upstream.cancel();
        }
    }

    /** Permits currently held. */
    public int inUse() {
        return max - available.get();
    }

    /** Requests waiting for a permit (cancelled ones may still be counted until their turn). */
    public int waiting() {
        return waiters.size();
    }

    /** Fails every waiter and every later request with {@code error}. */
    public void close(Throwable error) {
        closed = true;
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.fail(error);
        }
    }

    private void enqueue(MonoSink<Waiter> sink) {
        Waiter waiter = new Waiter(sink);
        sink.onCancel(() -> {
            if (waiter.cancel()) {
                release(); // granted, but the grant never reached the work
            }
        });
        waiters.offer(waiter);
        drain();
        if (closed) {
            close(new java.util.concurrent.CancellationException("client closed"));
        }
    }

    private boolean tryAcquire() {
        for (;;) {
            int n = available.get();
            if (n <= 0) {
                return false;
            }
            if (available.compareAndSet(n, n - 1)) {
                return true;
            }
        }
    }

    private void release() {
        available.incrementAndGet();
        drain();
    }

    private void drain() {
        while (!waiters.isEmpty() && tryAcquire()) {
            Waiter w = waiters.poll();
            if (w == null || !w.grant()) {
                available.incrementAndGet();
            }
        }
    }

    /** PENDING -> GRANTED -> DELIVERED, or -> CANCELLED; a permit granted but cancelled before delivery is returned. */
    private static final class Waiter {
        private static final int PENDING = 0;
        private static final int GRANTED = 1;
        private static final int DELIVERED = 2;
        private static final int CANCELLED = 3;

        private final MonoSink<Waiter> sink;
        private final AtomicInteger state = new AtomicInteger(PENDING);

        Waiter(MonoSink<Waiter> sink) {
            this.sink = sink;
        }

        boolean grant() {
            if (state.compareAndSet(PENDING, GRANTED)) {
                sink.success(this);
                return true;
            }
            return false;
        }

        boolean deliver() {
            return state.compareAndSet(GRANTED, DELIVERED);
        }

        /** Returns true when a permit had been granted to this waiter and must be given back. */
        boolean cancel() {
            if (state.compareAndSet(PENDING, CANCELLED)) {
                return false;
            }
            return state.compareAndSet(GRANTED, CANCELLED);
        }

        void fail(Throwable error) {
            if (state.compareAndSet(PENDING, CANCELLED)) {
                sink.error(error);
            }
        }
    }
}
