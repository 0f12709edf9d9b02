package dev.fanout.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import reactor.core.scheduler.Scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * A Reactor {@link Scheduler} for each of the client's event loops, so that a retry's backoff ends
 * on the loop that saw the failure and the retried attempt starts there, as a next request does
 * after a success. The wait itself is on the shared {@link WheelTimer}, whose one thread hands every
 * retry due in a 10 ms tick to its loop. What the S5 benchmark (10 % 503s, 100 ms full-jitter backoff)
 * showed of the alternatives:
 * <ul>
 * <li>{@code Schedulers.parallel()} (before): every retry left the loop for a timer thread and came
 * back, its pool acquire handing the connection to an event loop from outside. Against it the wheel
 * took 23 % less CPU per request and gave 11 % more requests per second (medians of five
 * interleaved pairs, benchmarks/RESULTS.md);
 * <li>the event loop's own {@code schedule}: no hand-off, but the loops woke for each due backoff
 * (in the profile, select calls and clock reads rose several-fold), and it was not kept.
 * </ul>
 */
final class EventLoopSchedulers {

    private final EventExecutor[] loops;
    private final Scheduler[] schedulers;

    EventLoopSchedulers(EventLoopGroup group) {
        List<EventExecutor> all = new ArrayList<>();
        group.forEach(all::add);
        this.loops = all.toArray(new EventExecutor[0]);
        this.schedulers = new Scheduler[loops.length];
        for (int i = 0; i < loops.length; i++) {
            schedulers[i] = WheelTimer.SHARED.runningOn(loops[i]);
        }
    }

    /** The scheduler of the event loop running the caller, or {@code otherwise} if the caller runs on none of them. */
    Scheduler current(Scheduler otherwise) {
        for (int i = 0; i < loops.length; i++) {
            if (loops[i].inEventLoop()) {
                return schedulers[i];
            }
        }
        return otherwise;
    }
}
