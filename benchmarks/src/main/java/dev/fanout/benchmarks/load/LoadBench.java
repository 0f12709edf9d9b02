package dev.fanout.benchmarks.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs the end-to-end set: starts the target, then for each scenario runs every client in turn
 * (A B C A B C ...; S1 and S5, whose target is a ratio of the two, round by round together, each S5
 * client right after its S1 partner), each run in a fresh JVM, and writes {@code results.json}, {@code table.md}
 * and the charts. Why a JVM per run: each client's heap, RSS and CPU time are its own, and no
 * client inherits another's JIT profile, warm pools or garbage.
 *
 * <pre>
 * --quick            small sizes, one repeat: proves the harness end to end in about two minutes
 * --repeats N        interleaved repeats (default 3)
 * --scenarios S1,S2  which scenarios (default all)
 * --clients a,b      which clients (default all; jdk-virtual-threads only on JDK 21+; S1 adds
 *                    reactor-netty-cores, S5 runs fanout-as-completed and reactor-netty-retry); also
 *                    fanout-h2c, reactor-netty-h2c and reactor-netty-h2c-mux, cleartext HTTP/2 against the
 *                    target's h2c port, not in the default set; probe+... (ProbeClient) and
 *                    fanout-as-completed+loopsN (Fanout on N event loops) for experiments
 * --s4-count N       URLs for S4 (default 1,000,000; 100,000 with --quick)
 * --n N              requests per measured run in every other scenario (a smoke run: --quick --n 5000);
 *                    the warm-up stays the scenario's, capped at N (then scaled by --warmup-scale, if
 *                    given; S2's run of /delay after it: 3 x N
 *                    or 6,000, the smaller)
 * --warmup-scale F   F >= 1: multiply the warm-up of every scenario but S4 by F, after --n's cap (at full
 *                    size S1 and S5: 20,000 x F; S3: 2,000 x F; S2's fast warm-up, not its run of /delay
 *                    after it): an experiment outside the scenarios, to see the clients with the
 *                    JIT further along (write it elsewhere with --out)
 * --target T         auto (nginx, else the Reactor Netty fallback), nginx or netty
 * --out DIR          where results go (default benchmarks/results)
 * --jfr DIR          record each run with JFR (settings=profile) into DIR, for profiling
 * </pre>
 */
public final class LoadBench {

    private static Path jfrDir;

