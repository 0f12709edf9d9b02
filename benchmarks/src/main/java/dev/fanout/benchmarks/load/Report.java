package dev.fanout.benchmarks.load;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Medians with min–max, ratios to raw Reactor Netty in the same run, and the targets, from the runs.
 * {@code × raw} is always over raw Reactor Netty on HTTP/1.1, the h2c clients' too; {@link #protocols()}
 * adds the HTTP/2 ratios (Fanout over its engine on h2c, h2c over HTTP/1.1) when h2c clients ran.
 */
final class Report {

    static final String RAW = "reactor-netty";
    static final String FANOUT = "fanout-as-completed";
    static final String RAW_H2C = "reactor-netty-h2c";
    static final String FANOUT_H2C = "fanout-h2c";
    static final String RAW_H2C_MUX = "reactor-netty-h2c-mux";

    private final List<Scenario> scenarios;
    private final List<Map<String, Object>> runs;
    private final Map<String, Map<String, Map<String, Object>>> summary = new LinkedHashMap<>();

    Report(List<Scenario> scenarios, List<Map<String, Object>> runs) {
        this.scenarios = scenarios;
        this.runs = runs;
        for (Scenario s : scenarios) {
            Map<String, Map<String, Object>> byClient = new LinkedHashMap<>();
            for (String client : s.clients()) {
                List<Map<String, Object>> mine = runs.stream()
                        .filter(r -> s.id().equals(r.get("scenario")) && client.equals(r.get("client")))
                        .collect(Collectors.toList());
                if (!mine.isEmpty()) {
                    byClient.put(client, stats(mine));
                }
            }
            Map<String, Object> raw = byClient.get(RAW);
            if (raw != null) {
                for (Map<String, Object> st : byClient.values()) {
                    st.put("xRaw", round((double) st.get("rpsMedian") / (double) raw.get("rpsMedian"), 3));
                }
            }
            summary.put(s.id(), byClient);
        }
    }

    private static Map<String, Object> stats(List<Map<String, Object>> runs) {
        Map<String, Object> st = new LinkedHashMap<>();
        List<Double> rps = values(runs, "rps");
        List<Double> wall = values(runs, "wallSeconds");
        st.put("runs", runs.size());
        st.put("rpsMedian", round(median(rps), 1));
        st.put("rpsMin", round(rps.get(0), 1));
        st.put("rpsMax", round(rps.get(rps.size() - 1), 1));
        st.put("wallMedian", round(median(wall), 3));
        st.put("wallMin", round(wall.get(0), 3));
        st.put("wallMax", round(wall.get(wall.size() - 1), 3));
        st.put("cpuSecondsPer10kMedian", round(median(values(runs, "cpuSecondsPer10k")), 3));
        if (runs.stream().allMatch(r -> r.get("allocBytesPerRequest") != null)) {
            st.put("allocKbPerRequestMedian", round(median(values(runs, "allocBytesPerRequest")) / 1024, 2));
        }
        st.put("peakRssMbMax", round(values(runs, "peakRssMb").get(runs.size() - 1), 1));
        st.put("peakHeapMbMax", round(values(runs, "peakHeapMb").get(runs.size() - 1), 1));
        long ok = runs.stream().mapToLong(r -> ((Number) r.get("ok")).longValue()).sum();
        long n = runs.stream().mapToLong(r -> ((Number) r.get("n")).longValue()).sum();
        st.put("ok", ok);
        st.put("n", n);
        st.put("allAccounted", runs.stream().allMatch(r -> Boolean.TRUE.equals(r.get("accounted"))));
        st.put("connectionsOpenedMax", runs.stream().filter(r -> r.get("connectionsOpened") != null)
                .mapToLong(r -> ((Number) r.get("connectionsOpened")).longValue()).max().orElse(-1));
        st.put("jdk", runs.get(0).get("jdk"));
        st.put("transport", runs.get(0).get("transport"));
        return st;
    }

    Map<String, Map<String, Map<String, Object>>> summary() {
        return summary;
    }

