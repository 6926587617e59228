package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.spec.CellSpec;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** N workers split one spec's cells among themselves, each on its own, into shards of about equal time. */
class ShardingTest {
    /** 10 long cells and 50 short ones on one kernel: 55 s and 18 s of scenario timeline each. */
    static final String LONG_AND_SHORT = """
            kernels:
              - label: k
                source: debian:linux-source-6.12
            scenarios:
              - name: long
                type: pinned-unbind
                hold: 50s
                unbind_delay: 5s
                repetitions: 10
              - name: short
                type: pinned-unbind
                hold: 5s
                repetitions: 50
            """;

    @TempDir
    Path tmp;

    private Spec spec(String yaml) throws Exception {
        Path f = tmp.resolve("spec.yaml");
        Files.writeString(f, yaml);
        return SpecLoader.load(f);
    }

    private static List<String> ids(List<Sharding.Shard> shards) {
        List<String> all = new ArrayList<>();
        shards.forEach(s -> s.cells().forEach(e -> all.add(e.cell().id())));
        return all;
    }

    @Test
    void shardsDifferByAtMostTheLongestCell() throws Exception {
        Spec s = spec(LONG_AND_SHORT);
        CellDurations d = CellDurations.model(s);
        Duration longest = s.cells().stream().map(c -> d.of(c).expected()).max(Duration::compareTo).orElseThrow();

        List<Sharding.Shard> shards = Sharding.split(s.cells(), 3, d);

        List<Duration> totals = shards.stream().map(Sharding.Shard::total).toList();
        Duration max = totals.stream().max(Duration::compareTo).orElseThrow();
        Duration min = totals.stream().min(Duration::compareTo).orElseThrow();
        assertThat(max.minus(min)).isLessThanOrEqualTo(longest);
        // the long cells are spread, not stacked on one worker
        for (Sharding.Shard sh : shards) {
            assertThat(sh.cells()).filteredOn(e -> e.cell().scenario().name().equals("long")).hasSizeBetween(3, 4);
        }
    }

    @Test
    void everyCellIsInExactlyOneShardInSpecOrder() throws Exception {
        Spec s = spec(LONG_AND_SHORT);
        List<Sharding.Shard> shards = Sharding.split(s.cells(), 4, CellDurations.model(s));

        assertThat(ids(shards)).hasSize(60).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(s.cells().stream().map(CellSpec::id).toList());
        List<String> specOrder = s.cells().stream().map(CellSpec::id).toList();
        for (Sharding.Shard sh : shards) {
            List<Integer> positions = sh.cells().stream().map(e -> specOrder.indexOf(e.cell().id())).toList();
            assertThat(positions).isSorted();
            assertThat(sh.allCells()).isEqualTo(specOrder);
        }
        assertThat(shards).extracting(sh -> sh.index().toString()).containsExactly("1/4", "2/4", "3/4", "4/4");
    }

    @Test
    void theSameSpecSplitsTheSameWayEveryTime() throws Exception {
        Spec a = spec(LONG_AND_SHORT);
        Spec b = spec(LONG_AND_SHORT); // loaded again, as another worker would
        List<Sharding.Shard> first = Sharding.split(a.cells(), 3, CellDurations.model(a));
        for (int i = 0; i < 5; i++) {
            List<Sharding.Shard> again = Sharding.split(b.cells(), 3, CellDurations.model(b));
            for (int s = 0; s < 3; s++) {
                assertThat(again.get(s).cells()).extracting(e -> e.cell().id())
                        .containsExactlyElementsOf(first.get(s).cells().stream().map(e -> e.cell().id()).toList());
            }
        }
    }

    @Test
    void moreShardsThanCellsLeavesEmptyShardsAndSaysSo() throws Exception {
        Spec s = spec(LONG_AND_SHORT.replace("repetitions: 10", "repetitions: 1").replace("repetitions: 50", "repetitions: 1"));
        List<Sharding.Shard> shards = Sharding.split(s.cells(), 4, CellDurations.model(s));

        assertThat(shards).extracting(sh -> sh.cells().size()).containsExactly(1, 1, 0, 0);
        assertThat(shards.get(0).cells().get(0).cell().id()).isEqualTo("k.long.r1"); // longest first, to shard 1
        assertThat(shards.get(3).total()).isZero();
        assertThat(Sharding.render(shards)).contains("shard 3/4: no cells (2 cells for 4 shards)")
                .contains("2 cells over 4 shards");
    }

