package dev.kfit.store;

import dev.kfit.report.TrendReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** trend.html drawn from the store's trend of three nights: the marks a reader looks for are there. */
class TrendReportTest {
    @TempDir
    Path runs;

    @Test
    void thePageMarksVersionAndVerdictChangesAndListsSplats() throws Exception {
        Trend t;
        try (ResultsStore store = ResultsStore.open(StoreLocation.sqliteFile(runs.resolve("t.db"), "test"))) {
            Nights.write(runs).forEach(store::record);
            t = store.trend(ResultsStore.Query.all());
        }
        String html = TrendReport.render(t, "kfit trend <test>");
        assertThat(html).doesNotContain("<script", "http://", "https://").contains("<title>kfit trend &lt;test&gt;</title>");
        assertThat(html).contains("<h2>debian:linux-source-6.12 · 6.12-series · unbind-latency</h2>", "<h3>unbind_ms (ms)</h3>");
        // one distribution per night on each chart of the line
        String seriesChart = html.substring(html.indexOf("<h3>unbind_ms (ms)</h3>", html.indexOf("6.12-series · unbind-latency")));
        seriesChart = seriesChart.substring(0, seriesChart.indexOf("</svg>"));
        assertThat(seriesChart.split("<g class=\"run\">", -1)).hasSize(4);
        assertThat(seriesChart).contains("2026-11-28 02:00 (6.12.117): median 10050 ms, quartiles 10045 to 10070, range 10040 to 10090, n=3");
        // the version change on the axis, labelled with the new version
        assertThat(seriesChart).contains("class=\"version-change\"", "<text class=\"version-label\"", ">6.12.118</text>",
                "6.12-series: 6.12.117 → 6.12.118 from 2026-11-29 02:00");
        assertThat(seriesChart).contains("class=\"verdict-change\"");
        assertThat(seriesChart).as("160 ms and 10 s on one chart").contains("unbind_ms (ms, log scale)");
        // listed: verdict changes and each splat's first and last appearance
        assertThat(html).contains("<td>2026-11-28 02:00</td><td>2026-11-27 02:00</td><td>PIN_REFUSED</td><td>BLOCKED_UNTIL_RELEASE</td>",
                "<td>BLOCKED_UNTIL_RELEASE</td><td>BLOCKED_UNTIL_RELEASE 2, HUNG 1</td>");
        assertThat(html).contains("<tr class=\"present\"><td>HUNG_TASK</td><td>" + Nights.HUNG_TITLE
                + "</td><td>2026-11-28 02:00 (6.12.117)</td><td>2026-11-29 02:00 (6.12.118) (the newest run)</td><td>2</td></tr>");
        assertThat(html).contains("<tr><td>WARNING</td><td>" + Nights.WARN_TITLE
                + "</td><td>2026-11-28 02:00 (6.12.117)</td><td>2026-11-28 02:00 (6.12.117)</td><td>1</td></tr>");
        assertThat(html).contains("<td>2026-11-29 02:00</td><td>6.12-series</td><td>6.12.117</td><td>6.12.118</td>");

        String text = TrendText.render(t);
        assertThat(text).contains("verdicts PIN_REFUSED -> BLOCKED_UNTIL_RELEASE at 2026-11-28 02:00",
                "kernel version 6.12.117 -> 6.12.118 from 2026-11-29 02:00");
    }

    @Test
    void aPatchChangeIsMarkedAndEveryChartHasItsNumbersInATable() throws Exception {
        Trend t;
        try (ResultsStore store = ResultsStore.open(StoreLocation.sqliteFile(runs.resolve("t.db"), "test"))) {
            Nights.writeWithPlantedNight2(runs, "n.yaml").forEach(store::record);
            t = store.trend(new ResultsStore.Query(null, "6.12", null));
        }
        String html = TrendReport.render(t, "t");
        String chart = html.substring(html.indexOf("<h3>unbind_ms (ms)</h3>"));
        chart = chart.substring(0, chart.indexOf("</table>"));
        assertThat(chart).contains("<g class=\"version-change-mark patches-change-mark\"><title>6.12: patches +"
                + Nights.PLANTED.name() + " from 2026-11-28 02:00</title>", "class=\"version-change patches-change\"", ">patches +1</text>",
                ">6.12.118 patches -1</text>");
        assertThat(chart).contains("<table class=\"medians\" data-kernel-line=\"" + Nights.LINE
                + "\" data-kernel=\"6.12\" data-scenario=\"unbind-latency\" data-measurement=\"unbind_ms\" data-unit=\"ms\">");
        // night 3's INFRA_ERROR cell is left out: 140 and 150, median 145
        assertThat(chart.split("<tr data-run-key=", -1)).hasSize(4);
        assertThat(chart).contains("data-median=\"150.0\"><td>2026-11-27 02:00</td><td>6.12.117</td><td>0</td><td class=\"num\">3</td>"
                + "<td class=\"num\">150</td><td class=\"num\">145 to 155</td><td class=\"num\">140 to 160</td></tr>");
        assertThat(chart).contains("data-median=\"145.0\"><td>2026-11-29 02:00</td>");
        assertThat(html).contains("<td>2026-11-28 02:00</td><td>6.12</td><td>6.12.117</td><td>6.12.117</td><td>patches +" + Nights.PLANTED.name() + "</td>");
        assertThat(TrendText.render(t)).contains("  kernel patches +" + Nights.PLANTED.name() + " from 2026-11-28 02:00",
                "  kernel version 6.12.117 -> 6.12.118; patches -" + Nights.PLANTED.name() + " from 2026-11-29 02:00");
    }

    @Test
    void anEmptyStoreSaysSo() {
        assertThat(TrendReport.render(new Trend(java.util.List.of(), java.util.List.of(), java.util.List.of(), java.util.List.of()), "t"))
                .contains("holds no runs that match");
    }
}