    /** Each target of the issue, with the measured value and whether it was met. */
    List<Map<String, Object>> targets() {
        List<Map<String, Object>> t = new ArrayList<>();
        Map<String, Map<String, Object>> s1 = summary.get("S1");
        if (s1 != null && s1.containsKey(FANOUT)) {
            double f = rps(s1, FANOUT);
            ratioTarget(t, "S1 Fanout / raw Reactor Netty", f, s1, RAW, 0.95);
            ratioTarget(t, "S1 Fanout / raw Reactor Netty on Fanout's loop count (overhead alone)", f, s1,
                    "reactor-netty-cores", 0.95);
            ratioTarget(t, "S1 Fanout / Spring WebClient", f, s1, "webclient", 1.3);
            ratioTarget(t, "S1 Fanout / JDK HttpClient sendAsync", f, s1, "jdk-async", 2.0);
            ratioTarget(t, "S1 Fanout / JDK HttpClient virtual threads", f, s1, "jdk-virtual-threads", 2.0);
        }
        Map<String, Map<String, Object>> s2 = summary.get("S2");
        if (s2 != null) {
            for (String c : List.of(FANOUT, "fanout-fetch-all")) {
                if (s2.containsKey(c)) {
                    double wall = (double) s2.get(c).get("wallMedian");
                    t.add(target("S2 " + c + " wall / ideal 1.0 s", wall, "<= 1.05", wall <= 1.05));
                }
            }
        }
        Map<String, Map<String, Object>> s3 = summary.get("S3");
        if (s3 != null && s3.containsKey(FANOUT)) {
            double best = s3.entrySet().stream().filter(e -> !e.getKey().startsWith("fanout"))
                    .mapToDouble(e -> (double) e.getValue().get("rpsMedian")).max().orElse(Double.NaN);
            double f = Math.max(rps(s3, FANOUT), s3.containsKey("fanout-fetch-all") ? rps(s3, "fanout-fetch-all") : 0);
            t.add(target("S3 best Fanout / best peer", round(f / best, 3), ">= 1.0", f >= best));
        }
        Map<String, Map<String, Object>> s4 = summary.get("S4");
        if (s4 != null && s4.containsKey(FANOUT)) {
            Map<String, Object> st = s4.get(FANOUT);
            boolean complete = st.get("ok").equals(st.get("n")) && Boolean.TRUE.equals(st.get("allAccounted"));
            t.add(target("S4 " + st.get("n") + " URLs complete, nothing lost", st.get("ok") + " ok of " + st.get("n"),
                    "all", complete));
            Map<String, Object> flat = s4Flatness();
            t.add(target("S4 heap after GC flat (max of last quarter vs second quarter, MB)",
                    flat.get("heapAfterGc"), "<= 1.1x + 8 MB", Boolean.TRUE.equals(flat.get("heapAfterGcFlat"))));
            t.add(target("S4 RSS flat (max of last quarter vs second quarter, MB)", flat.get("rss"),
                    "<= 1.1x + 8 MB", Boolean.TRUE.equals(flat.get("rssFlat"))));
        }
        Map<String, Map<String, Object>> s5 = summary.get("S5");
        if (s5 != null && s5.containsKey(FANOUT) && s1 != null && s1.containsKey(FANOUT)) {
            double ratio = rps(s5, FANOUT) / rps(s1, FANOUT);
            t.add(target("S5 Fanout / Fanout S1 (" + FaultRetries.STATUS + ")", round(ratio, 3), ">= 0.8",
                    ratio >= 0.8));
            t.add(target("S5 every input accounted for", s5.get(FANOUT).get("allAccounted"), "true",
                    Boolean.TRUE.equals(s5.get(FANOUT).get("allAccounted"))));
        }
        if (s5 != null && s5.containsKey("reactor-netty-retry") && s1 != null && s1.containsKey("reactor-netty-cores")) {
            // not a target: the same ratio for the engine with hand-written retries, what the machine allows
            double ratio = rps(s5, "reactor-netty-retry") / rps(s1, "reactor-netty-cores");
            t.add(target("S5 reactor-netty-retry / S1 reactor-netty-cores (the engine, same retries by hand)",
                    round(ratio, 3), "reference", null));
        }
        return t;
    }

