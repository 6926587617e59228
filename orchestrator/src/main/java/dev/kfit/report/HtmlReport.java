package dev.kfit.report;

import dev.kfit.scenario.ScenarioOutcome;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * report.html: one self-contained page (inline CSS and SVG drawn here, nothing fetched) with the
 * run's kernels, a verdict table, the unbind latency of every kernel and scenario with each
 * repetition as a point, a throughput timeline per traffic cell with the fault windows shaded, and
 * the splats with their console excerpts. A pure function of results.json.
 */
public final class HtmlReport {
    private static final int W = 760;

    private HtmlReport() {
    }

    public static String render(Results r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kfit run ")
                .append(esc(r.run().startedAt())).append("</title>\n<style>")
                .append("body{font:14px sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}")
                .append(".BLOCKED_UNTIL_RELEASE,.HUNG,.CRASH{background:#fbd5d5}.INFRA_ERROR{background:#fff1c2}")
                .append(".PIN_REFUSED,.PROMPT{background:#d9f2d9}pre{background:#f7f7f7;padding:8px;overflow:auto;font-size:12px}")
                .append("svg{background:#fff;border:1px solid #ddd}</style></head><body>\n");
        h.append("<h1>kfit run</h1>\n<p>Started ").append(esc(r.run().startedAt())).append(" on ").append(esc(r.run().host()))
                .append(", ").append(esc(r.run().qemu())).append(", accelerator ").append(esc(r.run().accel()))
                .append(", guest image ").append(esc(r.run().guestImage())).append(".</p>\n");
        kernels(h, r);
        verdicts(h, r);
        latency(h, r);
        timelines(h, r);
        splats(h, r);
        return h.append("</body></html>\n").toString();
    }

    private static void kernels(StringBuilder h, Results r) {
        h.append("<h2>Kernels</h2>\n<table><tr><th>label</th><th>version</th><th>source</th><th>patches</th><th>compiler</th><th>build</th></tr>\n");
        for (Results.KernelInfo k : r.run().kernels()) {
            h.append("<tr><td>").append(esc(k.label())).append("</td><td>").append(esc(k.kernelVersion())).append("</td><td>")
                    .append(esc(k.source())).append("</td><td>").append(esc(String.join(", ", k.patches()))).append("</td><td>")
                    .append(esc(k.compiler())).append("</td><td>").append(k.cached() ? "cached" : String.format(Locale.ROOT, "%.0f s", k.buildSeconds()))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void verdicts(StringBuilder h, Results r) {
        h.append("<h2>Cells</h2>\n<table id=\"cells\"><tr><th>cell</th><th>verdict</th><th>pin</th><th>unbind / first fault</th><th>after release</th><th>splats</th></tr>\n");
        for (CellResult c : r.cells()) {
            String pin = ReportFiles.pin(c.pin());
            h.append("<tr class=\"").append(esc(c.verdict())).append("\"><td>").append(esc(c.id())).append("</td><td>")
                    .append(esc(c.verdict())).append("</td><td>").append(esc(pin)).append("</td><td>").append(ReportFiles.ms(c.unbindMs()))
                    .append("</td><td>").append(ReportFiles.ms(c.blockedAfterReleaseMs())).append("</td><td>").append(c.splats().size())
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** Every repetition's unbind time as a point, per kernel and scenario, on a log scale (0.1 s and 17 s share it). */
    private static void latency(StringBuilder h, Results r) {
        Map<String, List<Double>> groups = new LinkedHashMap<>();
        for (CellResult c : r.cells()) {
            if (c.unbindMs() != null && c.unbindMs() > 0) {
                groups.computeIfAbsent(c.kernel() + " / " + c.scenario(), k -> new ArrayList<>()).add(c.unbindMs());
            }
        }
        h.append("<h2>Unbind latency</h2>\n");
        if (groups.isEmpty()) {
            h.append("<p>No cell measured an unbind.</p>\n");
            return;
        }
        int rowH = 34;
        int left = 220;
        int height = 40 + rowH * groups.size();
        double lo = Math.log10(groups.values().stream().flatMap(List::stream).min(Double::compare).orElse(1.0)) - 0.2;
        double hi = Math.log10(groups.values().stream().flatMap(List::stream).max(Double::compare).orElse(10.0)) + 0.2;
        h.append(String.format(Locale.ROOT, "<svg id=\"latency\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n", W, height, W, height));
        for (int d = (int) Math.ceil(lo); d <= Math.floor(hi); d++) {
            double x = left + (d - lo) / (hi - lo) * (W - left - 20);
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                    x, x, height - 25, x, height - 10, d >= 3 ? (long) Math.pow(10, d - 3) + " s" : (long) Math.pow(10, d) + " ms"));
        }
        int i = 0;
        for (Map.Entry<String, List<Double>> g : groups.entrySet()) {
            double y = 25 + rowH * i++;
            h.append(String.format(Locale.ROOT, "<text x=\"5\" y=\"%.1f\" font-size=\"12\">%s</text>%n", y + 4, esc(g.getKey())));
            List<Double> v = new ArrayList<>(g.getValue());
            v.sort(Double::compare);
            double med = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
            double mx = left + (Math.log10(med) - lo) / (hi - lo) * (W - left - 20);
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" stroke-width=\"2\"><title>median %s</title></line>%n",
                    mx, y - 10, mx, y + 10, ReportFiles.ms(med)));
            for (double val : v) {
                double x = left + (Math.log10(val) - lo) / (hi - lo) * (W - left - 20);
                h.append(String.format(Locale.ROOT, "<circle class=\"rep\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#3b6fb6\" fill-opacity=\"0.6\"><title>%s</title></circle>%n",
                        x, y, ReportFiles.ms(val)));
            }
        }
        h.append("</svg>\n");
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

    private static void splats(StringBuilder h, Results r) {
        h.append("<h2>Hangs and splats</h2>\n");
        boolean any = false;
        for (CellResult c : r.cells()) {
            for (CellResult.SplatResult s : c.splats()) {
                any = true;
                h.append("<details><summary>").append(esc(c.id())).append(" (").append(esc(String.valueOf(s.guest()))).append("): ")
                        .append(esc(s.type())).append(" ").append(esc(s.title())).append("</summary><pre>")
                        .append(esc(s.excerpt())).append("</pre></details>\n");
            }
        }
        if (!any) {
            h.append("<p>None.</p>\n");
        }
    }


    static String esc(String s) {
        return s == null ? "" : JunitReport.esc(s);
    }

    public static void write(Results results, Path file) {
        ReportFiles.writeAtomically(file, render(results));
    }
}
