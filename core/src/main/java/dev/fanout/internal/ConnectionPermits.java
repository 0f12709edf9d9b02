package dev.fanout.internal;

import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

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
        // Lazy: the permit is taken when the request gets here, not when the chain is built (a chain
        // built ahead of a rate wait that is then cancelled would otherwise never give it back).
        return Mono.defer(() -> {
            if (closed) {
                return Mono.error(new java.util.concurrent.CancellationException("client closed"));
            }
            if (waiters.isEmpty() && tryAcquire()) {
                return releasing(work);
            }
            return Mono.<Waiter>create(this::enqueue)
                    .flatMap(waiter -> waiter.deliver() ? releasing(work) : Mono.empty());
        });
    }

    private <T> Mono<T> releasing(Mono<T> work) {
        Release release = new Release(this);
        return work.doOnEach(release).doOnCancel(release);
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

    /** Gives one permit back on the first terminal signal or cancel, and ignores the rest. */
    private static final class Release extends AtomicInteger implements java.util.function.Consumer<reactor.core.publisher.Signal<?>>, Runnable {
        private static final long serialVersionUID = 1L;
        private final transient ConnectionPermits permits;

        Release(ConnectionPermits permits) {
            this.permits = permits;
        }

        @Override
        public void accept(reactor.core.publisher.Signal<?> signal) {
            run();
        }

        @Override
        public void run() {
            if (compareAndSet(0, 1)) {
                permits.release();
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
