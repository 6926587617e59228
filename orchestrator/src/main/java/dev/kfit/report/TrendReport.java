package dev.kfit.report;

import dev.kfit.store.Trend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * trend.html: the results store's history on one self-contained page (inline CSS and SVG drawn here,
 * no script, nothing fetched). Per kernel line, kernel and scenario: for each measurement, one
 * column per run in start order with the median (dot, joined run to run), the quartiles (box) and
 * the minimum to maximum (whisker), on a log scale when the values span a factor of 20 or more; changes
 * of the kernel's build are dashed lines on the axis labelled with the new version or the patches gained
 * and lost ("patches +1"), verdict changes are triangles above the plot. Under each chart a table gives
 * the same numbers per run (class {@code medians}, each row with {@code data-run-key} and
 * {@code data-median}: for readers who want the figures, and for scripts). Below, the build changes, the
 * verdict changes and each splat title's first and last appearance are listed. A pure function of a {@link Trend}.
 */
public final class TrendReport {
    private static final int W = 760;
    private static final int H = 260;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 34;
    private static final int BOTTOM = 70;
    /** A chart whose largest value is this many times its smallest (all positive) is drawn on a log scale. */
    private static final double LOG_RATIO = 20;
    /** At most this many date labels on an axis: with more runs, every k-th is labelled. */
    private static final int MAX_LABELS = 20;

    private TrendReport() {
    }

    public static void write(Trend trend, String title, Path file) {
        ReportFiles.writeAtomically(file, render(trend, title));
    }