    /** Heap-after-GC and RSS in the second and last quarters of S4's run: a leak shows as a rising floor. */
    Map<String, Object> s4Flatness() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Map<String, Object>> samples = s4Samples();
        if (samples.size() < 8) {
            m.put("heapAfterGcFlat", false);
            m.put("rssFlat", false);
            m.put("heapAfterGc", "too few samples (" + samples.size() + ")");
            m.put("rss", "too few samples");
            return m;
        }
        int q = samples.size() / 4;
        List<Map<String, Object>> second = samples.subList(q, 2 * q);
        List<Map<String, Object>> last = samples.subList(samples.size() - q, samples.size());
        for (String key : List.of("heapAfterGcMb", "rssMb")) {
            double a = max(second, key);
            double b = max(last, key);
            String name = key.equals("rssMb") ? "rss" : "heapAfterGc";
            m.put(name, round(a, 1) + " -> " + round(b, 1));
            m.put(name + "Flat", b <= a * 1.1 + 8);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> s4Samples() {
        return runs.stream().filter(r -> "S4".equals(r.get("scenario")) && r.get("samples") != null)
                .findFirst()
                .map(r -> ((List<Map<String, Object>>) r.get("samples")).stream()
                        .filter(s -> ((Number) s.get("done")).longValue() > 0)
                        .collect(Collectors.toList()))
                .orElse(List.of());
    }

    private static double max(List<Map<String, Object>> samples, String key) {
        return samples.stream().mapToDouble(s -> ((Number) s.get(key)).doubleValue()).max().orElse(0);
    }

    private static void ratioTarget(List<Map<String, Object>> t, String name, double fanout,
                                    Map<String, Map<String, Object>> s, String peer, double min) {
        if (s.containsKey(peer)) {
            double ratio = fanout / rps(s, peer);
            t.add(target(name, round(ratio, 3), ">= " + min, ratio >= min));
        }
    }

    /** @param met null for a reference line that is not a target */
    private static Map<String, Object> target(String name, Object value, String goal, Boolean met) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", name);
        m.put("value", value);
        m.put("goal", goal);
        m.put("met", met);
        return m;
    }

