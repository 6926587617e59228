package dev.kfit.spec;

import dev.kfit.scenario.traffic.RdmaTraffic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which cells a spec runs: kernels × scenarios or its {@code cells:} list, and how often each. */
class SpecCellsTest {
    @TempDir
    Path dir;

    /** Lines 1-13; the cells tests append a {@code cells:} list from line 14. */
    static final String BASE = """
            kernels:
              - label: "6.12"
                source: debian:linux-source-6.12
              - label: 7.2
                source: debian:linux-source-7.2
            scenarios:
              - name: short
                type: pinned-unbind
                hold: 5s
              - name: long
                type: pinned-unbind
                repetitions: 2
            repetitions: 3
            """;

    @Test
    void crossProductIsKernelMajorThenScenarioThenRepetition() {
        Spec s = parse(BASE);
        assertThat(ids(s)).containsExactly(
                "6.12.short.r1", "6.12.short.r2", "6.12.short.r3", "6.12.long.r1", "6.12.long.r2",
                "7.2.short.r1", "7.2.short.r2", "7.2.short.r3", "7.2.long.r1", "7.2.long.r2");
        CellSpec first = s.cells().get(0);
        assertThat(first.kernel()).isSameAs(s.kernels().get(0));
        assertThat(first.scenario()).isSameAs(s.scenarios().get(0));
        assertThat(first.repetition()).isEqualTo(1);
        assertThat(s.explicitCells()).isEmpty();
    }

    @Test
    void scenarioRepetitionsOverrideTheTopLevelOnlyForThatScenario() {
        Spec s = parse(BASE);
        assertThat(s.repetitions()).isEqualTo(3);
        assertThat(s.repetitionsOf(s.scenarios().get(0))).isEqualTo(3);
        assertThat(s.repetitionsOf(s.scenarios().get(1))).isEqualTo(2);
        // without a top-level value the default is 1
        Spec one = parse(BASE.replace("repetitions: 3\n", ""));
        assertThat(ids(one)).containsExactly("6.12.short.r1", "6.12.long.r1", "6.12.long.r2",
                "7.2.short.r1", "7.2.long.r1", "7.2.long.r2");
    }

    @Test
    void everyScenarioTypeTakesRepetitions() {
        Spec s = parse(BASE.replace("repetitions: 3\n",
                "  - name: traffic\n    type: rdma-traffic\n    repetitions: 4\nrepetitions: 3\n"));
        assertThat(s.scenarios().get(2)).isInstanceOf(RdmaTraffic.class);
        assertThat(s.repetitionsOf(s.scenarios().get(2))).isEqualTo(4);
    }

    @Test
    void explicitCellsRunAsListedWithTheirRepetitions() {
        Spec s = parse(BASE + """
                cells:
                  - {kernel: 7.2, scenario: long}
                  - kernel: "6.12"
                    scenario: short
                    repetitions: 1
                  - {kernel: 7.2, scenario: short, repetitions: 4}
                """);
        // the first defaults to its scenario's 2, not the top-level 3
        assertThat(ids(s)).containsExactly("7.2.long.r1", "7.2.long.r2", "6.12.short.r1",
                "7.2.short.r1", "7.2.short.r2", "7.2.short.r3", "7.2.short.r4");
        assertThat(s.explicitCells()).extracting(Spec.ExplicitCell::repetitions).containsExactly(2, 1, 4);
        assertThat(s.explicitCells().get(0).kernel()).isSameAs(s.kernels().get(1));
    }

