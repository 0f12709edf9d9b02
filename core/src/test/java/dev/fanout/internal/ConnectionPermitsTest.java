package dev.fanout.internal;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import static org.assertj.core.api.Assertions.assertThat;

/** The client-wide permit pool: a cap, first come first served, and no permit lost to a cancel. */
class ConnectionPermitsTest {

    @Test
    void capsConcurrentWorkAndServesWaitersInOrder() {
        ConnectionPermits permits = new ConnectionPermits(2);
        List<Sinks.One<String>> work = new ArrayList<>();
        List<String> started = new ArrayList<>();
        List<Disposable> subscriptions = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Sinks.One<String> sink = Sinks.one();
            work.add(sink);
            String name = "w" + i;
            subscriptions.add(permits.withPermit(Mono.defer(() -> {
                started.add(name);
                return sink.asMono();
            })).subscribe());
        }
        assertThat(started).containsExactly("w0", "w1");
        assertThat(permits.inUse()).isEqualTo(2);
        assertThat(permits.waiting()).isEqualTo(3);

        work.get(1).tryEmitValue("done");
        assertThat(started).containsExactly("w0", "w1", "w2");
        work.get(0).tryEmitEmpty();
        assertThat(started).containsExactly("w0", "w1", "w2", "w3");
        assertThat(permits.inUse()).isEqualTo(2);
        subscriptions.forEach(Disposable::dispose);
        assertThat(permits.inUse()).isZero();
    }

    @Test
    void aCancelledWaiterIsSkippedAndAHolderGivesItsPermitBack() {
        ConnectionPermits permits = new ConnectionPermits(1);
        Disposable holder = permits.withPermit(Mono.never()).subscribe();
        Disposable cancelledWaiter = permits.withPermit(Mono.just("never runs")).subscribe();
        List<String> got = new ArrayList<>();
        permits.withPermit(Mono.just("second waiter")).subscribe(got::add);

        cancelledWaiter.dispose();
        holder.dispose(); // cancel the holder: its permit must come back and go to the live waiter

        assertThat(got).containsExactly("second waiter");
        assertThat(permits.inUse()).isZero();
    }

    @Test
    void errorsReleaseThePermit() {
        ConnectionPermits permits = new ConnectionPermits(1);
        StepVerifier.create(permits.withPermit(Mono.error(new IllegalStateException("boom"))))
                .expectError(IllegalStateException.class)
                .verify(Duration.ofSeconds(1));
        assertThat(permits.inUse()).isZero();
    }

    @Test
    void closeFailsWaiters() {
        ConnectionPermits permits = new ConnectionPermits(1);
        permits.withPermit(Mono.never()).subscribe();
        StepVerifier.create(permits.withPermit(Mono.just(1)))
                .then(() -> permits.close(new CancellationException("closed")))
                .expectError(CancellationException.class)
                .verify(Duration.ofSeconds(1));
    }

    @Test
    void manyConcurrentSubscribersNeverExceedTheCapAndAllFinish() throws InterruptedException {
        ConnectionPermits permits = new ConnectionPermits(4);
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger max = new java.util.concurrent.atomic.AtomicInteger();
        Mono<Integer> work = Mono.fromCallable(() -> {
            max.accumulateAndGet(inside.incrementAndGet(), Math::max);
            Thread.onSpinWait();
            inside.decrementAndGet();
            return 1;
        }).subscribeOn(reactor.core.scheduler.Schedulers.parallel());
        Integer sum = reactor.core.publisher.Flux.range(0, 20_000)
                .flatMap(i -> permits.withPermit(work), 64)
                .reduce(0, Integer::sum)
                .block(Duration.ofSeconds(30));
        assertThat(sum).isEqualTo(20_000);
        assertThat(max.get()).isLessThanOrEqualTo(4);
        assertThat(permits.inUse()).isZero();
    }

    @Test
    void thePermitIsBackBeforeTheValueTravelsDownstream() {
        ConnectionPermits permits = new ConnectionPermits(1);
        List<Integer> inUseAtValue = new ArrayList<>();
        List<Integer> inUseAtCompletion = new ArrayList<>();
        permits.withPermit(Mono.just("v")).subscribe(v -> inUseAtValue.add(permits.inUse()), e -> { },
                () -> inUseAtCompletion.add(permits.inUse()));
        assertThat(inUseAtValue).containsExactly(0);
        assertThat(inUseAtCompletion).containsExactly(0);
    }

    @Test
    void aPermitIsGivenBackOnceWhateverFollowsTheFirstSignal() {
        ConnectionPermits permits = new ConnectionPermits(2);
        reactor.test.publisher.TestPublisher<String> work = reactor.test.publisher.TestPublisher.createNoncompliant(
                reactor.test.publisher.TestPublisher.Violation.CLEANUP_ON_TERMINATE);
        Disposable other = permits.withPermit(Mono.never()).subscribe();
        Disposable held = permits.withPermit(work.mono()).subscribe(v -> { }, e -> { });
        assertThat(permits.inUse()).isEqualTo(2);
        work.next("v"); // then, as a misbehaving source might: an error and a complete after the value
        work.error(new IllegalStateException("late"));
        work.complete();
        held.dispose();
        assertThat(permits.inUse()).isEqualTo(1); // one back, not three: the other holder still has its own
        other.dispose();
        assertThat(permits.inUse()).isZero();
    }

    @Test
    void aRequestMadeAfterCloseFailsWithoutTakingAPermit() {
        ConnectionPermits permits = new ConnectionPermits(1);
        permits.close(new CancellationException("closed"));
        StepVerifier.create(permits.withPermit(Mono.just(1)))
                .expectErrorMessage("client closed")
                .verify(Duration.ofSeconds(1));
        assertThat(permits.inUse()).isZero();
    }
}