    /**
     * When h2c clients ran: per scenario, Fanout over its engine on h2c, and h2c over HTTP/1.1 for
     * Fanout and for the engine (ratios of req/s medians), with the connections nginx accepted per run.
     */
    List<Map<String, Object>> protocols() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Scenario s : scenarios) {
            Map<String, Map<String, Object>> byClient = summary.get(s.id());
            if (byClient.keySet().stream().noneMatch(RunOne::h2c)) {
                continue;
            }
            ratio(out, s.id(), byClient, FANOUT_H2C, RAW_H2C, "Fanout over its engine, both h2c");
            ratio(out, s.id(), byClient, RAW_H2C, RAW, "h2c over HTTP/1.1, raw Reactor Netty");
            ratio(out, s.id(), byClient, FANOUT_H2C, FANOUT, "h2c over HTTP/1.1, Fanout fetchAsCompleted");
            ratio(out, s.id(), byClient, RAW_H2C_MUX, RAW, "h2c on few connections over HTTP/1.1, raw Reactor Netty");
            ratio(out, s.id(), byClient, FANOUT_H2C, RAW_H2C_MUX, "Fanout over its engine on few h2c connections");
            Map<String, Object> conns = new LinkedHashMap<>();
            byClient.forEach((c, st) -> conns.put(c, st.get("connectionsOpenedMax")));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", s.id());
            m.put("connectionsOpenedMax", conns);
            out.add(m);
        }
        return out;
    }

    private static void ratio(List<Map<String, Object>> out, String scenario, Map<String, Map<String, Object>> byClient,
                              String a, String b, String what) {
        if (byClient.containsKey(a) && byClient.containsKey(b)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", scenario);
            m.put("ratio", a + " / " + b);
            m.put("what", what);
            m.put("value", round(rps(byClient, a) / rps(byClient, b), 3));
            out.add(m);
        }
    }

    /** The results as a Markdown table, the targets under it. */
    String table(Map<String, Object> machine, String target) {
        StringBuilder sb = new StringBuilder();
        sb.append("Machine: ").append(machine.get("cpus")).append(" CPUs, ").append(machine.get("cpuModel"))
                .append(", ").append(machine.get("memTotal")).append("; ").append(machine.get("jdk"))
                .append("; target: ").append(target).append("\n\n");
        sb.append("| Scenario | Client | req/s median (min–max) | × raw | wall s median | CPU s / 10k req | "
                + "heap KB / req | peak RSS MB | verified |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Scenario s : scenarios) {
            for (Map.Entry<String, Map<String, Object>> e : summary.get(s.id()).entrySet()) {
                Map<String, Object> st = e.getValue();
                sb.append(String.format(Locale.ROOT, "| %s | %s | %,.0f (%,.0f–%,.0f) | %s | %.3f | %.3f | %s | %.0f | %s |%n",
                        s.id(), e.getKey(), st.get("rpsMedian"), st.get("rpsMin"), st.get("rpsMax"),
                        st.containsKey("xRaw") ? String.format(Locale.ROOT, "%.2f", st.get("xRaw")) : "–",
                        st.get("wallMedian"), st.get("cpuSecondsPer10kMedian"),
                        st.containsKey("allocKbPerRequestMedian")
                                ? String.format(Locale.ROOT, "%.2f", st.get("allocKbPerRequestMedian")) : "–",
                        st.get("peakRssMbMax"),
                        st.get("ok") + "/" + st.get("n") + (Boolean.TRUE.equals(st.get("allAccounted")) ? "" : " (LOST)")));
            }
        }
        List<Map<String, Object>> protocols = protocols();
        if (!protocols.isEmpty()) {
            sb.append("\nHTTP/1.1 vs HTTP/2 (h2c): `× raw` above is over raw Reactor Netty on HTTP/1.1 for every client,"
                    + " the h2c ones included.\n\n| Scenario | Ratio of req/s medians | What | Value |\n|---|---|---|---|\n");
            for (Map<String, Object> p : protocols) {
                if (p.containsKey("ratio")) {
                    sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f |%n", p.get("scenario"), p.get("ratio"),
                            p.get("what"), p.get("value")));
                }
            }
            for (Map<String, Object> p : protocols) {
                if (p.containsKey("connectionsOpenedMax")) {
                    sb.append("\n").append(p.get("scenario")).append(" connections nginx accepted per run (max over repeats): ")
                            .append(((Map<?, ?>) p.get("connectionsOpenedMax")).entrySet().stream()
                                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")))
                            .append("\n");
                }
            }
        }
        sb.append("\n| Target | Value | Goal | Met |\n|---|---|---|---|\n");
        for (Map<String, Object> t : targets()) {
            sb.append("| ").append(t.get("target")).append(" | ").append(t.get("value")).append(" | ")
                    .append(t.get("goal")).append(" | ").append(t.get("met") == null ? "(not a target)"
                            : Boolean.TRUE.equals(t.get("met")) ? "yes" : "**no**")
                    .append(" |\n");
        }
        return sb.toString();
    }

    static String brief(Map<String, Object> r) {
        return String.format(Locale.ROOT, "%,10.0f req/s  wall %.3f s  cpu %.3f s/10k  alloc %.2f KB/req  rss %.0f MB  conns %s  ok %s/%s%s",
                ((Number) r.get("rps")).doubleValue(), ((Number) r.get("wallSeconds")).doubleValue(),
                ((Number) r.get("cpuSecondsPer10k")).doubleValue(),
                ((Number) r.getOrDefault("allocBytesPerRequest", 0)).doubleValue() / 1024,
                ((Number) r.get("peakRssMb")).doubleValue(),
                r.getOrDefault("connectionsOpened", "?"), r.get("ok"), r.get("n"), Boolean.TRUE.equals(r.get("accounted")) ? "" : "  NOT ACCOUNTED");
    }

    private static double rps(Map<String, Map<String, Object>> s, String client) {
        return (double) s.get(client).get("rpsMedian");
    }

    private static List<Double> values(List<Map<String, Object>> runs, String key) {
        return runs.stream().map(r -> ((Number) r.get(key)).doubleValue()).sorted().collect(Collectors.toList());
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
