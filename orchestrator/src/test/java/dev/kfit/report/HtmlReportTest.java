package dev.kfit.report;

import dev.kfit.scenario.ScenarioOutcome;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    private static CellResult traffic() {
        ScenarioOutcome.TrafficResult t = new ScenarioOutcome.TrafficResult("kfit-writer", 4.5, 4.4, null, null, 2100.0,
                1368, 0, List.of(new double[] {1000, 4.5}, new double[] {2000, 4.6}, new double[] {9000, 4.4}));
        ScenarioOutcome.FaultResult f = new ScenarioOutcome.FaultResult("unbind", "target", 8800.0, 24600.0, 36700.0,
                true, true, "OK", null);
        return new CellResult("k.traffic-unbind.r1", "k", "6.12.117", "debian:linux-source-6.12", List.of(), "traffic-unbind", 1,
                "BLOCKED_UNTIL_RELEASE", new CellResult.Pin(true, null), 24600.0, 54.0,
                List.of(new CellResult.SplatResult("HUNG_TASK", "INFO: task <x> blocked", 15.8, "[ 15.8] <TASK> & co", "target")),
                List.of(f), t, Map.of(), "c", Map.of(), "h", null, "2026-11-25T12:00:00Z", 58.0, 1);
    }

    @Test
    void drawsEveryRepetitionAndShadesFaultWindowsWithoutFetchingAnything() {
        String html = HtmlReport.render(Cells.results(Cells.blocked(), Cells.refused(), Cells.infra(), traffic()));
        assertThat(html).contains("<svg id=\"latency\"").contains("class=\"timeline\"");
        // One point per cell with an unbind time: blocked, refused and traffic (the infra cell has none).
        assertThat(Pattern.compile("class=\"rep\"").matcher(html).results().count()).isEqualTo(3);
        assertThat(Pattern.compile("class=\"fault\"").matcher(html).results().count()).isEqualTo(1);
        assertThat(html).contains("<polyline");
        // Console text is escaped, and the page is self-contained.
        assertThat(html).contains("&lt;TASK&gt; &amp; co").doesNotContain("<TASK>");
        assertThat(html).doesNotContain("http://").doesNotContain("https://").doesNotContain("<script src");
        assertThat(html).contains("6.1.0-kfit").contains("BLOCKED_UNTIL_RELEASE");
    }

    @Test
    void aRunWithoutMeasurementsStillRenders() {
        String html = HtmlReport.render(Cells.results(Cells.infra()));
        assertThat(html).contains("No cell measured an unbind").endsWith("</html>\n");
    }
}
