package dev.kfit.report;

import dev.kfit.compare.Comparison;
import dev.kfit.verdict.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * report.html as a developer reads it, from the real results of a reproduce run on 7.2
 * (resources/results/reproduce-7.2.json: an unpatched kernel whose pin is refused with errno 14, and
 * the series, whose unbind blocks 17 s behind the pin with a hung-task report).
 */
class ReaderReportTest {
    private static Results fixture() throws Exception {
        return Results.read(Path.of(ReaderReportTest.class.getResource("/results/reproduce-7.2.json").toURI()));
    }

    private static final Map<String, String> REPRODUCE = params("hold", "20s", "unbind_delay", "3s", "hung_task_timeout", "5s",
            "grace", "30s", "pin_size", "2M", "topology", "single");

    private static Map<String, String> params(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** The fixture's cells as a run recorded now records them: with their scenario's parameters. */
    private static Results withParameters(Results r) {
        return new Results(r.run(), r.cells().stream().map(c -> c.withParameters(REPRODUCE)).toList());
    }

    private static CellResult cell(Results r, String kernel) {
        return r.cells().stream().filter(c -> c.kernel().equals(kernel)).findFirst().orElseThrow();
    }

    private static CellResult withVerdict(CellResult c, String verdict) {
        return c.toBuilder().verdict(verdict).build();
    }

    private static String section(String html, String startMarker, String end) {
        int start = html.indexOf(startMarker);
        assertThat(start).as("%s in the page", startMarker).isPositive();
        return html.substring(start, html.indexOf(end, start));
    }

    @Test
    void theHeadlineComesFirstAndCountsCellsKernelsFindingsAndKfitErrors() throws Exception {
        String html = HtmlReport.render(fixture());
        String head = section(html, "<div id=\"headline\">", "</div>");
        assertThat(head).contains("2 cells on 2 kernels, 1 finding, 0 infrastructure errors.")
                .contains("Findings: 1 BLOCKED_UNTIL_RELEASE.").contains("href=\"#legend\"").doesNotContain("Since");
        assertThat(html.indexOf("<div id=\"headline\">")).isLessThan(html.indexOf("<p>Started"))
                .isLessThan(html.indexOf("<table"));

        // Every verdict kfit has: the findings are counted, kfit's errors separately, the rest neither.
        List<CellResult> cells = new ArrayList<>();
        for (Verdict v : Verdict.values()) {
            cells.add(withVerdict(Cells.blocked(), v.name()));
        }
        Headline all = Headline.of(Cells.results(cells.toArray(CellResult[]::new)), null);
        long findings = java.util.Arrays.stream(Verdict.values()).filter(Verdict::isFinding).count();
        assertThat(all.summary()).isEqualTo(Verdict.values().length + " cells on 1 kernel, " + findings
                + " findings, 1 infrastructure error, 1 checker error.");
        assertThat(all.findingsLine()).isEqualTo("Findings: 1 BLOCKED_UNTIL_RELEASE, 1 HUNG, 1 REACHABLE_AFTER_UNBIND, 1 CRASH.");
    }

    @Test
    void againstAnOlderRunTheHeadlineSaysWhichFindingsAreNew() throws Exception {
        Results now = fixture();
        // The night before, the series' pin was refused as well: its BLOCKED_UNTIL_RELEASE is new.
        Results before = new Results(now.run(), List.of(cell(now, "7.2"), withVerdict(cell(now, "7.2-series"), "PIN_REFUSED")));
        Comparison.Against against = new Comparison.Against("runs/20261129T020000Z", Comparison.compare(before, now));
        String head = section(HtmlReport.render(now, against), "<div id=\"headline\">", "</div>");
        assertThat(head).contains("2 cells on 2 kernels, 1 finding (1 new since runs/20261129T020000Z), 0 infrastructure errors.")
                .contains("<a href=\"#comparison\">Since runs/20261129T020000Z: 1 regression, 0 other changes.</a>");

        // The same finding the night before: not new.
        Headline same = Headline.of(now, new Comparison.Against("older", Comparison.compare(now, now)));
        assertThat(same.summary()).contains("1 finding (0 new since older)");
        assertThat(same.changesLine()).isEqualTo("Since older: 0 regressions, 0 other changes.");
        // Two single-kernel runs with different labels compare by scenario: the group is the scenario alone.
        Results series = new Results(now.run(), List.of(cell(now, "7.2-series")));
        Results plain = new Results(now.run(), List.of(cell(now, "7.2")));
        assertThat(Headline.of(series, new Comparison.Against("plain", Comparison.compare(plain, series))).newFindings()).isEqualTo(1);
    }

    @Test
    void eachResultShowsItsScenarioParametersWhichResultsJsonKeeps(@TempDir Path dir) throws Exception {
        Results r = withParameters(fixture());
        r.write(dir.resolve("results.json"));
        assertThat(Files.readString(dir.resolve("results.json"))).contains("\"parameters\" : {").contains("\"unbind_delay\" : \"3s\"");
        Results back = Results.read(dir.resolve("results.json"));
        assertThat(back.cells()).allSatisfy(c -> assertThat(c.parameters()).containsExactlyEntriesOf(REPRODUCE));

        String html = HtmlReport.render(back);
        String expected = "hold 20s, unbind_delay 3s, hung_task_timeout 5s, grace 30s, pin_size 2M, topology single";
        String cellsTable = section(html, "<table id=\"cells\">", "</table>");
        assertThat(cellsTable.split(Pattern.quote("<td class=\"params\">" + expected + "</td>"), -1)).hasSize(3);

        // A run recorded before parameters were: read as none, shown as such, nothing invented.
        assertThat(fixture().cells()).allSatisfy(c -> assertThat(c.parameters()).isNull());
        assertThat(Files.readString(Path.of(ReaderReportTest.class.getResource("/results/reproduce-7.2.json").toURI())))
                .doesNotContain("parameters");
        assertThat(section(HtmlReport.render(fixture()), "<table id=\"cells\">", "</table>"))
                .contains("<td class=\"params\">-</td>").doesNotContain("hold");
    }

    @Test
    void theOverviewGivesEachScenarioItsParameters() {
        List<CellResult> cells = new ArrayList<>();
        for (int rep = 1; rep <= 2; rep++) { // two repetitions: worth an overview
            CellResult b = Cells.blocked();
            cells.add(b.toBuilder().id(b.id() + rep).repetition(rep)
                    .parameters(params("hold", "12s", "unbind_delay", "2s")).build());
        }
        String html = HtmlReport.render(Cells.results(cells.toArray(CellResult[]::new)));
        String overview = section(html, "<table id=\"overview-table\">", "</table>");
        assertThat(overview).contains("<th>scenario parameters</th>").contains("<td class=\"params\">hold 12s, unbind_delay 2s</td>");
        assertThat(html.indexOf("id=\"overview-table\"")).isLessThan(html.indexOf("<table id=\"cells\">"))
                .isGreaterThan(html.indexOf("<div id=\"headline\">"));
    }

    @Test
    void theLegendExplainsEveryVerdictAndTheErrnosThePinColumnShows() throws Exception {
        String html = HtmlReport.render(fixture());
        String legend = section(html, "<h2 id=\"legend\">", "<h2 id=\"splats-heading\">");
        for (Verdict v : Verdict.values()) {
            Matcher m = Pattern.compile("<tr><td class=\"[a-z-]+\">" + v.name() + "</td><td>([^<]*)</td><td>(\\d+)</td><td>([^<]*)</td></tr>")
                    .matcher(legend);
            assertThat(m.find()).as("%s in the legend%n%s", v, legend).isTrue();
            assertThat(m.group(1)).isEqualTo(v.isFinding() ? "finding" : v.isKfitError() ? "kfit's error, not the kernel's" : "not a finding");
            assertThat(m.group(3)).isNotBlank().isEqualTo(HtmlReport.esc(v.meaning()));
            long n = fixture().cells().stream().filter(c -> c.verdict().equals(v.name())).count();
            assertThat(Long.parseLong(m.group(2))).as("cells of %s", v).isEqualTo(n);
        }
        // This run's verdicts in the open table; the others folded.
        String open = section(legend, "<table id=\"verdict-legend\">", "</table>");
        assertThat(open).contains(">PIN_REFUSED<").contains(">BLOCKED_UNTIL_RELEASE<").doesNotContain(">CRASH<");
        assertThat(legend).contains("<li><b>errno 14</b> (EFAULT): the kernel refused to pin the P2P memory for a long-term registration");
        assertThat(legend.split("<li>", -1)).as("only the errnos seen").hasSize(2);

        CellResult other = CellResult.builder()
                .id("k.x.r1").kernel("k").kernelVersion("6.1").kernelSource("s").patches(List.of()).scenario("x")
                .repetition(1).verdict("PIN_REFUSED").pin(new CellResult.Pin(false, 95)).splats(List.of())
                .faults(List.of()).recovery(Map.of()).startedAt("t").durationS(1).attempts(1)
                .build();
        CellResult odd = CellResult.builder()
                .id("k.x.r2").kernel("k").kernelVersion("6.1").kernelSource("s").patches(List.of()).scenario("x")
                .repetition(2).verdict("PIN_REFUSED").pin(new CellResult.Pin(false, 4242)).splats(List.of())
                .faults(List.of()).recovery(Map.of()).startedAt("t").durationS(1).attempts(1)
                .build();
        String errnos = section(HtmlReport.render(Cells.results(other, odd)), "<ul id=\"errnos\">", "</ul>");
        assertThat(errnos).contains("<b>errno 95</b> (EOPNOTSUPP)").contains("<b>errno 4242</b> (errno 4242): not one kfit explains")
                .doesNotContain("errno 14");
    }

    /** Writes every file results.json names into {@code run}, as a real run directory has them. */
    private static void materialise(Results r, Path run) throws Exception {
        Set<String> paths = new HashSet<>();
        for (CellResult c : r.cells()) {
            paths.add(c.console());
            paths.add(c.history());
            paths.addAll(c.consoles().values());
        }
        r.run().kernels().forEach(k -> paths.add(k.buildLog()));
        paths.add(r.run().spec());
        for (String p : paths) {
            Files.createDirectories(run.resolve(p).getParent());
            Files.writeString(run.resolve(p), p);
        }
        r.write(run.resolve("results.json"));
    }

    @Test
    void everyLinkResolvesInTheRunDirectory(@TempDir Path run) throws Exception {
        Results r = fixture();
        materialise(r, run);
        HtmlReport.write(r, run.resolve("report.html"));
        String html = Files.readString(run.resolve("report.html"));

        List<String> hrefs = Pattern.compile("href=\"([^\"]*)\"").matcher(html).results().map(m -> m.group(1)).toList();
        Set<String> ids = Pattern.compile(" id=\"([^\"]*)\"").matcher(html).results().map(m -> m.group(1)).collect(java.util.stream.Collectors.toSet());
        List<String> files = new ArrayList<>();
        for (String h : hrefs) {
            if (h.startsWith("#")) {
                assertThat(ids).as("anchor %s", h).contains(h.substring(1));
            } else {
                assertThat(h).as("relative").doesNotContain("://").doesNotStartWith("/");
                Path target = Path.of(run.toUri().resolve(URI.create(h))); // as a browser resolves it against the page
                assertThat(target).as("%s from %s", h, run).exists();
                files.add(run.relativize(target) + (Files.isDirectory(target) ? "/" : ""));
            }
        }
        CellResult series = cell(r, "7.2-series");
        assertThat(files).contains(series.console(), series.history(), "cells/7.2-series.pinned-unbind.r1/", "builds/7.2-series.log",
                "builds/7.2.log", "results.json", "spec.yaml");
        String row = section(html, "<tr id=\"" + HtmlReport.cellAnchor(series.id()) + "\"", "</tr>");
        assertThat(row).contains("<a href=\"cells/7.2-series.pinned-unbind.r1/target/console.log\">console</a>")
                .contains("<a href=\"cells/7.2-series.pinned-unbind.r1/history.jsonl\">history (events)</a>");
        assertThat(section(html, "<table id=\"kernels\">", "</table>")).contains("<a href=\"builds/7.2-series.log\">build log</a>");
    }

    @Test
    void hrefsAreEncodedAndMultiGuestCellsLinkEachConsole() {
        assertThat(ReportLinks.href("cells/a b#1?/x%.log")).isEqualTo("cells/a%20b%231%3F/x%25.log");
        assertThat(ReportLinks.href("/abs/k.log")).isEqualTo("file:///abs/k.log");
        assertThat(ReportLinks.href("builds/6.12-series.log")).isEqualTo("builds/6.12-series.log");
        Map<String, String> consoles = new LinkedHashMap<>();
        consoles.put("target", "cells/c/target/console.log");
        consoles.put("initiator", "cells/c/initiator/console.log");
        CellResult two = CellResult.builder()
                .id("c").kernel("k").kernelVersion("v").kernelSource("s").patches(List.of()).scenario("traffic")
                .repetition(1).verdict("TRAFFIC_OK").pin(new CellResult.Pin(true, null)).splats(List.of())
                .faults(List.of()).recovery(Map.of()).console("cells/c/target/console.log").consoles(consoles)
                .history("cells/c/history.jsonl").startedAt("t").durationS(1).attempts(1)
                .build();
        assertThat(ReportLinks.cellFiles(two)).containsExactly("<a href=\"cells/c/target/console.log\">console target</a>",
                "<a href=\"cells/c/initiator/console.log\">console initiator</a>",
                "<a href=\"cells/c/history.jsonl\">history (events)</a>", "<a href=\"cells/c/\">directory</a>");
    }

    @Test
    void splatsAreOneRowPerTitleWithTheirCountAndCells() throws Exception {
        CellResult series = cell(fixture(), "7.2-series");
        CellResult.SplatResult hung = series.splats().get(0);
        CellResult.SplatResult warn = new CellResult.SplatResult("WARNING", "WARNING in nvme_remove", 20.0, "WARNING: x", "target");
        List<CellResult> cells = new ArrayList<>();
        int[] printed = {2, 1, 3};
        for (int i = 0; i < 3; i++) {
            CellResult.SplatResult s = new CellResult.SplatResult(hung.type(), hung.title(), hung.timestamp(), hung.excerpt(), "target", printed[i]);
            cells.add(CellResult.builder()
                    .id("7.2-series.pinned-unbind.r" + (i + 1)).kernel(series.kernel())
                    .kernelVersion(series.kernelVersion()).kernelSource(series.kernelSource()).patches(series.patches())
                    .scenario(series.scenario()).repetition(i + 1).verdict(series.verdict()).pin(series.pin())
                    .unbindMs(series.unbindMs()).blockedAfterReleaseMs(series.blockedAfterReleaseMs())
                    .splats(i == 1 ? List.of(s, warn) : List.of(s)).faults(List.of()).recovery(Map.of())
                    .console(series.console()).consoles(series.consoles()).history(series.history())
                    .startedAt(series.startedAt()).durationS(series.durationS()).attempts(1)
                    .build());
        }
        String html = HtmlReport.render(Cells.results(cells.toArray(CellResult[]::new)));
        String table = section(html, "<table id=\"splats\">", "</table>");
        List<String> rows = Pattern.compile("<tr class=\"splat\">(.*?)</tr>", Pattern.DOTALL).matcher(table).results().map(m -> m.group(1)).toList();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).startsWith("<td>HUNG_TASK</td>").contains("<summary>" + hung.title() + "</summary>")
                .contains("<td>6 times</td>").contains("3 cells: ")
                .contains("<a href=\"#cell-7-2-series-pinned-unbind-r1\">7.2-series.pinned-unbind.r1</a>, "
                        + "<a href=\"#cell-7-2-series-pinned-unbind-r2\">7.2-series.pinned-unbind.r2</a>, "
                        + "<a href=\"#cell-7-2-series-pinned-unbind-r3\">7.2-series.pinned-unbind.r3</a>");
        assertThat(rows.get(1)).startsWith("<td>WARNING</td>").contains("<td>1 time</td>").contains("1 cell: <a href=\"#cell-7-2-series-pinned-unbind-r2\">");
        assertThat(html.split(Pattern.quote("memunmap_pages+0x3a"), -1)).as("the excerpt once, not once per cell").hasSize(2);
        for (int i = 1; i <= 3; i++) {
            assertThat(html).contains("<tr id=\"cell-7-2-series-pinned-unbind-r" + i + "\"");
        }
        assertThat(HtmlReport.render(Cells.results(Cells.refused()))).contains("<h2 id=\"splats-heading\">Hangs and splats</h2>\n<p>None.</p>");
    }
}