    private LoadBench() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i].substring(2);
            if (key.equals("quick")) {
                opts.put(key, "true");
            } else {
                opts.put(key, args[++i]);
            }
        }
        boolean quick = opts.containsKey("quick");
        int repeats = Integer.parseInt(opts.getOrDefault("repeats", quick ? "1" : "3"));
        long s4Count = Long.parseLong(opts.getOrDefault("s4-count", quick ? "100000" : "1000000"));
        Path out = Path.of(opts.getOrDefault("out", "benchmarks/results"));
        Files.createDirectories(out);
        if (opts.containsKey("jfr")) {
            jfrDir = Files.createDirectories(Path.of(opts.get("jfr")));
        }

        List<String> peers = new ArrayList<>(Scenario.PEERS);
        if (!JdkVirtualThreadClient.available()) {
            peers.remove("jdk-virtual-threads");
            System.err.println("note: JDK " + Runtime.version().feature()
                    + " has no virtual threads; jdk-virtual-threads is skipped (run on JDK 21+ to include it)");
        }
        if (opts.containsKey("clients")) {
            List<String> wanted = new ArrayList<>(Arrays.asList(opts.get("clients").split(",")));
            wanted.removeIf(c -> c.equals("jdk-virtual-threads") && !JdkVirtualThreadClient.available());
            peers.clear();
            peers.addAll(wanted);
        }
        List<String> wantedScenarios = Arrays.asList(opts.getOrDefault("scenarios", "S1,S2,S3,S4,S5").split(","));
        Long nOverride = opts.containsKey("n") ? Long.valueOf(opts.get("n")) : null;
        double warmupScale = Double.parseDouble(opts.getOrDefault("warmup-scale", "1"));
        if (!(warmupScale >= 1)) { // it lengthens warm-ups; a smaller one could round a warm-up to nothing
            throw new IllegalArgumentException("--warmup-scale must be 1 or more: " + opts.get("warmup-scale"));
        }
        List<Scenario> scenarios = Scenario.all(quick, repeats, s4Count, peers).stream()
                .filter(s -> wantedScenarios.contains(s.id()))
                .map(s -> nOverride == null || s.id().equals("S4") ? s : new Scenario(s.id(), s.title(), s.path(), s.warmupPath(),
                        s.check(), nOverride, (int) Math.min(s.warmup(), nOverride), s.concurrency(), s.clients(),
                        s.heap(), s.repeats()))
                .map(s -> warmupScale == 1.0 || s.id().equals("S4") ? s : new Scenario(s.id(), s.title(), s.path(),
                        s.warmupPath(), s.check(), s.n(), Math.toIntExact(Math.round(s.warmup() * warmupScale)),
                        s.concurrency(), s.clients(), s.heap(), s.repeats()))
                .collect(Collectors.toList());

        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("java.class.path");
        Map<String, Object> machine = Machine.describe();
        String loadBefore = Machine.loadAverage();
        long started = System.nanoTime();

        List<Map<String, Object>> runs = new ArrayList<>();
        Path work = Files.createTempDirectory("fanout-bench-");
        Path log = out.resolve("runs.log");
        Files.deleteIfExists(log);
        String targetDescription;
        try (Target target = startTarget(opts.getOrDefault("target", "auto"), java, classPath, work)) {
            targetDescription = target.description();
            // Interrupted (Ctrl-C): still stop the server we started.
            Thread stopTarget = new Thread(target::close, "stop-target");
            Runtime.getRuntime().addShutdownHook(stopTarget);
            System.err.println("target: " + targetDescription + " at " + target.baseUrl()
                    + (peers.stream().anyMatch(RunOne::h2c) ? " (h2c: " + target.h2cBaseUrl() + ")" : ""));
            for (List<Scenario> group : pairedForRatios(scenarios)) {
                int rounds = group.stream().mapToInt(Scenario::repeats).max().orElse(0);
                for (int rep = 1; rep <= rounds; rep++) {
                    if (group.size() == 2 && rep <= group.get(0).repeats() && rep <= group.get(1).repeats()) {
                        runPairedRound(java, classPath, target, group.get(0), group.get(1), rep, log, runs);
                        continue;
                    }
                    for (Scenario s : group) {
                        if (rep <= s.repeats()) {
                            runRound(java, classPath, target, s, rep, log, runs);
                        }
                    }
                }
            }
            Runtime.getRuntime().removeShutdownHook(stopTarget);
        }
        machine.put("loadAverageBefore", loadBefore);
        machine.put("loadAverageAfter", Machine.loadAverage());

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("when", Instant.now().toString());
        results.put("mode", quick ? "quick" : "full");
        results.put("totalSeconds", Math.round((System.nanoTime() - started) / 1e9));
        results.put("machine", machine);
        results.put("target", targetDescription);
        results.put("scenarios", scenarios);
        Report report = new Report(scenarios, runs);
        results.put("summary", report.summary());
        results.put("targets", report.targets());
        if (!report.protocols().isEmpty()) {
            results.put("protocols", report.protocols());
        }
        results.put("runs", runs);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("results.json").toFile(),
                results);
        String table = report.table(machine, targetDescription);
        Files.writeString(out.resolve("table.md"), table);
        Charts.write(report, runs, out);
        System.out.println(table);
        System.err.println("wrote " + out.resolve("results.json") + ", table.md, throughput.png"
                + (runs.stream().anyMatch(r -> "S4".equals(r.get("scenario"))) ? ", s4-heap.png" : "")
                + " in " + results.get("totalSeconds") + " s");
    }

    /** One repeat of a scenario: every client of it in turn, each in a JVM of its own. */
    private static void runRound(String java, String classPath, Target target, Scenario s, int rep, Path log,
                                 List<Map<String, Object>> runs) throws IOException, InterruptedException {
        for (String client : s.clients()) {
            runClient(java, classPath, target, s, client, rep, log, runs);
        }
    }

    /**
     * One repeat of S1 and S5 together: each S5 client runs right after the S1 run it is compared with
     * (Fanout after Fanout; the engine with retries by hand after the engine on Fanout's loop count), so
     * the two sides of each ratio are measured a few seconds apart; S5 clients with no S1 partner last.
     */
    private static void runPairedRound(String java, String classPath, Target target, Scenario s1, Scenario s5, int rep,
                                       Path log, List<Map<String, Object>> runs) throws IOException, InterruptedException {
        for (Map.Entry<Scenario, String> run : pairedRound(s1, s5)) {
            runClient(java, classPath, target, run.getKey(), run.getValue(), rep, log, runs);
        }
    }

    /** The runs of {@link #runPairedRound}, in order: each scenario with the client it runs. */
    static List<Map.Entry<Scenario, String>> pairedRound(Scenario s1, Scenario s5) {
        List<Map.Entry<Scenario, String>> order = new ArrayList<>();
        List<String> pending = new ArrayList<>(s5.clients());
        for (String client : s1.clients()) {
            order.add(Map.entry(s1, client));
            for (String partner : List.copyOf(pending)) {
                if (s1Partner(partner).equals(client)) {
                    pending.remove(partner);
                    order.add(Map.entry(s5, partner));
                }
            }
        }
        for (String client : pending) {
            order.add(Map.entry(s5, client));
        }
        return order;
    }

    /** The S1 client an S5 client's throughput is compared with. */
    static String s1Partner(String s5Client) {
        return s5Client.equals("reactor-netty-retry") ? "reactor-netty-cores" : s5Client;
    }

    private static void runClient(String java, String classPath, Target target, Scenario s, String client, int rep,
                                  Path log, List<Map<String, Object>> runs) throws IOException, InterruptedException {
        long accepted = target.acceptedConnections();
        String base = RunOne.h2c(client) ? target.h2cBaseUrl() : target.baseUrl();
        Map<String, Object> r = runOnce(java, classPath, base, s, client, log);
        if (accepted >= 0) {
            // warm-up included: a client that keeps its connections opens about `concurrency`
            // (HTTP/1.1), or as many as its HTTP/2 pool decides (h2c)
            r.put("connectionsOpened", target.acceptedConnections() - accepted - 1);
        }
        r.put("repeat", rep);
        runs.add(r);
        System.err.printf("%s %d/%d %-20s %s%n", s.id(), rep, s.repeats(), client, Report.brief(r));
    }

    /**
     * The order scenarios run in: each alone, except S5 whose target is a ratio to S1's throughput. Those two
     * run repeat by repeat, each S5 client right after its S1 partner ({@link #runPairedRound}), so that a
     * slow or fast spell of the machine, which moves every client by 10-20 % here, falls on both sides of
     * the ratio rather than on one scenario minutes before the other.
     */
    static List<List<Scenario>> pairedForRatios(List<Scenario> scenarios) {
        List<List<Scenario>> groups = new ArrayList<>();
        Scenario s1 = scenarios.stream().filter(s -> s.id().equals("S1")).findFirst().orElse(null);
        Scenario s5 = scenarios.stream().filter(s -> s.id().equals("S5")).findFirst().orElse(null);
        for (Scenario s : scenarios) {
            if (s == s1 && s5 != null) {
                groups.add(List.of(s1, s5));
            } else if (s != s5 || s1 == null) {
                groups.add(List.of(s));
            }
        }
        return groups;
    }

    private static Target startTarget(String kind, String java, String classPath, Path work) throws Exception {
        boolean nginx = NginxTarget.binary().isPresent();
        if (kind.equals("nginx") || (kind.equals("auto") && nginx)) {
            if (!nginx) {
                throw new IllegalStateException("nginx not found at " + NginxTarget.NGINX
                        + ": apt-get install nginx libnginx-mod-http-echo (run.sh does this when it can)");
            }
            return new NginxTarget(work);
        }
        System.err.println("nginx is absent: falling back to a Reactor Netty target in its own JVM");
        return NettyTarget.start(java, classPath, work);
    }

    private static Map<String, Object> runOnce(String java, String classPath, String baseUrl, Scenario s,
                                               String client, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + s.heap(),
                "-XX:+UseG1GC", "-Djava.awt.headless=true", "-cp", classPath, RunOne.class.getName(),
                "--client", client, "--scenario", s.id(), "--url", baseUrl + s.path(), "--n", String.valueOf(s.n()),
                "--warmup", String.valueOf(s.warmup()), "--warmup-url", baseUrl + s.warmupPath(), "--concurrency", String.valueOf(s.concurrency()),
                "--check", s.check()));
        if (s.id().equals("S4")) {
            // The whole heap committed and touched up front: RSS starts at its plateau, so growth is real.
            cmd.addAll(1, List.of("-Xms" + s.heap(), "-XX:+AlwaysPreTouch"));
        }
        if (jfrDir != null) {
            cmd.add(1, "-XX:StartFlightRecording=settings=profile,filename="
                    + jfrDir.resolve(s.id() + "-" + client + "-" + System.nanoTime() + ".jfr").toAbsolutePath());
        }
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    result = line.substring(7);
                } else {
                    Files.writeString(log, line + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        }
        long timeout = Math.max(300, s.n() / 1000);
        if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        if (result == null) {
            throw new IllegalStateException(s.id() + " " + client + " printed no result (exit " + p.exitValue()
                    + "); see " + log);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new ObjectMapper().readValue(result, LinkedHashMap.class);
        return m;
    }
}
