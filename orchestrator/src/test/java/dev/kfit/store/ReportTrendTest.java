package dev.kfit.store;

import dev.kfit.report.HtmlReport;
import dev.kfit.report.Results;
import dev.kfit.run.RunLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** report.html's trend section: the store's history of the run's kernels and scenarios, or one line why there is none. */
class ReportTrendTest {
    @TempDir
    Path runs;

    private String db() {
        return runs.resolve("kfit-results.db").toString();
    }

    @Test
    void aRunWithEarlierNightsInTheStoreEmbedsTheirTrend() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        try (ResultsStore store = ResultsStore.open(StoreLocation.sqliteFile(Path.of(db()), "test"))) {
            nights.forEach(store::record);
        }
        RunLayout last = nights.get(2);
        Results results = last.readResults();
        HtmlReport.Context ctx = Recording.reportContext(last, results, null, db());
        assertThat(ctx.noTrend()).isNull();
        assertThat(ctx.trend().series()).isNotEmpty().allSatisfy(s -> assertThat(s.line().scenario()).isEqualTo("unbind-latency"));

        Recording.writeReport(last, results, null, db());
        String html = Files.readString(last.dir().resolve("report.html"));
        String trend = html.substring(html.indexOf("<div id=\"trend\">"), html.indexOf("</div>", html.indexOf("<div id=\"trend\">")));
        // The trend.html charts under the page's own heading, one level down; a distribution per night.
        assertThat(trend).contains("<h3>debian:linux-source-6.12 · 6.12-series · unbind-latency</h3>", "<h4>unbind_ms (ms)</h4>",
                "<svg class=\"trend\"");
        String chart = trend.substring(trend.indexOf("<h4>unbind_ms (ms)</h4>", trend.indexOf("6.12-series · unbind-latency")));
        assertThat(chart.substring(0, chart.indexOf("</svg>")).split("<g class=\"run\">", -1)).hasSize(4);
        // Its CSS applies inside the trend only: the latency plot's classes of the same names keep their look.
        assertThat(html).contains("#trend .median{fill:#3b6fb6}").doesNotContain("}.median{");
        assertThat(html.indexOf("<h2 id=\"trend-heading\">")).isGreaterThan(html.indexOf("<h2>Latency</h2>"));
    }

    @Test
    void oneRunIsNoTrendAndNoStoreIsSaidSo() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        RunLayout first = nights.get(0);
        Results results = first.readResults();

        HtmlReport.Context none = Recording.reportContext(first, results, null, db());
        assertThat(none.trend()).isNull();
        assertThat(none.noTrend()).isEqualTo("No trend: there is no results store at jdbc:sqlite:" + Path.of(db()).toAbsolutePath().normalize() + ".");
        assertThat(Files.exists(Path.of(db()))).as("looking does not create a store").isFalse();
        assertThat(HtmlReport.render(results, none)).contains("<p class=\"no-trend\">No trend: there is no results store at ");

        try (ResultsStore store = ResultsStore.open(StoreLocation.sqliteFile(Path.of(db()), "test"))) {
            store.record(first);
        }
        HtmlReport.Context one = Recording.reportContext(first, results, null, db());
        assertThat(one.trend()).isNotNull();
        String html = HtmlReport.render(results, one);
        assertThat(html).contains("<p class=\"no-trend\">No trend yet: the results store holds only one run of these kernels and scenarios.</p>")
                .doesNotContain("<div id=\"trend\">");

        // A store that cannot be read: the page says so, the run is not lost.
        Path notADb = runs.resolve("not-a.db");
        Files.writeString(notADb, "this is not SQLite");
        HtmlReport.Context broken = Recording.reportContext(first, results, null, notADb.toString());
        assertThat(broken.trend()).isNull();
        assertThat(broken.noTrend()).startsWith("No trend: the results store jdbc:sqlite:" + notADb + " could not be read: ");

        assertThat(HtmlReport.render(results)).contains("No trend: the results store was not read for this page");
    }
}
