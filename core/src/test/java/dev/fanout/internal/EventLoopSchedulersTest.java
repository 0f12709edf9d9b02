package dev.fanout.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.netty.resources.LoopResources;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where a retry's backoff ends: on the event loop that asked for it (through the shared wheel), on the
 * fallback off the loops, and never lost when the executor refuses the task. Real time, short delays.
 */
class EventLoopSchedulersTest {

    final LoopResources loops = LoopResources.create("els-test", 2, true);
    final EventLoopGroup group = loops.onClient(false);
    final EventLoopSchedulers schedulers = new EventLoopSchedulers(group);

    @AfterEach
    void stopLoops() {
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(10));
    }

    @Test
    void aDelayAskedForOnAnEventLoopEndsOnThatSameLoop() throws Exception {
        for (EventExecutor loop : group) {
            CompletableFuture<Thread> askedOn = new CompletableFuture<>();
            CompletableFuture<Thread> ranOn = new CompletableFuture<>();
            loop.execute(() -> {
                askedOn.complete(Thread.currentThread());
                Scheduler s = schedulers.current(WheelTimer.SHARED);
                s.schedule(() -> ranOn.complete(Thread.currentThread()), 20, TimeUnit.MILLISECONDS);
            });
            assertThat(ranOn.get(5, TimeUnit.SECONDS)).isSameAs(askedOn.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void theClientsBackoffEndsOnItsOwnLoopUnlessATimerIsSet() throws Exception {
        // the user-supplied loops of this test: the exchange must pick the loops the client really runs on
        try (dev.fanout.FetchClient client = dev.fanout.FetchClient.builder().loopResources(loops).build()) {
            NettyExchange exchange = new NettyExchange(settingsOf(client));
            try {
                EventExecutor loop = group.next();
                CompletableFuture<Thread> askedOn = new CompletableFuture<>();
                CompletableFuture<Thread> ranOn = new CompletableFuture<>();
                loop.execute(() -> {
                    askedOn.complete(Thread.currentThread());
                    exchange.backoffScheduler().schedule(() -> ranOn.complete(Thread.currentThread()), 20,
                            TimeUnit.MILLISECONDS);
                });
                assertThat(ranOn.get(5, TimeUnit.SECONDS)).isSameAs(askedOn.get(5, TimeUnit.SECONDS));
                assertThat(exchange.backoffScheduler()).isSameAs(WheelTimer.SHARED); // off the loops
            } finally {
                exchange.dispose().block(Duration.ofSeconds(10));
            }
        }
        reactor.test.scheduler.VirtualTimeScheduler vts = reactor.test.scheduler.VirtualTimeScheduler.create();
        try (dev.fanout.FetchClient client = dev.fanout.FetchClient.builder().loopResources(loops).timer(vts).build()) {
            NettyExchange exchange = new NettyExchange(settingsOf(client));
            try {
                assertThat(exchange.backoffScheduler()).isSameAs(vts);
            } finally {
                exchange.dispose().block(Duration.ofSeconds(10));
            }
        }
    }

    private static Settings settingsOf(dev.fanout.FetchClient client) throws ReflectiveOperationException {
        java.lang.reflect.Field f = dev.fanout.FetchClient.class.getDeclaredField("settings");
        f.setAccessible(true);
        return (Settings) f.get(client);
    }

    @Test
    void offTheLoopsTheFallbackIsUsed() {
        Scheduler fallback = WheelTimer.SHARED;
        assertThat(schedulers.current(fallback)).isSameAs(fallback);
    }

    @Test
    void aTaskTheExecutorRefusesStillRunsOnReactorsParallelScheduler() throws Exception {
        Executor refusing = task -> {
            throw new RejectedExecutionException("shut down");
        };
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        WheelTimer.SHARED.runningOn(refusing)
                .schedule(() -> ranOn.complete(Thread.currentThread().getName()), 10, TimeUnit.MILLISECONDS);
        assertThat(ranOn.get(5, TimeUnit.SECONDS)).startsWith("parallel-");
    }

    @Test
    void aTaskForAnEventLoopThatHasShutDownRunsOnReactorsParallelScheduler() throws Exception {
        LoopResources other = LoopResources.create("els-gone", 1, true);
        EventExecutor gone = other.onClient(false).next();
        other.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(10));
        assertThat(gone.isTerminated()).isTrue();
        CompletableFuture<String> ranOn = new CompletableFuture<>();
        WheelTimer.SHARED.runningOn(gone)
                .schedule(() -> ranOn.complete(Thread.currentThread().getName()), 10, TimeUnit.MILLISECONDS);
        assertThat(ranOn.get(5, TimeUnit.SECONDS)).startsWith("parallel-");
    }

    @Test
    void aDisposedDelayNeverRuns() throws Exception {
        AtomicReference<Thread> ran = new AtomicReference<>();
        CountDownLatch later = new CountDownLatch(1);
        Executor direct = Runnable::run;
        // a second between scheduling and disposing leaves room for a pause of the test thread
        Disposable d = WheelTimer.SHARED.runningOn(direct).schedule(() -> ran.set(Thread.currentThread()), 1,
                TimeUnit.SECONDS);
        d.dispose();
        WheelTimer.SHARED.runningOn(direct).schedule(later::countDown, 1200, TimeUnit.MILLISECONDS);
        assertThat(later.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran.get()).isNull();
        assertThat(d.isDisposed()).isTrue();
    }
}
