package dev.kfit.report;

import dev.kfit.compare.Comparison;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.store.Trend;
import dev.kfit.verdict.Verdict;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.html: one self-contained page (inline CSS and SVG drawn here, nothing fetched) that opens
 * with a headline (cells, findings, what is new, kfit's errors), then the overview (or, for a run
 * too small for one, the cell table), when given the comparison with an older run (regressions
 * first), a legend of the verdicts and errnos, the splats grouped by title, the kernels with their
 * build logs, latency box plots per kernel and scenario (and fault type) with each repetition as a
 * point and CDFs per scenario, the results store's trend of these kernels and scenarios, the cells
 * with their scenario parameters and links to their consoles and histories, a throughput timeline per
 * traffic cell with the fault windows shaded, and where the time went. Links are relative to the run
 * directory, so the page works where it is written. A pure function of results.json and its {@link Context}.
 */
public final class HtmlReport {
    private static final int W = 760;
    /** Distinct CDF line colours, the first the points' blue; past the eighth kernel they repeat dashed. */
    private static final String[] COLOURS = {"#3b6fb6", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#666666"};

    private HtmlReport() {
    }

    /**
     * What the page shows besides results.json.
     *
     * @param against this run compared with an older one; null for no comparison
     * @param trend   the results store's history of this run's kernels and scenarios; null when not looked up
     * @param noTrend why there is no trend, shown in its place when {@code trend} is null; null: nobody looked
     */
    public record Context(Comparison.Against against, Trend trend, String noTrend) {
        public static final Context NONE = new Context(null, null, null);
    }

    public static String render(Results r) {
        return render(r, Context.NONE);
    }

    /** @param against this run compared with an older one; null for no comparison */
    public static String render(Results r, Comparison.Against against) {
        return render(r, new Context(against, null, null));
    }

    public static String render(Results r, Context ctx) {
        Comparison.Against against = ctx.against();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kfit run ")
                .append(esc(r.run().startedAt())).append("</title>\n<style>")
                .append("body{font:14px sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}")
                .append(".finding{background:#fbd5d5}.kfit-error{background:#fff1c2}")
                .append(".kernel-ok{background:#d9f2d9}tr.regression{background:#fbd5d5}tr.regression td:first-child{color:#a00;font-weight:bold}")
                .append("#headline{font-size:17px;line-height:1.5}#headline .count{font-weight:bold}.params,.files{font-size:12px}")
                .append(TrendReport.style("#trend "))
                .append("pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px}")
                .append("svg{background:#fff;border:1px solid #ddd}</style></head><body>\n");
        h.append("<h1>kfit run</h1>\n");
        headline(h, Headline.of(r, against));
        h.append("<p>Started ").append(esc(r.run().startedAt())).append(" on ").append(esc(r.run().host()))
                .append(", ").append(esc(r.run().qemu())).append(", accelerator ").append(esc(r.run().accel()))
                .append(", guest image ").append(esc(r.run().guestImage())).append(".")
                .append(r.run().concurrency() == null ? "" : " Cells ran " + esc(r.run().concurrency()) + ".").append("</p>\n");
        files(h, r);
        boolean overview = Overview.worthShowing(r);
        if (overview) {
            overview(h, r);
        } else {
            verdicts(h, r); // a run too small for an overview: its cells are the overview
        }
        comparison(h, against);
        legend(h, r);
        splats(h, r);
        kernels(h, r);
        latency(h, r); // distributions before the 60-row cell table: that is what a nightly reader compares
        trend(h, ctx);
        if (overview) {
            verdicts(h, r);
        }
        timelines(h, r);
        timeSpent(h, r);
        return h.append("</body></html>\n").toString();
    }

    /** The first thing on the page: counts, the findings by verdict, the comparison's news. */
    private static void headline(StringBuilder h, Headline head) {
        h.append("<div id=\"headline\"><p class=\"summary\">").append(esc(head.summary())).append("</p>\n");
        if (head.findingsLine() != null) {
            h.append("<p class=\"findings\">").append(esc(head.findingsLine()))
                    .append(" <a href=\"#legend\">What the verdicts mean</a>.</p>\n");
        }
        if (head.changesLine() != null) {
            h.append("<p class=\"changes\"><a href=\"#comparison\">").append(esc(head.changesLine())).append("</a></p>\n");
        }
        h.append("</div>\n");
    }

    /** The run's own files: what the page was made from. */
    private static void files(StringBuilder h, Results r) {
        h.append("<p class=\"files\">Files: <a href=\"results.json\">results.json</a>");
        if (r.run().spec() != null) {
            h.append(", <a href=\"").append(esc(ReportLinks.href(r.run().spec()))).append("\">").append(esc(r.run().spec())).append("</a>");
        }
        h.append(".</p>\n");
    }

    /** Every verdict, one sentence each, those seen here first; then the errnos the PIN column shows. */
    private static void legend(StringBuilder h, Results r) {
        Map<String, Long> seen = new LinkedHashMap<>();
        r.cells().forEach(c -> seen.merge(c.verdict(), 1L, Long::sum));
        h.append("<h2 id=\"legend\">What the verdicts mean</h2>\n");
        // The verdicts of this run first; the rest folded, there for whoever meets them in another run.
        List<Verdict> here = Arrays.stream(Verdict.values()).filter(v -> seen.containsKey(v.name())).toList();
        List<Verdict> others = Arrays.stream(Verdict.values()).filter(v -> !seen.containsKey(v.name())).toList();
        if (here.isEmpty()) {
            legendTable(h, "verdict-legend", others, seen);
        } else {
            legendTable(h, "verdict-legend", here, seen);
        }
        if (!here.isEmpty() && !others.isEmpty()) {
            h.append("<details><summary>The other verdicts</summary>\n");
            legendTable(h, "verdict-legend-others", others, seen);
            h.append("</details>\n");
        }
        List<Integer> errnos = r.cells().stream().filter(c -> c.pin() != null && c.pin().errno() != null)
                .map(c -> c.pin().errno()).distinct().sorted().toList();
        h.append("<p id=\"pin-legend\">PIN: <b>ok</b>, the P2P memory was registered (pinned); <b>errno N</b>, the registration "
                + "failed with that error; <b>-</b>, the scenario registers nothing or it was not observed.</p>\n");
        if (!errnos.isEmpty()) {
            h.append("<ul id=\"errnos\">\n");
            for (int n : errnos) {
                Legend.Errno e = Legend.errno(n);
                h.append("<li><b>errno ").append(n).append("</b> (").append(esc(e.name())).append("): ").append(esc(e.meaning()))
                        .append(".</li>\n");
            }
            h.append("</ul>\n");
        }
    }

    private static void legendTable(StringBuilder h, String id, List<Verdict> verdicts, Map<String, Long> seen) {
        h.append("<table id=\"").append(id).append("\"><tr><th>verdict</th><th>kind</th><th>cells here</th><th>meaning</th></tr>\n");
        for (Verdict v : verdicts) {
            h.append("<tr><td class=\"").append(verdictClass(v.name())).append("\">").append(v.name()).append("</td><td>")
                    .append(esc(v.isFinding() ? "finding" : v.isKfitError() ? "kfit's error, not the kernel's" : "not a finding"))
                    .append("</td><td>").append(seen.getOrDefault(v.name(), 0L)).append("</td><td>").append(esc(v.meaning()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /**
     * The store's history of this run's kernels and scenarios (the trend.html charts), when it holds
     * more than this run; else one line saying why there is none.
     */
    private static void trend(StringBuilder h, Context ctx) {
        h.append("<h2 id=\"trend-heading\">Trend</h2>\n");
        Trend t = ctx.trend();
        if (t == null) {
            h.append("<p class=\"no-trend\">").append(esc(ctx.noTrend() == null
                    ? "No trend: the results store was not read for this page (kfit report RUN rebuilds it with one)."
                    : ctx.noTrend())).append("</p>\n");
            return;
        }
        long runs = t.series().stream().flatMap(s -> s.points().stream()).map(p -> p.run().runKey()).distinct().count();
        if (runs < 2) {
            h.append("<p class=\"no-trend\">No trend yet: the results store holds ").append(runs == 0 ? "no run" : "only one run")
                    .append(" of these kernels and scenarios.</p>\n");
            return;
        }
        h.append("<div id=\"trend\">\n");
        TrendReport.lines(h, t, 3);
        h.append("</div>\n");
    }

    /** Scenario x kernel: verdicts, latency over the repetitions, what the holder and a peer saw. */
    private static void overview(StringBuilder h, Results r) {
        if (!Overview.worthShowing(r)) {
            return;
        }
        h.append("<h2 id=\"overview\">Overview</h2>\n<table id=\"overview-table\"><tr><th>scenario</th><th>kernel</th>")
                .append("<th>verdict</th><th>latency: median (range)</th><th>what the holder saw</th><th>what a peer saw</th>")
                .append("<th>scenario parameters</th></tr>\n");
        Map<String, String> params = new LinkedHashMap<>();
        r.cells().forEach(c -> params.putIfAbsent(c.scenario(), parameters(c)));
        for (Overview.Row x : Overview.rows(r)) {
            String cls = x.finding() ? "finding" : x.kfitError() ? "kfit-error" : "kernel-ok";
            String holder = x.reason() != null ? x.reason() + (x.holder() == null ? "" : "; " + x.holder()) : x.holder();
            h.append("<tr><td>").append(esc(x.scenario())).append("</td><td>").append(esc(x.kernel()))
                    .append("</td><td class=\"").append(cls).append("\">").append(esc(x.verdicts())).append("</td><td>")
                    .append(x.latencyName() == null ? "-" : esc(x.latencyName() + " " + Overview.latency(x) + ", n=" + x.cells()))
                    .append("</td><td>").append(esc(holder == null ? "-" : holder)).append("</td><td>")
                    .append(esc(x.peer() == null ? "-" : x.peer())).append("</td><td class=\"params\">")
                    .append(esc(params.getOrDefault(x.scenario(), "-"))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** What changed since the older run, regressions first: the first thing a nightly reader looks for. */
    private static void comparison(StringBuilder h, Comparison.Against a) {
        if (a == null) {
            return;
        }
        h.append("<h2 id=\"comparison\">Compared with ").append(esc(a.olderRun())).append("</h2>\n");
        if (a.changes().isEmpty()) {
            h.append("<p class=\"no-changes\">No changes.</p>\n");
            return;
        }
        List<Comparison.Change> changes = a.changes(); // regressions first, as Against keeps them
        long regressions = changes.stream().filter(Comparison.Change::regression).count();
        h.append(String.format(Locale.ROOT, "<p>%d regression%s, %d other change%s.</p>%n", regressions, regressions == 1 ? "" : "s",
                changes.size() - regressions, changes.size() - regressions == 1 ? "" : "s"));
        h.append("<table id=\"changes\"><tr><th></th><th>group</th><th>what</th><th>detail</th></tr>\n");
        for (Comparison.Change c : changes) {
            h.append("<tr class=\"").append(c.regression() ? "regression" : "change").append("\"><td>")
                    .append(c.regression() ? "REGRESSION" : "change").append("</td><td>").append(esc(c.group())).append("</td><td>")
                    .append(esc(c.kind())).append("</td><td>").append(esc(c.detail())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void kernels(StringBuilder h, Results r) {
        h.append("<h2>Kernels</h2>\n<table id=\"kernels\"><tr><th>label</th><th>version</th><th>source</th><th>patches</th><th>compiler</th><th>build</th>"
                + "<th>build log</th></tr>\n");
        for (Results.KernelInfo k : r.run().kernels()) {
            h.append("<tr><td>").append(esc(k.label())).append("</td><td>").append(esc(k.kernelVersion())).append("</td><td>")
                    .append(esc(k.source())).append("</td><td>").append(esc(String.join(", ", k.patches()))).append("</td><td>")
                    .append(esc(k.compiler())).append("</td><td>").append(k.cached() ? "cached" : String.format(Locale.ROOT, "%.0f s", k.buildSeconds()))
                    .append("</td><td>").append(k.buildLog() == null ? "-" : ReportLinks.a(k.buildLog(), "build log")).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /**
     * Where the time went: the run's phases (results.json {@code run.phases}) and the cells' boot,
     * scenario and collection summed, with the cells a crash ended early. Nothing for runs recorded
     * before phases were.
     */
    private static void timeSpent(StringBuilder h, Results r) {
        List<String> items = new ArrayList<>();
        if (r.run().phases() != null) {
            items.addAll(r.run().phases().describe());
        }
        double boot = 0;
        double scenario = 0;
        double collect = 0;
        int timed = 0;
        for (CellResult c : r.cells()) {
            if (c.phases() != null) {
                timed++;
                boot += c.phases().bootS() == null ? 0 : c.phases().bootS();
                scenario += c.phases().scenarioS() == null ? 0 : c.phases().scenarioS();
                collect += c.phases().collectS() == null ? 0 : c.phases().collectS();
            }
        }
        if (timed > 0) {
            items.add(String.format(Locale.ROOT, "in the %d cell%s: boot %.1f s, scenario %.1f s, collecting %.1f s",
                    timed, timed == 1 ? "" : "s", boot, scenario, collect));
        }
        for (CellResult c : r.cells()) {
            CellResult.EarlyEnd e = c.earlyEnd();
            if (e != null) {
                items.add(c.id() + ": " + ("crash".equals(e.reason())
                        ? String.format(Locale.ROOT, "%s on %s ended the %s; verdict %.1f s after it", e.type(), e.guest(), e.phase(),
                                e.oopsToVerdictS() == null ? Double.NaN : e.oopsToVerdictS())
                        : String.format(Locale.ROOT, "%s printed nothing for %.0f s while booting (no-output limit)", e.guest(),
                                e.quietS() == null ? Double.NaN : e.quietS())));
            }
        }
        if (items.isEmpty()) {
            return;
        }
        h.append("<h2>Where the time went</h2>\n<ul id=\"time\">\n");
        items.forEach(i -> h.append("<li>").append(esc(i)).append("</li>\n"));
        h.append("</ul>\n");
    }

    private static void verdicts(StringBuilder h, Results r) {
        h.append("<h2>Cells</h2>\n<table id=\"cells\"><tr><th>cell</th><th>verdict</th><th>pin</th><th>unbind / first fault</th><th>after release</th>"
                + "<th>other measurements</th><th>splats</th><th>scenario parameters</th><th>files</th></tr>\n");
        for (CellResult c : r.cells()) {
            String pin = ReportFiles.pin(c.pin());
            h.append("<tr id=\"").append(cellAnchor(c.id())).append("\" class=\"").append(esc(c.verdict())).append(' ').append(verdictClass(c.verdict()))
                    .append("\"><td>").append(esc(c.id())).append(placement(c)).append("</td><td>")
                    .append(esc(c.verdict())).append("</td><td>").append(esc(pin)).append("</td><td>").append(ReportFiles.ms(c.unbindMs()))
                    .append("</td><td>").append(ReportFiles.ms(c.blockedAfterReleaseMs())).append("</td><td>").append(esc(ReportFiles.otherMeasurements(c)))
                    .append("</td><td>").append(c.splats().size())
                    .append("</td><td class=\"params\">").append(esc(parameters(c))).append("</td><td class=\"files\">")
                    .append(String.join(" ", ReportLinks.cellFiles(c))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** The cell's scenario parameters as {@code hold 20s, unbind_delay 3s}; "-" for a run recorded before they were. */
    static String parameters(CellResult c) {
        if (c.parameters() == null || c.parameters().isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        c.parameters().forEach((k, v) -> parts.add(k + " " + v));
        return String.join(", ", parts);
    }

    /** The id of a cell's row in the cell table, which splats link to. */
    static String cellAnchor(String cellId) {
        return "cell-" + slug(cellId);
    }

    /** Where the cell's guests ran, when not all on this machine: {@code target@runner-1, initiator@runner-2}. */
    static String placement(CellResult c) {
        if (c.hosts() == null || c.hosts().values().stream().allMatch(h -> h.equals("localhost"))) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        c.hosts().forEach((g, h) -> parts.add(g + "@" + h));
        return "<br><small class=\"hosts\">" + esc(String.join(", ", parts)) + "</small>";
    }

    /** The colour class of a verdict's row, from {@link Verdict}: a finding, kfit's own error, or the kernel behaving. */
    static String verdictClass(String verdict) {
        return Verdict.isFinding(verdict) ? "finding" : Verdict.isKfitError(verdict) ? "kfit-error"
                : Verdict.of(verdict) != null ? "kernel-ok" : "unknown-verdict";
    }

    /**
     * The latency distributions, one row per kernel, scenario and what was timed there: a Tukey box
     * plot over every repetition as a point, on a log scale (0.1 s and 17 s share it); then a CDF
     * per scenario with a line per kernel.
     */
    private static void latency(StringBuilder h, Results r) {
        List<Group> groups = groups(r);
        h.append("<h2>Latency</h2>\n");
        if (groups.isEmpty()) {
            h.append("<p>No cell measured an unbind or a fault.</p>\n");
            return;
        }
        h.append("<p>The unbind of pinned-unbind cells, and each fault of traffic cells from injection to return. "
                + "Box: first to third quartile; bar: median; whiskers: the furthest repetitions within 1.5 IQR of the box "
                + "(Tukey); dots: every repetition. Log scale.</p>\n");
        int rowH = 36;
        int left = 230;
        int height = 40 + rowH * groups.size();
        LogAxis axis = LogAxis.over(groups.stream().flatMap(g -> g.reps().stream()).map(Rep::ms).toList(), left, W - 200);
        h.append(String.format(Locale.ROOT, "<svg id=\"latency\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n", W, height, W, height));
        axis.ticks(h, 10, height - 25);
        int i = 0;
        for (Group g : groups) {
            double y = 27 + rowH * i++;
            Box b = Box.of(g.reps().stream().map(Rep::ms).toList());
            String stats = String.format(Locale.ROOT, "n=%d \u00b7 median %s \u00b7 %s\u2013%s", b.n(), ReportFiles.ms(b.median()),
                    ReportFiles.ms(b.min()), ReportFiles.ms(b.max()));
            h.append("<g class=\"row\" data-kernel=\"").append(esc(g.kernel())).append("\" data-scenario=\"").append(esc(g.scenario()))
                    .append("\" data-what=\"").append(esc(g.what())).append("\"><title>").append(esc(g.kernel() + " / " + g.scenario()
                            + ", " + g.what() + (g.build().isEmpty() ? "" : " on " + g.build()) + ": " + stats
                            + (b.n() > 1 ? ", quartiles " + ReportFiles.ms(b.q1()) + "\u2013" + ReportFiles.ms(b.q3()) : "")))
                    .append("</title>\n");
            h.append(String.format(Locale.ROOT, "<text x=\"5\" y=\"%.1f\" font-size=\"12\">%s</text>"
                    + "<text x=\"5\" y=\"%.1f\" font-size=\"11\" fill=\"#666\">%s</text>%n",
                    y - 2, esc(g.kernel() + " / " + g.scenario()), y + 11, esc(g.what())));
            if (b.n() > 1) { // a single repetition has no spread to draw
                double q1 = axis.x(b.q1());
                double q3 = axis.x(b.q3());
                h.append(String.format(Locale.ROOT, "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>"
                                + "<line class=\"whisker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>"
                                + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>"
                                + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>%n",
                        axis.x(b.whiskerLo()), y, q1, y, q3, y, axis.x(b.whiskerHi()), y,
                        axis.x(b.whiskerLo()), y - 5, axis.x(b.whiskerLo()), y + 5, axis.x(b.whiskerHi()), y - 5, axis.x(b.whiskerHi()), y + 5));
                h.append(String.format(Locale.ROOT, "<rect class=\"box\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"20\" "
                        + "fill=\"#dce6f5\" stroke=\"#3b6fb6\"/>%n", q1, y - 10, q3 - q1));
            }
            double mx = axis.x(b.median());
            h.append(String.format(Locale.ROOT, "<line class=\"median\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" stroke-width=\"2\"/>%n",
                    mx, y - 11, mx, y + 11));
            for (Rep rep : g.reps()) {
                h.append(String.format(Locale.ROOT, "<circle class=\"rep\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#3b6fb6\" fill-opacity=\"0.6\"><title>%s: %s</title></circle>%n",
                        axis.x(rep.ms()), y, esc(rep.cell()), ReportFiles.ms(rep.ms())));
            }
            h.append(String.format(Locale.ROOT, "<text class=\"stats\" x=\"%d\" y=\"%.1f\" font-size=\"10\" fill=\"#444\">%s</text>%n</g>%n",
                    W - 192, y + 4, esc(stats)));
        }
        h.append("</svg>\n");
        cdfs(h, groups);
    }

    /** Per scenario (and fault type), each kernel's empirical CDF: a step per repetition, for kernels with 3 or more. */
    private static void cdfs(StringBuilder h, List<Group> groups) {
        Map<List<String>, List<Group>> plots = new LinkedHashMap<>();
        for (Group g : groups) {
            if (g.reps().size() >= 3) {
                plots.computeIfAbsent(Arrays.asList(g.scenario(), g.fault()), k -> new ArrayList<>()).add(g);
            }
        }
        for (List<Group> lines : plots.values()) {
            Group first = lines.get(0);
            String id = "cdf-" + slug(first.scenario()) + (first.fault() == null ? "" : "-" + slug(first.fault()));
            h.append("<h3>Cumulative distribution: ").append(esc(first.scenario())).append(", ").append(esc(first.what())).append("</h3>\n");
            int height = Math.max(200, 50 + 18 * lines.size());
            double top = 10;
            double bottom = height - 30;
            LogAxis axis = LogAxis.over(lines.stream().flatMap(g -> g.reps().stream()).map(Rep::ms).toList(), 50, W - 190);
            h.append(String.format(Locale.ROOT, "<svg class=\"cdf\" id=\"%s\" data-scenario=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n",
                    id, esc(first.scenario()), W, height, W, height));
            axis.ticks(h, top, bottom);
            for (int p = 0; p <= 100; p += 50) {
                double y = bottom - p / 100.0 * (bottom - top);
                h.append(String.format(Locale.ROOT, "<line x1=\"50\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                        + "<text x=\"45\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%d %%</text>%n", y, W - 190, y, y + 4, p));
            }
            for (int k = 0; k < lines.size(); k++) {
                Group g = lines.get(k);
                List<Double> v = g.reps().stream().map(Rep::ms).sorted().toList();
                int n = v.size();
                // Steps: up by 1/n at every repetition, flat until the next one.
                StringBuilder d = new StringBuilder(String.format(Locale.ROOT, "M%.1f %.1f", axis.x(v.get(0)), bottom));
                for (int j = 0; j < n; j++) {
                    d.append(String.format(Locale.ROOT, " V%.1f", bottom - (j + 1.0) / n * (bottom - top)));
                    if (j + 1 < n) {
                        d.append(String.format(Locale.ROOT, " H%.1f", axis.x(v.get(j + 1))));
                    }
                }
                String colour = COLOURS[k % COLOURS.length];
                String dash = k >= COLOURS.length ? " stroke-dasharray=\"6 3\"" : "";
                String title = esc(g.kernel() + (g.build().isEmpty() ? "" : " (" + g.build() + ")") + ": n=" + n + ", median "
                        + ReportFiles.ms(Box.of(v).median()));
                h.append(String.format(Locale.ROOT, "<path class=\"cdf-line\" data-kernel=\"%s\" d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s><title>%s</title></path>%n",
                        esc(g.kernel()), d, colour, dash, title));
                double ly = 20 + 18 * k;
                h.append(String.format(Locale.ROOT, "<g class=\"legend\"><title>%s</title><line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"%s/>"
                        + "<text x=\"%d\" y=\"%.1f\" font-size=\"12\">%s</text></g>%n",
                        title, W - 175, ly, W - 150, ly, colour, dash, W - 144, ly + 4, esc(g.kernel())));
            }
            h.append("</svg>\n");
        }
    }

    /** A repetition's time and the cell it came from (shown on hover). */
    private record Rep(String cell, double ms) {
    }

    /**
     * One row of the distributions: a kernel and scenario, and what was timed there.
     *
     * @param fault the fault type, null for the unbind of a pinned-unbind cell
     * @param build the kernel's version and patches, for the tooltip
     */
    private record Group(String kernel, String scenario, String fault, String build, List<Rep> reps) {
        String what() {
            return fault == null ? "unbind" : "fault " + fault;
        }
    }

    private static List<Group> groups(Results r) {
        Map<List<String>, Group> m = new LinkedHashMap<>();
        for (CellResult c : r.cells()) {
            List<ScenarioOutcome.FaultResult> faults = c.faults() == null ? List.of() : c.faults();
            // A traffic cell's unbindMs is its first fault's time again: its faults have rows of their own.
            if (faults.isEmpty()) {
                add(m, c, null, c.unbindMs());
            }
            for (ScenarioOutcome.FaultResult f : faults) {
                add(m, c, f.type(), f.injectMs());
            }
        }
        return List.copyOf(m.values());
    }

    private static void add(Map<List<String>, Group> m, CellResult c, String fault, Double ms) {
        if (ms == null || !(ms > 0)) {
            return; // not measured (still blocked at the end), or nothing a log scale can show
        }
        String build = (c.kernelVersion() == null ? "" : c.kernelVersion())
                + (c.patches() == null || c.patches().isEmpty() ? "" : " + " + String.join(", ", c.patches()));
        m.computeIfAbsent(Arrays.asList(c.kernel(), c.scenario(), fault),
                k -> new Group(c.kernel(), c.scenario(), fault, build.strip(), new ArrayList<>())).reps().add(new Rep(c.id(), ms));
    }

    /** An id fragment: scenario and fault names are plain words in practice, but the attribute must stay valid. */
    private static String slug(String s) {
        return s == null ? "" : s.replaceAll("[^A-Za-z0-9_-]", "-");
    }

    /**
     * Tukey's box of a sample: quartiles interpolated linearly between order statistics (R's default,
     * numpy's too), whiskers out to the furthest values within 1.5 IQR of the box.
     */
    record Box(int n, double min, double q1, double median, double q3, double max, double whiskerLo, double whiskerHi) {
        static Box of(List<Double> values) {
            List<Double> v = new ArrayList<>(values);
            v.sort(Double::compare);
            double q1 = quantile(v, 0.25);
            double q3 = quantile(v, 0.75);
            double iqr = q3 - q1;
            double lo = v.stream().filter(x -> x >= q1 - 1.5 * iqr).findFirst().orElse(q1);
            double hi = v.stream().filter(x -> x <= q3 + 1.5 * iqr).reduce((a, b) -> b).orElse(q3);
            return new Box(v.size(), v.get(0), q1, quantile(v, 0.5), q3, v.get(v.size() - 1), Math.min(lo, q1), Math.max(hi, q3));
        }

        static double quantile(List<Double> sorted, double p) {
            double pos = p * (sorted.size() - 1);
            int i = (int) Math.floor(pos);
            int j = Math.min(i + 1, sorted.size() - 1);
            return sorted.get(i) + (pos - i) * (sorted.get(j) - sorted.get(i));
        }
    }

    /** A log10 axis in milliseconds onto pixels x0..x1, padded by a fifth of a decade each side. */
    private record LogAxis(double lo, double hi, double x0, double x1) {
        static LogAxis over(List<Double> ms, double x0, double x1) {
            double min = ms.stream().min(Double::compare).orElse(1.0);
            double max = ms.stream().max(Double::compare).orElse(10.0);
            return new LogAxis(Math.log10(min) - 0.2, Math.log10(max) + 0.2, x0, x1);
        }

        double x(double ms) {
            return x0 + (Math.log10(ms) - lo) / (hi - lo) * (x1 - x0);
        }

        /** Grid lines at 1, 2 and 5 of every decade; the 2s and 5s labelled only when the range is narrow enough for them. */
        void ticks(StringBuilder h, double top, double bottom) {
            for (int d = (int) Math.floor(lo); d <= Math.ceil(hi); d++) {
                for (int m : new int[] {1, 2, 5}) {
                    BigDecimal v = BigDecimal.valueOf(m).scaleByPowerOfTen(d);
                    double l = Math.log10(v.doubleValue());
                    if (l < lo || l > hi) {
                        continue;
                    }
                    double x = x(v.doubleValue());
                    h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                            x, top, x, bottom, m == 1 ? "#e4e4e4" : "#f3f3f3"));
                    if (m == 1 || hi - lo < 2.5) {
                        String label = d >= 3 ? v.scaleByPowerOfTen(-3).stripTrailingZeros().toPlainString() + " s"
                                : v.stripTrailingZeros().toPlainString() + " ms";
                        h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                                x, bottom + 15, label));
                    }
                    h.append('\n');
                }
            }
        }
    }

    /** Throughput over time per traffic cell, fault windows shaded from injection to heal (or return). */
    private static void timelines(StringBuilder h, Results r) {
        List<CellResult> traffic = r.cells().stream().filter(c -> c.traffic() != null && c.traffic().series() != null
                && !c.traffic().series().isEmpty()).toList();
        if (traffic.isEmpty()) {
            return;
        }
        h.append("<h2>Traffic timelines</h2>\n");
        int height = 180;
        for (CellResult c : traffic) {
            List<double[]> s = c.traffic().series();
            double tMax = s.stream().mapToDouble(p -> p[0]).max().orElse(1);
            for (ScenarioOutcome.FaultResult f : c.faults()) {
                tMax = Math.max(tMax, end(f));
            }
            tMax = Math.max(tMax, 1) * 1.05;
            double yMax = Math.max(s.stream().mapToDouble(p -> p[1]).max().orElse(1), 0.001) * 1.15;
            h.append("<h3>").append(esc(c.id())).append(" &mdash; ").append(esc(c.verdict())).append("</h3>\n");
            h.append(String.format(Locale.ROOT, "<svg class=\"timeline\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n", W, height, W, height));
            for (ScenarioOutcome.FaultResult f : c.faults()) {
                if (f.injectAtMs() == null) {
                    continue;
                }
                double x0 = 50 + f.injectAtMs() / tMax * (W - 70);
                double x1 = 50 + end(f) / tMax * (W - 70);
                h.append(String.format(Locale.ROOT, "<rect class=\"fault\" x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"%d\" fill=\"#f5b041\" fill-opacity=\"0.35\"><title>%s on %s</title></rect>"
                        + "<text x=\"%.1f\" y=\"22\" font-size=\"11\">%s</text>%n",
                        x0, Math.max(2, x1 - x0), height - 40, esc(f.type()), esc(f.guest()), x0 + 3, esc(f.type())));
            }
            StringBuilder pts = new StringBuilder();
            for (double[] p : s) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", 50 + p[0] / tMax * (W - 70), height - 30 - p[1] / yMax * (height - 45)));
            }
            h.append("<polyline fill=\"none\" stroke=\"#3b6fb6\" stroke-width=\"2\" points=\"").append(pts.toString().strip()).append("\"/>\n");
            h.append(String.format(Locale.ROOT, "<line x1=\"50\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"50\" y=\"%d\" font-size=\"11\">0 s</text><text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%.0f s</text>"
                    + "<text x=\"5\" y=\"20\" font-size=\"11\">%.1f MB/s</text>%n",
                    height - 30, W - 20, height - 30, height - 12, W - 20, height - 12, tMax / 1000, yMax));
            h.append("</svg>\n");
        }
    }

    private static double end(ScenarioOutcome.FaultResult f) {
        if (f.healAtMs() != null) {
            return f.healAtMs();
        }
        if (f.injectAtMs() != null && f.injectMs() != null) {
            return f.injectAtMs() + f.injectMs();
        }
        return f.injectAtMs() == null ? 0 : f.injectAtMs();
    }

    /**
     * One kernel report as the run saw it: every cell whose consoles printed it (same type and
     * normalised title), how often in all, the first cell's excerpt, and whether any print of it was cut
     * or interleaved (its title may then name the wrong function).
     */
    record SplatGroup(String type, String title, int printed, List<String> cells, String excerpt, boolean corrupted) {
    }

    /** The run's splats grouped by type and title, in the order first seen. */
    static List<SplatGroup> splatGroups(Results r) {
        Map<List<String>, CellResult.SplatResult> first = new LinkedHashMap<>();
        Map<List<String>, Integer> printed = new LinkedHashMap<>();
        Map<List<String>, java.util.Set<String>> cells = new LinkedHashMap<>();
        java.util.Set<List<String>> corrupted = new java.util.HashSet<>();
        for (CellResult c : r.cells()) {
            for (CellResult.SplatResult s : c.splats()) {
                List<String> key = Arrays.asList(s.type(), s.title());
                first.putIfAbsent(key, s);
                if (s.corrupted()) {
                    corrupted.add(key);
                }
                printed.merge(key, s.count(), Integer::sum);
                cells.computeIfAbsent(key, k -> new java.util.LinkedHashSet<>()).add(c.id());
            }
        }
        return first.entrySet().stream().map(e -> new SplatGroup(e.getValue().type(), e.getValue().title(), printed.get(e.getKey()),
                List.copyOf(cells.get(e.getKey())), e.getValue().excerpt(), corrupted.contains(e.getKey()))).toList();
    }

    private static void splats(StringBuilder h, Results r) {
        h.append("<h2 id=\"splats-heading\">Hangs and splats</h2>\n");
        List<SplatGroup> groups = splatGroups(r);
        if (groups.isEmpty()) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<p>One row per kernel report (kind and title, addresses and pids taken out), with the cells whose consoles printed it.</p>\n")
                .append("<table id=\"splats\"><tr><th>kind</th><th>title</th><th>printed</th><th>cells</th></tr>\n");
        for (SplatGroup g : groups) {
            h.append("<tr class=\"splat\"><td>").append(esc(g.type())).append("</td><td><details><summary>").append(esc(g.title()))
                    .append(g.corrupted() ? " (log cut or interleaved: the title may name the wrong function)" : "")
                    .append("</summary><pre>").append(esc(g.excerpt())).append("</pre></details></td><td>").append(g.printed())
                    .append(g.printed() == 1 ? " time" : " times").append("</td><td>").append(Headline.plural(g.cells().size(), "cell")).append(": ")
                    .append(String.join(", ", g.cells().stream().map(id -> "<a href=\"#" + cellAnchor(id) + "\">" + esc(id) + "</a>").toList()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    static String esc(String s) {
        return s == null ? "" : JunitReport.esc(s);
    }

    public static void write(Results results, Path file) {
        write(results, Context.NONE, file);
    }

    /** @param against this run compared with an older one; null for no comparison section */
    public static void write(Results results, Comparison.Against against, Path file) {
        write(results, new Context(against, null, null), file);
    }

    public static void write(Results results, Context ctx, Path file) {
        ReportFiles.writeAtomically(file, render(results, ctx));
    }
}
