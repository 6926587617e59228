package dev.kfit.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TableTest {
    private final String table = Table.render(Cells.results(Cells.blocked(), Cells.refused(), Cells.infra()));
    private final List<String> lines = table.lines().toList();

    @Test
    void oneRowPerCellUnderTheHeader() {
        assertThat(lines.get(0)).startsWith("KERNEL").contains("VERDICT");
        assertThat(lines.get(1)).contains("BLOCKED_UNTIL_RELEASE");
        assertThat(lines.get(2)).contains("PIN_REFUSED");
        assertThat(lines.get(3)).contains("INFRA_ERROR");
        // Then a blank line before the error notes.
        assertThat(lines.get(4)).isEmpty();
    }

    @Test
    void columnsAreAligned() {
        int col = lines.get(0).indexOf("VERDICT");
        assertThat(lines.get(1).indexOf("BLOCKED_UNTIL_RELEASE")).isEqualTo(col);
        assertThat(lines.get(2).indexOf("PIN_REFUSED")).isEqualTo(col);
        assertThat(lines.get(3).indexOf("INFRA_ERROR")).isEqualTo(col);
    }

    @Test
    void aHostsColumnOnlyWhenGuestsRanOffThisMachine() {
        assertThat(lines.get(0)).doesNotContain("HOSTS");
        CellResult local = Cells.blocked().withHosts(java.util.Map.of("target", "localhost"));
        assertThat(Table.render(Cells.results(local))).doesNotContain("HOSTS");
        CellResult split = Cells.blocked().withHosts(new java.util.LinkedHashMap<>(java.util.Map.of("target", "runner-1")));
        List<String> rows = Table.render(Cells.results(split, Cells.refused())).lines().toList();
        assertThat(rows.get(0)).contains("REP  HOSTS");
        assertThat(rows.get(1).indexOf("runner-1")).isEqualTo(rows.get(0).indexOf("HOSTS"));
        assertThat(rows.get(2)).contains(" - ");
    }

    @Test
    void refusedPinShowsItsErrno() {
        assertThat(lines.get(2)).contains("errno 14");
        assertThat(lines.get(1)).doesNotContain("errno");
    }

    @Test
    void longUnbindInSecondsShortInMilliseconds() {
        assertThat(lines.get(1)).contains("17.05 s").contains("50 ms");
        assertThat(lines.get(2)).contains("120 ms");
    }

    @Test
    void splatsColumnNamesTheFirstSplat() {
        assertThat(lines.get(1)).endsWith("1: HUNG_TASK INFO: task tee blocked for more than N seconds");
    }

    @Test
    void theOverviewSummarisesEachScenarioOnEachKernel() {
        assertThat(table).contains("SCENARIO       KERNEL  VERDICT");
        assertThat(lines.stream().filter(l -> l.startsWith("pinned-unbind  k61")).findFirst().orElseThrow())
                .contains("BLOCKED_UNTIL_RELEASE \u00d71, PIN_REFUSED \u00d71").contains("unbind_ms 8.59 s (120.4 ms\u201317.05 s)");
    }

    @Test
    void infraErrorFirstLineIsShownBelowTheTable() {
        // Below the cells the overview (two kernels, repetitions), then the error's first line, once.
        assertThat(lines.get(lines.size() - 1))
                .isEqualTo("k66-pinned-unbind-r1: SshException: connection refused by 127.0.0.1:40022");
        assertThat(lines.stream().filter(l -> l.contains("connection refused"))).hasSize(1);
        // The stack trace stays in results.json, not on the terminal.
        assertThat(table).doesNotContain("dev.kfit.ssh.SshSession.connect");
    }
}
