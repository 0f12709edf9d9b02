package dev.fanout.benchmarks.load;

import java.util.List;

/**
 * One end-to-end scenario: what to fetch, how many, at what concurrency, with which clients.
 *
 * @param warmupPath where the warm-up goes: {@code path} itself, or for S2 the same response without the
 *                 100 ms sleep, then 6,000 of {@code path} itself (three measured runs' worth, fewer with a
 *                 smaller {@code --n}: thirty waves, every connection open, the waits between waves that the
 *                 fast warm-up lacks, and time for the JIT to catch up; see {@link RunOne#measuredPathWarmup}).
 *                 S2 measures only 2,000 requests: after a 200-request warm-up the JIT was still compiling
 *                 the hot path during the measured second (some 800 compilations, about 0.9 s of CPU for
 *                 2,000 requests on two cores), so S2 warms up with fast ones first: 10,000 (20,000 until
 *                 the eighth session; with the 6,000 of {@code path} after them, 10,000 warmed up as well
 *                 as 20,000). Some compiling remains. S3 warms up with 2,000, as many as it measures: after
 *                 200 its measured phase was mostly the JIT compiling Jackson (1.5 s of compile time in a
 *                 1.4 s phase), not decoding.
 * @param check    the {@link Check} every response must pass
 * @param heap     the {@code -Xmx} of each run's JVM
 * @param repeats  how many interleaved repeats (S4 runs once: it is a soak, not a race)
 */
record Scenario(String id, String title, String path, String warmupPath, String check, long n, int warmup, int concurrency,
                List<String> clients, String heap, int repeats) {

    static final List<String> PEERS = List.of("fanout-as-completed", "fanout-fetch-all", "reactor-netty", "webclient",
            "jdk-async", "jdk-virtual-threads");
    static final List<String> FANOUT_ONLY = List.of("fanout-as-completed");
    /** S5's default: Fanout, and the engine with the same retries written by hand (its S5/S1 is what the machine allows). */
    static final List<String> S5_DEFAULT = List.of("fanout-as-completed", "reactor-netty-retry");

    /**
     * S1 with the default clients also runs raw Reactor Netty on one event loop per core, Fanout's own
     * loop count, so the table shows Fanout's overhead alone next to the engine as a user gets it.
     */
    private static List<String> withEngineOnCores(List<String> peers) {
        if (!peers.equals(PEERS) && !peers.equals(withoutVirtualThreads())) {
            return peers; // clients were named (--clients): those
        }
        List<String> s1 = new java.util.ArrayList<>(peers);
        s1.add(s1.indexOf("reactor-netty") + 1, "reactor-netty-cores");
        return List.copyOf(s1);
    }

    private static List<String> withoutVirtualThreads() {
        List<String> p = new java.util.ArrayList<>(PEERS);
        p.remove("jdk-virtual-threads");
        return p;
    }

    /** The scenarios at full size ({@code quick == false}) or at the small size that proves the harness works. */
    static List<Scenario> all(boolean quick, int repeats, long s4Count, List<String> peers) {
        int large = TargetFiles.itemCount(TargetFiles.LARGE_SIZE);
        return List.of(
                new Scenario("S1", "throughput: GET 1 KB JSON", "/1k.json", "/1k.json",
                        "size:" + TargetFiles.SMALL_SIZE, quick ? 20_000 : 200_000, quick ? 2_000 : 20_000, 256,
                        withEngineOnCores(peers), "2g", repeats),
                new Scenario("S2", "latency-bound: GET 100 ms endpoint (ideal 1.0 s)", "/delay", "/nodelay",
                        "any", 2_000, quick ? 2_000 : 10_000, 200, peers, "2g", repeats),
                new Scenario("S3", "decode: GET 100 KB JSON, Jackson tree", "/100k.json", "/100k.json",
                        "json:" + large, quick ? 500 : 2_000, quick ? 500 : 2_000, 32, peers, "2g", repeats),
                new Scenario("S4", "scale: generated URLs through fetchAsCompleted, -Xmx256m", "/1k.json", "/1k.json",
                        "size:" + TargetFiles.SMALL_SIZE, s4Count, 0, 256, FANOUT_ONLY, "256m", 1),
                new Scenario("S5", "faults: S1 with 10% 503 (" + FaultRetries.STATUS + ")", "/flaky", "/flaky",
                        "size:" + TargetFiles.SMALL_SIZE, quick ? 20_000 : 200_000, quick ? 2_000 : 20_000, 256,
                        // Fanout and the engine with retries, unless clients were named (--clients): then those
                        peers.equals(PEERS) || peers.equals(withoutVirtualThreads()) ? S5_DEFAULT : peers, "2g", repeats));
    }
}