    @Test
    void withRepetitionsRunsEveryScenarioAndCellThatOften() {
        Spec cross = parse(BASE);
        assertThat(ids(cross.withRepetitions(1))).containsExactly(
                "6.12.short.r1", "6.12.long.r1", "7.2.short.r1", "7.2.long.r1");
        assertThat(cross.withRepetitions(1).repetitions()).isEqualTo(1);
        assertThat(cross.cells()).hasSize(10); // the original is unchanged

        Spec listed = parse(BASE + "cells:\n  - {kernel: 7.2, scenario: long}\n"
                + "  - {kernel: \"6.12\", scenario: short, repetitions: 5}\n");
        assertThat(ids(listed.withRepetitions(2))).containsExactly(
                "7.2.long.r1", "7.2.long.r2", "6.12.short.r1", "6.12.short.r2");
        assertThatThrownBy(() -> listed.withRepetitions(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cellIdIsKernelScenarioRepetition() {
        Spec s = parse(BASE);
        assertThat(new CellSpec(s.kernels().get(0), s.scenarios().get(1), 7).id()).isEqualTo("6.12.long.r7");
        assertThatThrownBy(() -> new CellSpec(s.kernels().get(0), s.scenarios().get(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.cells().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void specRefusesCellsOutsideIt() {
        Spec s = parse(BASE);
        KernelSpec other = new KernelSpec("other", s.kernels().get(0).source(), List.of(), List.of());
        assertThatThrownBy(() -> new Spec(s.file(), s.kernels(), s.scenarios(), 1, s.guest(), s.topologies(),
                Map.of(), List.of(new Spec.ExplicitCell(other, s.scenarios().get(0), 1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- errors

    @Test
    void unknownKernel() {
        assertError(BASE + "cells:\n  - {kernel: \"6.12\", scenario: short}\n  - kernel: 6.1\n    scenario: short\n",
                16, "unknown kernel '6.1' (known: 6.12, 7.2)");
    }

    @Test
    void unknownScenario() {
        assertError(BASE + "cells:\n  - kernel: 7.2\n    scenario: shrot\n", 16,
                "unknown scenario 'shrot' (known: short, long)");
    }

    @Test
    void unknownKeyInACell() {
        assertError(BASE + "cells:\n  - kernel: 7.2\n    scenario: short\n    repetition: 2\n", 17,
                "unknown key 'repetition' in cell (allowed: kernel, scenario, repetitions)");
    }

    @Test
    void duplicateCell() {
        assertError(BASE + "cells:\n  - {kernel: 7.2, scenario: short}\n  - {kernel: 7.2, scenario: long}\n"
                + "  - kernel: \"7.2\"\n    scenario: short\n    repetitions: 2\n", 17,
                "duplicate cell (kernel '7.2', scenario 'short') (first at line 15)");
    }

    @Test
    void cellRepetitionsRange() {
        assertError(BASE + "cells:\n  - {kernel: 7.2, scenario: short, repetitions: 0}\n", 15,
                "repetitions must be between 1 and 1000, got 0");
        assertError(BASE + "cells:\n  - kernel: 7.2\n    scenario: short\n    repetitions: 1001\n", 17,
                "repetitions must be between 1 and 1000, got 1001");
    }

    @Test
    void scenarioRepetitionsRange() {
        assertError(BASE.replace("repetitions: 2", "repetitions: 0"), 12,
                "repetitions must be between 1 and 1000, got 0");
        assertError(BASE.replace("repetitions: 2", "repetitions: two"), 12,
                "repetitions must be a whole number, got 'two'");
    }

    @Test
    void emptyCells() {
        assertError(BASE + "cells: []\n", 14,
                "'cells' is empty: list at least one cell (or leave 'cells' out to run every scenario on every"
                        + " kernel)");
    }

    @Test
    void cellShape() {
        assertError(BASE + "cells:\n  - 7.2.short\n", 15, "cell must be a mapping, got a string");
        assertError(BASE + "cells:\n  - kernel: 7.2\n", 15, "cell is missing required key 'scenario'");
        assertError(BASE + "cells: {kernel: 7.2, scenario: short}\n", 14, "'cells' must be a list, got a mapping");
    }

    private static List<String> ids(Spec s) {
        return s.cells().stream().map(CellSpec::id).toList();
    }

    private Path file() {
        return dir.resolve("cells.yaml");
    }

    private Spec parse(String yaml) {
        return SpecLoader.parse(yaml, file());
    }

    /** One line, {@code FILE:LINE: problem}. */
    private void assertError(String yaml, int line, String problem) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(file() + ":" + line + ": " + problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
