package dev.fanout.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fanout.FetchClient;
import reactor.netty.resources.LoopResources;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One measured run in a JVM of its own: one client, one scenario. Warms up, measures, and prints
 * one line {@code RESULT {json}} with wall time, CPU time, peak heap and RSS and every outcome
 * counted. Started by {@link LoadBench}; arguments are {@code --name value} pairs.
 */
public final class RunOne {

    private RunOne() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].substring(2), args[i + 1]);
        }
        String clientName = a.get("client");
        String scenario = a.get("scenario");
        String url = a.get("url");
        String warmupUrl = a.getOrDefault("warmup-url", url);
        long n = Long.parseLong(a.get("n"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "0"));
        int concurrency = Integer.parseInt(a.get("concurrency"));
        Check check = Check.parse(a.get("check"));
        boolean series = scenario.equals("S4");

        UnaryOperator<FetchClient.Builder> customize = scenario.equals("S5") ? FaultRetries::enable : b -> b;
        Map<String, Object> out = new LinkedHashMap<>();
        try (ResourceSampler sampler = new ResourceSampler(series ? 500 : 100, series);
             LoadClient client = create(clientName, concurrency, customize)) {
            Tally warm = new Tally();
            // when the warm-up went elsewhere (S2), the measured endpoint itself after it: see measuredPathWarmup
            int ofMeasuredPath = warmup > 0 && !warmupUrl.equals(url) ? measuredPathWarmup(n) : 0;
            if (warmup > 0) {
                client.run(warmupUrl, warmup, check, warm);
            }
            if (ofMeasuredPath > 0) {
                client.run(url, ofMeasuredPath, check, warm);
            }
            long settledMs = awaitQuietJit();
            Tally tally = new Tally();
            sampler.follow(tally);
            long cpu0 = processCpuNanos();
            long jit0 = compilationMillis();
            long alloc0 = allocatedBytes();
            long t0 = System.nanoTime();
            if (series) {
                ((FanoutClients.AsCompleted) client).runGenerated(url, n, check, tally);
            } else {
                client.run(url, Math.toIntExact(n), check, tally);
            }
            long wall = System.nanoTime() - t0;
            long cpu = processCpuNanos() - cpu0;
            long jit = compilationMillis() - jit0;
            long allocated = allocatedBytes() - alloc0;

            out.put("client", clientName);
            out.put("scenario", scenario);
            out.put("n", n);
            out.put("concurrency", concurrency);
            out.put("warmup", warmup);
            out.put("warmupOfMeasuredPath", ofMeasuredPath);
            out.put("warmupOk", warm.ok());
            out.put("jitSettleMs", settledMs);
            out.put("ok", tally.ok());
            out.put("failed", tally.failed());
            out.put("errors", tally.errors());
            out.put("accounted", tally.total() == n);
            out.put("statuses", tally.statuses());
            out.put("errorKinds", tally.errorKinds());
            out.put("wallSeconds", wall / 1e9);
            out.put("rps", n / (wall / 1e9));
            out.put("cpuSeconds", cpu / 1e9);
            out.put("cpuSecondsPer10k", cpu / 1e9 / n * 10_000);
            // the JIT's compile time inside the measured phase (CompilationMXBean: elapsed time summed over
            // the compiler threads, not CPU; a warm-up that is too short shows here, and on a small machine
            // the compiler threads take their CPU from the event loops)
            out.put("jitSeconds", jit / 1e3);
            // every thread's heap allocation in the measured phase (client, JIT-free: TLAB counters), per request;
            // unlike time, it does not depend on what else the machine is doing
            out.put("allocBytesPerRequest", allocated / (double) n);
            out.put("peakHeapMb", sampler.peakHeapMb());
            out.put("jdk", System.getProperty("java.vm.vendor") + " " + Runtime.version());
            out.put("protocol", h2c(clientName) ? "h2c (prior knowledge)" : "HTTP/1.1");
            out.put("transport", clientName.startsWith("jdk") ? "JDK NIO (java.net.http)"
                    : (LoopResources.hasNativeSupport() ? "Netty native" : "Netty NIO"));
            out.put("maxHeapMb", Runtime.getRuntime().maxMemory() / 1048576);
            if (scenario.equals("S5")) {
                out.put("retries", clientName.equals("reactor-netty-retry") ? ReactorNettyClient.RETRIES
                        : clientName.startsWith("fanout") ? FaultRetries.status() : "none");
            }
            if (series) {
                out.put("samples", sampler.series());
            }
        }
        out.put("peakRssMb", ResourceSampler.peakRssMb());
        System.out.println("RESULT " + new ObjectMapper().writeValueAsString(out));
        System.out.flush();
        System.exit(0);
    }

    /**
     * The warm-up's run of the measured endpoint when the rest went elsewhere (S2): three measured runs'
     * worth, 3 x 2,000 (or 3 x {@code n} if smaller), thirty waves of 100 ms. It brings the measured code
     * path, every connection open and the waits between waves that the fast warm-up lacks. After one run's
     * worth the JIT still compiled for 0.5-1.0 s inside S2's measured second: while the C2 compiler's queue
     * is long it raises its thresholds (6-8 times here), so per-request methods called 22,000 times were not
     * yet compiled, and the JIT decides that only while they are called, not in the quiet wait.
     */
    static int measuredPathWarmup(long n) {
        return (int) (3 * Math.min(n, 2_000));
    }

    /**
     * Waits (at most 5 s) until the JIT has finished no compilation for 250 ms. On two cores the compiler
     * threads that the warm-up set going otherwise compete with the measured run's event loops: a
     * 2,000-request S2 run right after its warm-up spent over 1 s of CPU on 2,000 requests, most of it
     * compiling. The bean counts finished compilations, and the measured phase still sets off new ones:
     * this reduces the JIT's share, it does not end it. Every client gets the same wait.
     *
     * @return how long it waited, in milliseconds
     */
    private static long awaitQuietJit() throws InterruptedException {
        long start = System.nanoTime();
        long before = compilationMillis();
        if (before < 0) {
            return 0;
        }
        while (System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(250);
            long now = compilationMillis();
            if (now == before) {
                break;
            }
            before = now;
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Time the JIT compilers have spent compiling so far (-1 if the JVM does not say). */
    private static long compilationMillis() {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    static LoadClient create(String name, int concurrency, UnaryOperator<FetchClient.Builder> customize) {
        switch (name) {
            case "fanout-as-completed":
                return new FanoutClients.AsCompleted(concurrency, customize);
            case "fanout-fetch-all":
                return new FanoutClients.All(concurrency, customize);
            case "fanout-h2c":
                return new FanoutClients.AsCompleted(concurrency, customize, true);
            case "reactor-netty":
                return new ReactorNettyClient(concurrency, ReactorNettyClient.Mode.HTTP11);
            case "reactor-netty-cores":
                return new ReactorNettyClient(concurrency, ReactorNettyClient.Mode.HTTP11,
                        Runtime.getRuntime().availableProcessors());
            case "reactor-netty-retry":
                return new ReactorNettyClient(concurrency, ReactorNettyClient.Mode.HTTP11,
                        Runtime.getRuntime().availableProcessors(), true);
            case "reactor-netty-h2c":
                return new ReactorNettyClient(concurrency, ReactorNettyClient.Mode.H2C);
            case "reactor-netty-h2c-mux":
                return new ReactorNettyClient(concurrency, ReactorNettyClient.Mode.H2C_MUX);
            case "webclient":
                return new WebClientClient(concurrency);
            case "jdk-async":
                return new JdkAsyncClient(concurrency);
            case "jdk-virtual-threads":
                return new JdkVirtualThreadClient(concurrency);
            default:
                if (name.startsWith("fanout-as-completed+loops")) {
                    int loops = Integer.parseInt(name.substring("fanout-as-completed+loops".length()));
                    return new FanoutClients.AsCompleted(concurrency, b -> customize.apply(b)
                            .loopResources(reactor.netty.resources.LoopResources.create("fanout", loops, true)));
                }
                if (name.startsWith("probe")) {
                    return new ProbeClient(concurrency, name);
                }
                throw new IllegalArgumentException("client: " + name);
        }
    }

    /** Clients that speak cleartext HTTP/2 and so are pointed at the target's h2c port. */
    static boolean h2c(String client) {
        return client.contains("-h2c");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
