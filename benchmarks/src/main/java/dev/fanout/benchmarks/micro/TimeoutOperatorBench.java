package dev.fanout.benchmarks.micro;

import dev.fanout.internal.RequestTimeout;
import dev.fanout.internal.WheelTimer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the pipeline's whole-request {@code Mono.timeout} on a chain shaped like Fanout's
 * (a few operators deep). Reactor builds the timeout's description from
 * {@code Scannable.from(source).name()} at every subscription, which walks the chain and builds
 * strings unless the source carries a name; {@code named} shows the difference, and
 * {@code takeUntilDelay} the operators the pipeline used instead from the second session to the ninth,
 * {@code requestTimeout} the one it uses now.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TimeoutOperatorBench {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Mono<Integer> TIMED_OUT = Mono.error(java.util.concurrent.TimeoutException::new);

    private Mono<Integer> chain() {
        return Mono.just(1).map(i -> i + 1).filter(i -> i > 0).doFinally(s -> { }).map(i -> i * 2);
    }

    /** The chain with {@code .timeout(30s)}, as the pipeline had it. */
    @Benchmark
    public Integer unnamed() {
        return chain().timeout(TIMEOUT).block();
    }

    /** The same with {@code .name(...)} before the timeout: no chain walk for the description. */
    @Benchmark
    public Integer named() {
        return chain().name("fanout.request").timeout(TIMEOUT).block();
    }

    /**
     * What the pipeline does now: {@code takeUntilOther} a delay, an empty completion turned into the
     * timeout error (the exchange itself never completes empty).
     */
    @Benchmark
    public Integer takeUntilDelay() {
        return chain().takeUntilOther(Mono.delay(TIMEOUT)).switchIfEmpty(TIMED_OUT).block();
    }

    /**
     * What the pipeline does since the tenth session: {@code RequestTimeout}, one subscriber and a
     * task on the timer wheel, armed at subscription and cancelled at the value.
     */
    @Benchmark
    public Integer requestTimeout() {
        return RequestTimeout.within(chain(), TIMEOUT, WheelTimer.SHARED).block();
    }

    /** {@code takeUntilDelay} on the same wheel, for a comparison on equal timers. */
    @Benchmark
    public Integer takeUntilWheelDelay() {
        return chain().takeUntilOther(Mono.delay(TIMEOUT, WheelTimer.SHARED)).switchIfEmpty(TIMED_OUT).block();
    }

    /** The chain alone, no timeout: the floor. */
    @Benchmark
    public Integer noTimeout() {
        return chain().block();
    }
}