    public static String render(Trend trend, String title) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>")
                .append("body{font:14px sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}")
                .append("svg{background:#fff;border:1px solid #ddd}td.num{text-align:right}").append(style("")).append("</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        if (trend.series().isEmpty() && trend.verdicts().isEmpty() && trend.splats().isEmpty()) {
            return h.append("<p>The results store holds no runs that match.</p>\n</body></html>\n").toString();
        }
        lines(h, trend, 2);
        return h.append("</body></html>\n").toString();
    }

    /**
     * The charts' CSS, each rule under {@code scope} ("" for trend.html, "#trend " inside report.html,
     * where the report's own classes must not pick it up).
     */
    static String style(String scope) {
        return String.join("", java.util.stream.Stream.of(".range{stroke:#555}", ".iqr{fill:#c6d7ef;stroke:#3b6fb6}",
                ".median{fill:#3b6fb6}", ".median-line{fill:none;stroke:#3b6fb6;stroke-opacity:.5}",
                ".version-change{stroke:#a00;stroke-dasharray:4 3}", ".version-label{fill:#a00;font-size:11px}",
                ".patches-change{stroke:#7b3294}", ".patches-change-mark .version-label{fill:#7b3294}",
                ".verdict-change{fill:#d95f02}", ".axis{stroke:#888}", ".tick{font-size:11px;fill:#444}",
                "tr.present td{background:#fbe9d5}").map(r -> scope + r).toList());
    }

    /**
     * The explanation and a section per kernel line, kernel and scenario, its title a heading of
     * {@code level} (2 on trend.html; 3 when report.html embeds it under its own heading).
     */
    static void lines(StringBuilder h, Trend trend, int level) {
        String hl = "h" + level;
        String hm = "h" + (level + 1);
        h.append("<p>Per kernel line, kernel and scenario, one column per run (UTC start): the median (dot), quartiles (box) and "
                + "minimum to maximum (whisker) of each measurement over the run's repetitions, cells that ended in INFRA_ERROR left out. "
                + "Dashed red lines: the kernel version changed; dashed purple lines: the same version with other patches; "
                + "orange triangles: the verdicts changed.</p>\n");
        Map<Trend.Line, List<Trend.Series>> byLine = new LinkedHashMap<>();
        trend.series().forEach(s -> byLine.computeIfAbsent(s.line(), k -> new ArrayList<>()).add(s));
        trend.verdicts().forEach(v -> byLine.computeIfAbsent(v.line(), k -> new ArrayList<>()));
        trend.splats().forEach(s -> byLine.computeIfAbsent(s.line(), k -> new ArrayList<>()));
        for (Map.Entry<Trend.Line, List<Trend.Series>> e : byLine.entrySet()) {
            Trend.Line line = e.getKey();
            h.append("<section class=\"line\"><").append(hl).append('>').append(esc(line.title())).append("</").append(hl).append(">\n");
            List<Trend.VersionChange> versions = trend.versions().stream()
                    .filter(v -> v.kernelLine().equals(line.kernelLine()) && v.kernel().equals(line.kernel())).toList();
            List<Trend.VerdictChange> verdicts = trend.verdicts().stream().filter(v -> v.line().equals(line)).toList();
            for (Trend.Series s : e.getValue()) {
                h.append('<').append(hm).append('>').append(esc(s.measurement())).append(" (").append(esc(s.unit())).append(")</").append(hm).append(">\n");
                chart(h, s, versions, verdicts);
                mediansTable(h, s);
            }
            versionTable(h, versions, hm);
            verdictTable(h, verdicts, hm);
            splatTable(h, trend.splats().stream().filter(s -> s.line().equals(line)).toList(), hm);
            h.append("</section>\n");
        }
    }

    private static void chart(StringBuilder h, Trend.Series s, List<Trend.VersionChange> versions, List<Trend.VerdictChange> verdicts) {
        List<Trend.RunRef> runs = s.runs();
        int n = runs.size();
        double lo = s.points().stream().mapToDouble(Trend.Point::min).min().orElse(0);
        double hi = s.points().stream().mapToDouble(Trend.Point::max).max().orElse(1);
        // A refused pin (a tenth of a second) and a blocked unbind (tens of seconds) on one line: a log
        // scale keeps both spreads visible.
        boolean log = lo > 0 && hi / lo >= LOG_RATIO;
        if (log) {
            lo = Math.log10(lo);
            hi = Math.log10(hi);
        }
        double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1);
        lo = !log && lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
        hi = hi + pad;
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        double step = plotW / Math.max(n, 1);
        final double ylo = lo;
        final double yhi = hi;
        java.util.function.DoubleUnaryOperator y = v -> TOP + plotH - ((log ? Math.log10(v) : v) - ylo) / (yhi - ylo) * plotH;
        java.util.function.IntToDoubleFunction x = i -> LEFT + (i + 0.5) * step;
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(runs.get(i).runKey(), i);
        }
        h.append("<svg class=\"trend\" width=\"").append(W).append("\" height=\"").append(H).append("\" viewBox=\"0 0 ").append(W).append(' ')
                .append(H).append("\" role=\"img\" aria-label=\"").append(esc(s.line().title() + " " + s.measurement())).append("\">\n");
        // y axis with five ticks
        h.append(line(LEFT, TOP, LEFT, TOP + plotH, "axis")).append(line(LEFT, TOP + plotH, W - RIGHT, TOP + plotH, "axis"));
        for (int t = 0; t <= 4; t++) {
            double v = log ? Math.pow(10, lo + (hi - lo) * t / 4) : lo + (hi - lo) * t / 4;
            h.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    LEFT - 6, y.applyAsDouble(v) + 4, esc(number(v))));
        }
        h.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">%s</text>\n",
                TOP + plotH / 2, TOP + plotH / 2, esc(s.measurement() + " (" + s.unit() + (log ? ", log scale" : "") + ")")));
        // dates on the x axis
        int every = Math.max(1, (int) Math.ceil(n / (double) MAX_LABELS));
        for (int i = 0; i < n; i++) {
            if (i % every != 0 && i != n - 1) {
                continue;
            }
            double xi = x.applyAsDouble(i);
            double yl = TOP + plotH + 12;
            h.append(String.format(Locale.ROOT, "<text class=\"tick date\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" transform=\"rotate(-35 %.1f %.1f)\">%s</text>\n",
                    xi, yl, xi, yl, esc(runs.get(i).date())));
        }
        // kernel build changes: a dashed line between the two runs, labelled with the new version or the patch change
        for (Trend.VersionChange v : versions) {
            Integer i = index.get(v.at().runKey());
            if (i == null) {
                continue;
            }
            double xv = LEFT + i * step;
            boolean patchesOnly = !v.versionChanged();
            String label = patchesOnly ? v.patchLabel() : v.to() + (v.patchesChanged() ? " " + v.patchLabel() : "");
            h.append("<g class=\"version-change-mark").append(patchesOnly ? " patches-change-mark" : "").append("\"><title>")
                    .append(esc(v.kernel() + ": " + v.describe(" → ") + " from " + v.at().date())).append("</title>")
                    .append(line(xv, TOP - 10, xv, TOP + plotH, patchesOnly ? "version-change patches-change" : "version-change"))
                    .append(String.format(Locale.ROOT, "<text class=\"version-label\" x=\"%.1f\" y=\"%d\">%s</text></g>\n", xv + 3, TOP - 14, esc(label)));
        }
        if (n > 0 && runs.get(0).kernelVersion() != null) {
            h.append(String.format(Locale.ROOT, "<text class=\"version-label first-version\" x=\"%d\" y=\"%d\">%s</text>\n",
                    LEFT + 3, TOP - 14, esc(runs.get(0).kernelVersion())));
        }
        // verdict changes: a triangle above the run where they changed
        for (Trend.VerdictChange v : verdicts) {
            Integer i = index.get(v.at().runKey());
            if (i == null) {
                continue;
            }
            double xv = x.applyAsDouble(i);
            h.append(String.format(Locale.ROOT, "<path class=\"verdict-change\" d=\"M%.1f %d l-5 -8 h10 z\"><title>%s</title></path>\n",
                    xv, TOP - 2, esc("verdicts " + v.from() + " → " + v.to() + " at " + v.at().date())));
        }
        // the distributions and the medians' line
        StringBuilder medians = new StringBuilder();
        for (Trend.Point p : s.points()) {
            int i = index.get(p.run().runKey());
            double xi = x.applyAsDouble(i);
            double bw = Math.min(18, step * 0.5);
            medians.append(medians.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", xi, y.applyAsDouble(p.median())));
            h.append("<g class=\"run\"><title>").append(esc(p.run().date() + (p.run().kernelVersion() == null ? "" : " (" + p.run().kernelVersion() + ")")
                            + ": median " + number(p.median()) + " " + s.unit() + ", quartiles " + number(p.q1()) + " to " + number(p.q3())
                            + ", range " + number(p.min()) + " to " + number(p.max()) + ", n=" + p.n()))
                    .append("</title>")
                    .append(line(xi, y.applyAsDouble(p.min()), xi, y.applyAsDouble(p.max()), "range"))
                    .append(String.format(Locale.ROOT, "<rect class=\"iqr\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                            xi - bw / 2, y.applyAsDouble(p.q3()), bw, Math.max(0.5, y.applyAsDouble(p.q1()) - y.applyAsDouble(p.q3()))))
                    .append(String.format(Locale.ROOT, "<circle class=\"median\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>", xi, y.applyAsDouble(p.median())))
                    .append("</g>\n");
        }
        if (s.points().size() > 1) {
            h.append("<polyline class=\"median-line\" points=\"").append(medians).append("\"/>\n");
        }
        h.append("</svg>\n");
    }

    /** The chart's numbers, one row per run with a value: what the chart draws, readable and machine-readable. */
    private static void mediansTable(StringBuilder h, Trend.Series s) {
        h.append("<table class=\"medians\" data-kernel-line=\"").append(esc(s.line().kernelLine())).append("\" data-kernel=\"")
                .append(esc(s.line().kernel())).append("\" data-scenario=\"").append(esc(s.line().scenario()))
                .append("\" data-measurement=\"").append(esc(s.measurement())).append("\" data-unit=\"").append(esc(s.unit()))
                .append("\"><tr><th>run</th><th>kernel</th><th>patches</th><th>n</th><th>median</th><th>quartiles</th><th>range</th></tr>\n");
        for (Trend.Point p : s.points()) {
            Trend.RunRef r = p.run();
            h.append("<tr data-run-key=\"").append(esc(r.runKey())).append("\" data-median=\"").append(java.math.BigDecimal.valueOf(p.median()).toPlainString()).append("\"><td>")
                    .append(esc(r.date())).append("</td><td>").append(esc(r.kernelVersion() == null ? "-" : r.kernelVersion()))
                    .append("</td><td>").append(esc(r.patches() == null ? "-" : String.valueOf(r.patches().size()))).append("</td><td class=\"num\">")
                    .append(p.n()).append("</td><td class=\"num\">").append(esc(number(p.median()))).append("</td><td class=\"num\">")
                    .append(esc(number(p.q1()) + " to " + number(p.q3()))).append("</td><td class=\"num\">")
                    .append(esc(number(p.min()) + " to " + number(p.max()))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void versionTable(StringBuilder h, List<Trend.VersionChange> versions, String hm) {
        if (versions.isEmpty()) {
            return;
        }
        h.append('<').append(hm).append(">Kernel build changes</").append(hm).append(">\n<table class=\"versions\"><tr><th>from run</th><th>kernel</th><th>before</th><th>after</th>"
                + "<th>patches</th></tr>\n");
        for (Trend.VersionChange v : versions) {
            h.append("<tr><td>").append(esc(v.at().date())).append("</td><td>").append(esc(v.kernel())).append("</td><td>")
                    .append(esc(v.from())).append("</td><td>").append(esc(v.to())).append("</td><td>")
                    .append(esc(v.patchDescription()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void verdictTable(StringBuilder h, List<Trend.VerdictChange> verdicts, String hm) {
        h.append('<').append(hm).append(">Verdict changes</").append(hm).append(">\n");
        if (verdicts.isEmpty()) {
            h.append("<p>None: every run gave the same kernel verdicts.</p>\n");
            return;
        }
        h.append("<table class=\"verdict-changes\"><tr><th>run</th><th>before (run)</th><th>verdicts before</th><th>verdicts after</th></tr>\n");
        for (Trend.VerdictChange v : verdicts) {
            h.append("<tr><td>").append(esc(v.at().date())).append("</td><td>").append(esc(v.before().date())).append("</td><td>")
                    .append(esc(v.from())).append("</td><td>").append(esc(v.to())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void splatTable(StringBuilder h, List<Trend.SplatSpan> spans, String hm) {
        h.append('<').append(hm).append(">Splats</").append(hm).append(">\n");
        if (spans.isEmpty()) {
            h.append("<p>None printed.</p>\n");
            return;
        }
        h.append("<table class=\"splats\"><tr><th>type</th><th>title</th><th>first seen</th><th>last seen</th><th>runs</th></tr>\n");
        for (Trend.SplatSpan s : spans) {
            h.append("<tr").append(s.present() ? " class=\"present\"" : "").append("><td>").append(esc(s.type())).append("</td><td>")
                    .append(esc(s.title())).append("</td><td>").append(esc(seen(s.first()))).append("</td><td>")
                    .append(esc(s.present() ? seen(s.last()) + " (the newest run)" : seen(s.last()))).append("</td><td>")
                    .append(s.runs()).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String seen(Trend.RunRef r) {
        return r.date() + (r.kernelVersion() == null ? "" : " (" + r.kernelVersion() + ")");
    }

    private static String line(double x1, double y1, double x2, double y2, String cls) {
        return String.format(Locale.ROOT, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls, x1, y1, x2, y2);
    }

    /** Four significant digits but every digit before the point (10045, 160, 0.1235), no exponent, no trailing zeros. */
    public static String number(double v) {
        if (v == 0) {
            return "0";
        }
        int integerDigits = Math.abs(v) < 1 ? 0 : (int) Math.floor(Math.log10(Math.abs(v))) + 1;
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(Math.max(4, integerDigits)))
                .stripTrailingZeros();
        return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
