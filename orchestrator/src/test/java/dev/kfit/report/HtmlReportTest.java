package dev.kfit.report;

import dev.kfit.compare.Comparison;
import dev.kfit.scenario.ScenarioOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    private static CellResult traffic() {
        ScenarioOutcome.TrafficResult t = new ScenarioOutcome.TrafficResult("kfit-writer", 4.5, 4.4, null, null, 2100.0,
                1368, 0, List.of(new double[] {1000, 4.5}, new double[] {2000, 4.6}, new double[] {9000, 4.4}));
        ScenarioOutcome.FaultResult f = new ScenarioOutcome.FaultResult("unbind", "target", 8800.0, 24600.0, 36700.0,
                true, true, "OK", null);
        return CellResult.builder()
                .id("k.traffic-unbind.r1").kernel("k").kernelVersion("6.12.117")
                .kernelSource("debian:linux-source-6.12").patches(List.of()).scenario("traffic-unbind").repetition(1)
                .verdict("BLOCKED_UNTIL_RELEASE").pin(new CellResult.Pin(true, null)).unbindMs(24600.0)
                .blockedAfterReleaseMs(54.0)
                .splats(List.of(new CellResult.SplatResult("HUNG_TASK", "INFO: task <x> blocked", 15.8, "[ 15.8] <TASK> & co", "target")))
                .faults(List.of(f)).traffic(t).recovery(Map.of()).console("c").consoles(Map.of()).history("h")
                .startedAt("2026-11-25T12:00:00Z").durationS(58.0).attempts(1)
                .build();
    }

    /** A pinned-unbind repetition that unbound in ms. */
    private static CellResult pinned(String kernel, String scenario, int rep, double ms) {
        return CellResult.builder()
                .id(kernel + "." + scenario + ".r" + rep).kernel(kernel).kernelVersion("6.12.117")
                .kernelSource("debian:linux-source-6.12").patches(List.of("p.patch")).scenario(scenario).repetition(rep)
                .verdict("BLOCKED_UNTIL_RELEASE").pin(new CellResult.Pin(true, null)).unbindMs(ms)
                .blockedAfterReleaseMs(50.0).splats(List.of()).faults(List.of()).recovery(Map.of()).console("c")
                .consoles(Map.of()).history("h").startedAt("2026-11-25T12:00:00Z").durationS(40.0).attempts(1)
                .build();
    }

    /** A traffic repetition with faults as type, inject-to-return ms pairs; its unbindMs is the first fault's, as kfit records it. */
    private static CellResult traffic(String kernel, String scenario, int rep, Object... faults) {
        List<ScenarioOutcome.FaultResult> fs = new ArrayList<>();
        for (int i = 0; i < faults.length; i += 2) {
            fs.add(new ScenarioOutcome.FaultResult((String) faults[i], "target", 8000.0 + i, (Double) faults[i + 1], 40000.0,
                    true, true, "OK", null));
        }
        return CellResult.builder()
                .id(kernel + "." + scenario + ".r" + rep).kernel(kernel).kernelVersion("6.12.117")
                .kernelSource("debian:linux-source-6.12").patches(List.of()).scenario(scenario).repetition(rep)
                .verdict("BLOCKED_UNTIL_RELEASE").pin(new CellResult.Pin(true, null)).unbindMs(fs.get(0).injectMs())
                .blockedAfterReleaseMs(54.0).splats(List.of()).faults(fs).recovery(Map.of()).console("c")
                .consoles(Map.of()).history("h").startedAt("2026-11-25T12:00:00Z").durationS(58.0).attempts(1)
                .build();
    }

    /** The SVG row of one kernel, scenario and what was timed. */
    private static String row(String html, String kernel, String scenario, String what) {
        Matcher m = Pattern.compile("<g class=\"row\" data-kernel=\"" + Pattern.quote(kernel) + "\" data-scenario=\""
                + Pattern.quote(scenario) + "\" data-what=\"" + Pattern.quote(what) + "\">(.*?)</g>", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("row %s / %s / %s in%n%s", kernel, scenario, what, html).isTrue();
        return m.group(1);
    }

    private static List<Double> numbers(String text, String regex) {
        return Pattern.compile(regex).matcher(text).results().map(r -> Double.parseDouble(r.group(1))).toList();
    }

    private static List<Double> points(String row) {
        return numbers(row, "<circle class=\"rep\" cx=\"([\\d.]+)\"");
    }

    private static long count(String text, String s) {
        return Pattern.compile(Pattern.quote(s)).matcher(text).results().count();
    }

    @Test
    void boxSpansTheQuartilesWithTheMedianInsideOnALogAxis() {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            cells.add(pinned("k61", "pinned-unbind", i, 100.0 * i)); // 100..1000 ms: quartiles 325 and 775, median 550
        }
        String row = row(HtmlReport.render(Cells.results(cells.toArray(CellResult[]::new))), "k61", "pinned-unbind", "unbind");

        List<Double> x = points(row);
        assertThat(x).as("one point per repetition, in order on the axis").hasSize(10).isSorted();
        double x100 = x.get(0);
        double span = x.get(9) - x100; // one decade
        List<Double> box = numbers(row, "<rect class=\"box\" x=\"([\\d.]+)\"");
        List<Double> width = numbers(row, "<rect class=\"box\" x=\"[\\d.]+\" y=\"[\\d.]+\" width=\"([\\d.]+)\"");
        assertThat(box).hasSize(1);
        double q1 = box.get(0);
        double q3 = q1 + width.get(0);
        double median = numbers(row, "<line class=\"median\" x1=\"([\\d.]+)\"").get(0);
        assertThat(x100).isLessThan(q1);
        assertThat(q1).isLessThan(median);
        assertThat(median).isLessThan(q3);
        assertThat(q3).isLessThan(x.get(9));
        // Log scale: a value's place within the decade is log10(value / 100).
        org.assertj.core.data.Offset<Double> px = org.assertj.core.data.Offset.offset(0.005);
        assertThat((q1 - x100) / span).isCloseTo(Math.log10(3.25), px);
        assertThat((median - x100) / span).isCloseTo(Math.log10(5.5), px);
        assertThat((q3 - x100) / span).isCloseTo(Math.log10(7.75), px);
        // No value is beyond 1.5 IQR: the whiskers run from the box out to the smallest and largest.
        List<Double> whiskerStart = numbers(row, "<line class=\"whisker\" x1=\"([\\d.]+)\"");
        List<Double> whiskerEnd = numbers(row, "<line class=\"whisker\" x1=\"[\\d.]+\" y1=\"[\\d.]+\" x2=\"([\\d.]+)\"");
        assertThat(whiskerStart).containsExactly(x100, q3);
        assertThat(whiskerEnd.get(0)).isEqualTo(q1);
        assertThat(whiskerEnd.get(1)).isEqualTo(x.get(9));
        assertThat(row).contains("<title>k61 / pinned-unbind, unbind on 6.12.117 + p.patch: n=10 \u00b7 median 550 ms \u00b7 100 ms\u20131.00 s, quartiles 325 ms\u2013775 ms</title>")
                .contains(">n=10 \u00b7 median 550 ms \u00b7 100 ms\u20131.00 s</text>");
    }

    @Test
    void whiskersStopAtTheLastValueWithinOneAndAHalfIqr() {
        HtmlReport.Box b = HtmlReport.Box.of(List.of(100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0, 900.0, 1000.0, 20_000.0));
        assertThat(List.of(b.q1(), b.median(), b.q3())).containsExactly(350.0, 600.0, 850.0);
        assertThat(b.whiskerLo()).isEqualTo(100.0);
        assertThat(b.whiskerHi()).as("20 s is past 850 + 1.5 * 500").isEqualTo(1000.0);
        assertThat(b.max()).isEqualTo(20_000.0);

        List<CellResult> cells = new ArrayList<>();
        double[] ms = {100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 20_000};
        for (int i = 0; i < ms.length; i++) {
            cells.add(pinned("k61", "pinned-unbind", i + 1, ms[i]));
        }
        String row = row(HtmlReport.render(Cells.results(cells.toArray(CellResult[]::new))), "k61", "pinned-unbind", "unbind");
        List<Double> x = points(row);
        double end = numbers(row, "<line class=\"whisker\" x1=\"[\\d.]+\" y1=\"[\\d.]+\" x2=\"([\\d.]+)\"").get(1);
        assertThat(end).isEqualTo(x.get(9)).isLessThan(x.get(10));
        assertThat(row).contains("100 ms\u201320.00 s");
    }

    @Test
    void aSingleRepetitionIsJustItsPointAndMedian() {
        String row = row(HtmlReport.render(Cells.results(pinned("k61", "pinned-unbind", 1, 17050.0))), "k61", "pinned-unbind", "unbind");
        assertThat(points(row)).hasSize(1);
        assertThat(numbers(row, "<line class=\"median\" x1=\"([\\d.]+)\"")).isEqualTo(points(row));
        assertThat(row).doesNotContain("class=\"box\"").doesNotContain("class=\"whisker\"")
                .contains("n=1 \u00b7 median 17.05 s \u00b7 17.05 s\u201317.05 s");
    }

    @Test
    void trafficCellsHaveARowPerFaultTypeInsteadOfTheirUnbind() {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            cells.add(traffic("k", "traffic-faults", i, "unbind", 17_000.0 + 100 * i, "rdma-link-delete", 40.0 + i));
        }
        cells.add(pinned("k", "pinned-unbind", 1, 120.0));
        String html = HtmlReport.render(Cells.results(cells.toArray(CellResult[]::new)));

        assertThat(points(row(html, "k", "traffic-faults", "fault unbind"))).hasSize(3);
        assertThat(row(html, "k", "traffic-faults", "fault unbind")).contains("median 17.20 s");
        assertThat(row(html, "k", "traffic-faults", "fault rdma-link-delete")).contains("median 42 ms").contains("k.traffic-faults.r3: 43 ms");
        assertThat(points(row(html, "k", "pinned-unbind", "unbind"))).hasSize(1);
        // The traffic cells' unbindMs repeats their first fault: not drawn twice.
        assertThat(html).doesNotContain("data-scenario=\"traffic-faults\" data-what=\"unbind\"");
        assertThat(count(html, "class=\"rep\"")).isEqualTo(7);
        // A CDF per fault type of the scenario, none for the single pinned-unbind repetition.
        assertThat(html).contains("id=\"cdf-traffic-faults-unbind\"").contains("id=\"cdf-traffic-faults-rdma-link-delete\"")
                .doesNotContain("id=\"cdf-pinned-unbind\"");
    }

    @Test
    void cdfHasAStepLinePerKernelWithThreeOrMoreRepetitions() {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            cells.add(pinned("k61", "pinned-unbind", i, 100.0 * i));
            cells.add(pinned("k66", "pinned-unbind", i, 15_000.0 + 1000 * i));
        }
        cells.add(pinned("k70", "pinned-unbind", 1, 300.0)); // too few for a distribution
        cells.add(pinned("k70", "pinned-unbind", 2, 310.0));
        String html = HtmlReport.render(Cells.results(cells.toArray(CellResult[]::new)));

        Matcher svg = Pattern.compile("<svg class=\"cdf\" id=\"cdf-pinned-unbind\".*?</svg>", Pattern.DOTALL).matcher(html);
        assertThat(svg.find()).isTrue();
        String cdf = svg.group();
        List<String> paths = Pattern.compile("<path class=\"cdf-line\"[^>]*>").matcher(cdf).results().map(r -> r.group()).toList();
        assertThat(paths).hasSize(2);
        assertThat(paths.get(0)).contains("data-kernel=\"k61\"");
        assertThat(paths.get(1)).contains("data-kernel=\"k66\"");
        List<String> colours = paths.stream().map(p -> p.replaceAll(".*stroke=\"(#[0-9a-f]+)\".*", "$1")).toList();
        assertThat(colours).doesNotHaveDuplicates();
        assertThat(cdf).contains(">k61</text>").contains(">k66</text>").doesNotContain("k70");
        // Four steps up, three flat runs between them, ending at 100 %, the slower kernel to the right.
        String d = paths.get(0).replaceAll(".* d=\"([^\"]*)\".*", "$1");
        assertThat(d.split(" V", -1)).hasSize(5);
        assertThat(d.split(" H", -1)).hasSize(4);
        List<Double> ys = numbers(d, "V([\\d.]+)");
        assertThat(ys).isSortedAccordingTo((a, b) -> Double.compare(b, a)).last().isEqualTo(10.0);
        double k61Start = numbers(paths.get(0), " d=\"M([\\d.]+)").get(0);
        double k66Start = numbers(paths.get(1), " d=\"M([\\d.]+)").get(0);
        assertThat(k66Start).isGreaterThan(k61Start);
    }

    @Test
    void comparisonComesFirstWithRegressionsOnTop(@TempDir Path dir) throws Exception {
        Results r = Cells.results(Cells.blocked(), Cells.refused());
        Comparison.Against against = new Comparison.Against("runs/2026-11-24", List.of(
                new Comparison.Change("k61 / pinned-unbind", "splat gone", "WARNING in x", false),
                new Comparison.Change("k61 / pinned-unbind", "verdict", "[PIN_REFUSED] -> [BLOCKED_UNTIL_RELEASE]", true),
                new Comparison.Change("k66 / pinned-unbind", "new splat", "HUNG_TASK y", true)));
        String html = HtmlReport.render(r, against);

        int section = html.indexOf("<h2 id=\"comparison\">Compared with runs/2026-11-24</h2>");
        assertThat(section).isPositive().isLessThan(html.indexOf("<h2>Kernels</h2>"));
        assertThat(html).contains("2 regressions, 1 other change.");
        List<String> rows = Pattern.compile("<tr class=\"(regression|change)\"><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>")
                .matcher(html).results().map(m -> m.group(1) + " " + m.group(2)).toList();
        assertThat(rows).containsExactly("regression verdict", "regression new splat", "change splat gone");

        Files.createDirectories(dir);
        HtmlReport.write(r, against, dir.resolve("report.html"));
        assertThat(Files.readString(dir.resolve("report.html"))).isEqualTo(html);
    }

    @Test
    void comparisonOfRealRunsAndTheEmptyAndAbsentCases() {
        Results older = Cells.results(Cells.refused());
        Results newer = Cells.results(Cells.blocked());
        String html = HtmlReport.render(newer, new Comparison.Against("older", Comparison.compare(older, newer)));
        assertThat(html).contains("<tr class=\"regression\"><td>REGRESSION</td><td>k61 / pinned-unbind</td><td>verdict</td>"
                + "<td>[PIN_REFUSED] -&gt; [BLOCKED_UNTIL_RELEASE]</td></tr>");

        assertThat(HtmlReport.render(newer, new Comparison.Against("older", List.of())))
                .contains("Compared with older").contains("No changes.").doesNotContain("<tr class=\"regression\"");
        assertThat(HtmlReport.render(newer, (Comparison.Against) null)).isEqualTo(HtmlReport.render(newer)).doesNotContain("Compared with");
    }

    @Test
    void everyNameIsEscaped() {
        List<CellResult> cells = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            cells.add(traffic("<k&\"1>", "s<x>", i, "<f>", 100.0 * i));
        }
        String html = HtmlReport.render(Cells.results(cells.toArray(CellResult[]::new)), new Comparison.Against(
                "<script>alert(1)</script>", List.of(new Comparison.Change("<g>", "<kind>", "a<b & c", true))));
        assertThat(html).doesNotContain("<k&").doesNotContain("s<x>").doesNotContain("<f>").doesNotContain("<script>")
                .doesNotContain("<g>").doesNotContain("<kind>").doesNotContain("a<b");
        assertThat(html).contains("data-kernel=\"&lt;k&amp;&quot;1&gt;\" data-scenario=\"s&lt;x&gt;\" data-what=\"fault &lt;f&gt;\"")
                .contains("Compared with &lt;script&gt;alert(1)&lt;/script&gt;").contains("a&lt;b &amp; c")
                .contains("id=\"cdf-s-x---f-\"");
        assertThat(Arrays.asList(html.split("id=\"")).subList(1, html.split("id=\"").length))
                .allSatisfy(id -> assertThat(id.substring(0, id.indexOf('"'))).matches("[A-Za-z0-9_-]+"));
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
    void aSplatSaysHowOftenItWasPrintedAndWhetherItsLogWasCut() {
        CellResult cell = CellResult.builder()
                .id("k.s.r1").kernel("k").kernelVersion("6.12.117").kernelSource("debian:linux-source-6.12")
                .patches(List.of()).scenario("s").repetition(1).verdict("FAIL").pin(new CellResult.Pin(false, 14))
                .unbindMs(100.0)
                .splats(List.of(
                        new CellResult.SplatResult("HUNG_TASK", "INFO: task sh blocked in state D in f", 7.0, "x",
                                "target", 3, false),
                        new CellResult.SplatResult("WARNING", "WARNING in g", 9.0, "y", "target", 1, true),
                        new CellResult.SplatResult("WARNING", "WARNING in h", 9.5, "z", "target", 1, false)))
                .faults(List.of()).recovery(Map.of()).console("c").consoles(Map.of()).history("h")
                .startedAt("2026-11-25T12:00:00Z").durationS(40.0).attempts(1)
                .build();
        String html = HtmlReport.render(Cells.results(cell));
        assertThat(html).contains("in f</summary>").containsPattern("in f</summary>.*</details></td><td>3 times</td>")
                .contains("WARNING in g (log cut or interleaved: the title may name the wrong function)</summary>")
                .contains("WARNING in h</summary>");
    }

    @Test
    void aRunWithoutMeasurementsStillRenders() {
        String html = HtmlReport.render(Cells.results(Cells.infra()));
        assertThat(html).contains("No cell measured an unbind").endsWith("</html>\n");
    }
}
