package dev.kfit.store;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The trend as plain text for the terminal: what {@code kfit trend} prints beside writing its page. */
public final class TrendText {
    private TrendText() {
    }

    public static String render(Trend t) {
        if (t.series().isEmpty() && t.verdicts().isEmpty() && t.splats().isEmpty()) {
            return "the results store holds no runs that match\n";
        }
        Map<Trend.Line, List<Trend.Series>> byLine = new LinkedHashMap<>();
        t.series().forEach(s -> byLine.computeIfAbsent(s.line(), k -> new ArrayList<>()).add(s));
        t.verdicts().forEach(v -> byLine.computeIfAbsent(v.line(), k -> new ArrayList<>()));
        t.splats().forEach(s -> byLine.computeIfAbsent(s.line(), k -> new ArrayList<>()));
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Trend.Line, List<Trend.Series>> e : byLine.entrySet()) {
            Trend.Line line = e.getKey();
            b.append(line.title()).append('\n');
            for (Trend.Series s : e.getValue()) {
                b.append("  ").append(s.measurement()).append(" (").append(s.unit()).append(")\n");
                for (Trend.Point p : s.points()) {
                    b.append(String.format(Locale.ROOT, "    %s  %-10s n=%-3d median %-9s quartiles %s-%s  range %s-%s%n", p.run().date(),
                            p.run().kernelVersion() == null ? "-" : p.run().kernelVersion(), p.n(), num(p.median()), num(p.q1()),
                            num(p.q3()), num(p.min()), num(p.max())));
                }
            }
            t.versions().stream().filter(v -> v.kernelLine().equals(line.kernelLine()) && v.kernel().equals(line.kernel()))
                    .forEach(v -> b.append(v.versionChanged() ? "  kernel version " : "  kernel ").append(v.describe()).append(" from ")
                            .append(v.at().date()).append('\n'));
            t.verdicts().stream().filter(v -> v.line().equals(line))
                    .forEach(v -> b.append("  verdicts ").append(v.from()).append(" -> ").append(v.to()).append(" at ")
                            .append(v.at().date()).append('\n'));
            t.splats().stream().filter(s -> s.line().equals(line))
                    .forEach(s -> b.append("  splat ").append(s.type()).append(' ').append(s.title()).append(": first ")
                            .append(s.first().date()).append(", last ").append(s.last().date())
                            .append(s.present() ? " (the newest run)" : "").append(", in ").append(s.runs()).append(" run(s)\n"));
        }
        return b.toString();
    }

    private static String num(double v) {
        return dev.kfit.report.TrendReport.number(v);
    }
}
