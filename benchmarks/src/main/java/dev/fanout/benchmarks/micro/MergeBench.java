package dev.fanout.benchmarks.micro;

import dev.fanout.internal.MergeMonos;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What merging costs per result with {@code concurrency} Monos pending, as a batch call has them:
 * Reactor's {@code flatMap} against {@link MergeMonos}, which {@code fetchAsCompleted} and
 * {@code fetchAll} use. Each operation is one result: a pending Mono completed (oldest first, on
 * this thread), its value passed downstream, the next input subscribed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MergeBench {

    private static final int RESULTS = 65_536;

    @Param({"256", "4096"})
    public int concurrency;

    private final ArrayDeque<Sinks.One<Integer>> pending = new ArrayDeque<>();
    private final Function<Integer, Mono<Integer>> mapper = i -> {
        Sinks.One<Integer> sink = Sinks.one();
        pending.add(sink);
        return sink.asMono();
    };

    @Benchmark
    @OperationsPerInvocation(RESULTS)
    public void flatMap(Blackhole bh) {
        run(Flux.range(0, RESULTS).flatMap(mapper, concurrency, 1), bh);
    }

    @Benchmark
    @OperationsPerInvocation(RESULTS)
    public void mergeMonos(Blackhole bh) {
        run(MergeMonos.merge(Flux.range(0, RESULTS), mapper, concurrency), bh);
    }

    private void run(Flux<Integer> merged, Blackhole bh) {
        merged.subscribe(bh::consume);
        int i = 0;
        Sinks.One<Integer> next;
        while ((next = pending.poll()) != null) {
            next.tryEmitValue(i++);
        }
        if (i != RESULTS) {
            throw new IllegalStateException(i + " results of " + RESULTS);
        }
    }
}