    @Test
    void oneShardIsTheWholeSpec() throws Exception {
        Spec s = spec(LONG_AND_SHORT);
        List<Sharding.Shard> shards = Sharding.split(s.cells(), 1, CellDurations.model(s));
        assertThat(shards).hasSize(1);
        assertThat(shards.get(0).specs()).isEqualTo(s.cells());
    }

    @Test
    void theModelIsBootsPlusTheScenarioTimelinePlusAMargin() throws Exception {
        Spec s = spec(LONG_AND_SHORT + """
                  - name: traffic
                    type: rdma-traffic
                    duration: 15s
                    faults:
                      - {type: unbind, at: 5s, heal_after: 2s}
                      - {type: link-down, at: 8s}
                """);
        CellDurations d = CellDurations.model(s);
        Map<String, CellSpec> first = new java.util.HashMap<>();
        s.cells().forEach(c -> first.putIfAbsent(c.scenario().name(), c));
        // pinned-unbind, one guest: 15 boot + 5 delay + 50 hold + 10
        assertThat(d.of(first.get("long")).expected()).isEqualTo(Duration.ofSeconds(80));
        // rdma-traffic, two guests: 2 x 15 boot + 15 traffic + 2 + 5 (default) heal + 10
        assertThat(d.of(first.get("traffic")).expected()).isEqualTo(Duration.ofSeconds(62));
        assertThat(d.of(first.get("traffic")).basis()).isEqualTo("model");
    }

    @Test
    void anEarlierRunGivesMeasuredMeansPerKernelAndScenario() throws Exception {
        Spec s = spec(LONG_AND_SHORT);
        Results earlier = new Results(new Results.RunInfo("spec.yaml", "t", "h", "q", "TCG", List.of(), "i"), List.of(
                cell("k.short.r1", "k", "short", "PIN_REFUSED", 100), cell("k.short.r2", "k", "short", "PIN_REFUSED", 200),
                cell("k.short.r3", "k", "short", "INFRA_ERROR", 900)));
        CellDurations d = CellDurations.measured(s, earlier);

        CellSpec shortCell = s.cells().stream().filter(c -> c.scenario().name().equals("short")).findFirst().orElseThrow();
        CellSpec longCell = s.cells().get(0);
        assertThat(d.of(shortCell)).isEqualTo(new CellDurations.Estimate(Duration.ofSeconds(150), "measured, mean of 2"));
        assertThat(d.of(longCell).basis()).isEqualTo("model");

        // now the short cells are the long ones: 10 model cells of 80 s against 50 measured of 150 s
        List<Sharding.Shard> shards = Sharding.split(s.cells(), 2, d);
        Duration diff = shards.get(0).total().minus(shards.get(1).total()).abs();
        assertThat(diff).isLessThanOrEqualTo(Duration.ofSeconds(150));
    }

    @Test
    void shardIndexIsIOfNCountedFromOne() {
        assertThat(Sharding.Index.parse("--shard", "2/3")).isEqualTo(new Sharding.Index(2, 3));
        assertThat(Sharding.Index.parse("--shard", "1/1").toString()).isEqualTo("1/1");
        assertThatThrownBy(() -> Sharding.Index.parse("--shard", "0/3")).isInstanceOf(BadInputException.class)
                .hasMessage("--shard 0/3: I must be between 1 and 3 (shards count from 1)");
        assertThatThrownBy(() -> Sharding.Index.parse("--shard", "4/3")).isInstanceOf(BadInputException.class)
                .hasMessage("--shard 4/3: I must be between 1 and 3 (shards count from 1)");
        assertThatThrownBy(() -> Sharding.Index.parse("--shard", "x")).isInstanceOf(BadInputException.class)
                .hasMessage("--shard 'x': expected I/N, shard I of N counted from 1, e.g. 2/3");
        assertThatThrownBy(() -> Sharding.Index.parse("--shard", "1/0")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("between 1 and 1000, got 0");
    }

    static CellResult cell(String id, String kernel, String scenario, String verdict, double seconds) {
        return CellResult.builder()
                .id(id).kernel(kernel).kernelVersion("6.12.117").kernelSource("debian:linux-source-6.12")
                .patches(List.of()).scenario(scenario).repetition(1).verdict(verdict)
                .pin(new CellResult.Pin(null, null)).splats(List.of()).faults(List.of()).recovery(Map.of()).console("c")
                .consoles(Map.of()).history("h").startedAt("2026-11-25T10:00:00Z").durationS(seconds).attempts(1)
                .build();
    }
}
