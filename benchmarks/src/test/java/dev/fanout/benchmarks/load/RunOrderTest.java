package dev.fanout.benchmarks.load;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The harness's run order and warm-up sizes, which the recorded ratios rely on. */
class RunOrderTest {

    private static final List<Scenario> FULL = Scenario.all(false, 3, 1_000_000, Scenario.PEERS);

    @Test
    void s5RunsBesideS1AndEveryOtherScenarioAloneInTheirOrder() {
        List<List<Scenario>> groups = LoadBench.pairedForRatios(FULL);

        assertThat(groups).extracting(g -> g.stream().map(Scenario::id).toList())
                .containsExactly(List.of("S1", "S5"), List.of("S2"), List.of("S3"), List.of("S4"));
    }

    @Test
    void s5WithoutS1RunsAlone() {
        List<Scenario> noS1 = FULL.stream().filter(s -> !s.id().equals("S1")).toList();

        assertThat(LoadBench.pairedForRatios(noS1)).extracting(g -> g.get(0).id())
                .containsExactly("S2", "S3", "S4", "S5");
    }

    @Test
    void eachS5ClientRunsRightAfterTheS1RunItIsComparedWith() {
        Scenario s1 = byId("S1");
        Scenario s5 = byId("S5");

        List<String> order = LoadBench.pairedRound(s1, s5).stream()
                .map(run -> run.getKey().id() + " " + run.getValue()).toList();

        assertThat(order).hasSize(s1.clients().size() + s5.clients().size());
        assertThat(order.get(order.indexOf("S1 fanout-as-completed") + 1)).isEqualTo("S5 fanout-as-completed");
        assertThat(order.get(order.indexOf("S1 reactor-netty-cores") + 1)).isEqualTo("S5 reactor-netty-retry");
    }

    @Test
    void anS5ClientWithNoS1PartnerRunsAtTheEndOfTheRound() {
        Scenario s1 = byId("S1");
        Scenario s5 = new Scenario("S5", "faults", "/flaky", "/flaky", "any", 10, 0, 1,
                List.of("webclient-retry", "fanout-as-completed"), "2g", 1);

        List<Map.Entry<Scenario, String>> order = LoadBench.pairedRound(s1, s5);

        assertThat(order.get(order.size() - 1).getValue()).isEqualTo("webclient-retry");
        assertThat(order).filteredOn(run -> run.getKey() == s5).hasSize(2);
    }

    @Test
    void s2WarmsUpItsMeasuredPathWithThreeRunsWorth() {
        assertThat(RunOne.measuredPathWarmup(2_000)).isEqualTo(6_000);
        assertThat(RunOne.measuredPathWarmup(500)).isEqualTo(1_500); // a smaller --n
        assertThat(RunOne.measuredPathWarmup(1_000_000)).isEqualTo(6_000);

        Scenario s2 = byId("S2");
        assertThat(s2.warmupPath()).isNotEqualTo(s2.path()); // so the measured path's warm-up runs at all
        assertThat(s2.warmup()).isEqualTo(10_000);
    }

    private static Scenario byId(String id) {
        return FULL.stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }
}
