package dev.kfit.compare;

import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compares two runs cell group by cell group (a group is one kernel and one scenario, all its
 * repetitions). Groups match by kernel label and scenario; when the labels differ (an unpatched
 * run against a patched one) and each run has a single kernel, by scenario alone.
 * Measurements with the same name and unit are compared with a rank test; a regression is a
 * significant change for the worse (p &lt; 0.05 and the medians more than {@link #SLOWDOWN} times apart
 * the worse way: 10 % up for ms, 9.1 % down for MB/s, see {@link Measurement#better()}), a verdict that is a new finding ({@link Verdict#isFinding()}), or a new splat.
 * With too few repetitions for the rank test ever to be significant (three a side or fewer, see
 * {@link RankTest#smallestPValue}) a measurement changes only when it jumped: at least two values a
 * side and every value of one run {@link #JUMP} times or more beyond every value of the other
 * (a nightly with {@code --repetitions 2} still sees a one-second sleep added to a 0.2 s unbind).
 * A group with a cell recorded before measurements existed compares {@code unbind_ms} only, as kfit
 * did then (new runs still record it), so old run directories compare with new ones.
 */
public final class Comparison {
    public static final double ALPHA = 0.05;
    public static final double SLOWDOWN = 1.10;
    /** Without a usable rank test: how far apart the two samples must be, closest values compared. */
    public static final double JUMP = 2.0;

    public record Change(String group, String kind, String detail, boolean regression) {
    }

    /**
     * A run's comparison with an older one, as report.html shows it.
     *
     * @param olderRun what the older run was, for the reader (its directory or start time)
     * @param changes  as {@link #compare} returns them
     */
    public record Against(String olderRun, List<Change> changes) {
        public Against {
            changes = regressionsFirst(changes);
        }
    }

    private Comparison() {
    }

    public static List<Change> compare(Results older, Results newer) {
        boolean byScenarioOnly = kernels(older).size() == 1 && kernels(newer).size() == 1
                && !kernels(older).equals(kernels(newer));
        Map<String, List<CellResult>> a = groups(older, byScenarioOnly);
        Map<String, List<CellResult>> b = groups(newer, byScenarioOnly);
        List<Change> changes = new ArrayList<>();
        for (Map.Entry<String, List<CellResult>> e : b.entrySet()) {
            String g = e.getKey();
            List<CellResult> now = e.getValue();
            List<CellResult> before = a.get(g);
            if (before == null) {
                changes.add(new Change(g, "new", "no such cells in the older run", false));
                continue;
            }
            verdicts(g, before, now, changes);
            splats(g, before, now, changes);
            measurements(g, before, now, changes);
        }
        for (String g : a.keySet()) {
            if (!b.containsKey(g)) {
                changes.add(new Change(g, "gone", "no such cells in the newer run", false));
            }
        }
        return regressionsFirst(changes);
    }

    /** Regressions first (what a nightly reader needs to see), otherwise in the order given. */
    static List<Change> regressionsFirst(List<Change> changes) {
        List<Change> sorted = new ArrayList<>(changes);
        sorted.sort((x, y) -> Boolean.compare(y.regression(), x.regression()));
        return List.copyOf(sorted);
    }

    private static void verdicts(String g, List<CellResult> before, List<CellResult> now, List<Change> out) {
        Set<String> old = new LinkedHashSet<>();
        before.forEach(c -> old.add(c.verdict()));
        Set<String> cur = new LinkedHashSet<>();
        now.forEach(c -> cur.add(c.verdict()));
        if (!old.equals(cur)) {
            boolean worse = cur.stream().anyMatch(v -> Verdict.isFinding(v) && !old.contains(v));
            out.add(new Change(g, "verdict", old + " -> " + cur, worse));
        }
    }

    private static void splats(String g, List<CellResult> before, List<CellResult> now, List<Change> out) {
        Set<String> old = titles(before);
        Set<String> cur = titles(now);
        for (String t : cur) {
            if (!old.contains(t)) {
                out.add(new Change(g, "new splat", t, true));
            }
        }
        for (String t : old) {
            if (!cur.contains(t)) {
                out.add(new Change(g, "splat gone", t, false));
            }
        }
    }

    /** Each measurement (name and unit) both sides have, in the order the newer run lists them. */
    private static void measurements(String g, List<CellResult> before, List<CellResult> now, List<Change> out) {
        boolean legacy = before.stream().anyMatch(c -> c.measurements() == null)
                || now.stream().anyMatch(c -> c.measurements() == null);
        if (legacy) {
            List<Double> x = before.stream().map(CellResult::unbindMs).filter(Objects::nonNull).toList();
            List<Double> y = now.stream().map(CellResult::unbindMs).filter(Objects::nonNull).toList();
            compare(g, "unbind_ms", Measurement.MS, x, y, out);
            return;
        }
        Set<List<String>> keys = new LinkedHashSet<>();
        now.forEach(c -> c.measurements().forEach(m -> keys.add(List.of(m.name(), m.unit()))));
        for (List<String> k : keys) {
            compare(g, k.get(0), k.get(1), values(before, k), values(now, k), out);
        }
    }

    private static List<Double> values(List<CellResult> cells, List<String> key) {
        return cells.stream().flatMap(c -> c.measurements().stream())
                .filter(m -> m.name().equals(key.get(0)) && m.unit().equals(key.get(1))).map(Measurement::value).toList();
    }

    private static void compare(String g, String name, String unit, List<Double> x, List<Double> y, List<Change> out) {
        if (x.isEmpty() || y.isEmpty()) {
            return;
        }
        double m0 = RankTest.median(x);
        double m1 = RankTest.median(y);
        Measurement.Better better = new Measurement(name, m1, unit).better();
        String pct = m0 == 0 ? "" : String.format(Locale.ROOT, " (%+.0f %%)", 100 * (m1 - m0) / m0);
        if (RankTest.smallestPValue(x.size(), y.size()) >= ALPHA) {
            jump(g, name, unit, x, y, better, pct, out);
            return;
        }
        double p = RankTest.pValue(x, y);
        boolean worse = moved(p, m0, m1) && (better == Measurement.Better.LOWER ? m1 > m0
                : better == Measurement.Better.HIGHER && m1 < m0);
        if (p < ALPHA) {
            // The shift estimate goes with the rank test (the difference of medians ignores all other pairs).
            double shift = RankTest.hodgesLehmann(x, y);
            out.add(new Change(g, name, String.format(Locale.ROOT,
                    "median %s %s -> %s %s%s, Hodges-Lehmann shift %s%s %s, Mann-Whitney p=%.3g, n=%d/%d",
                    num(m0), unit, num(m1), unit, pct, shift >= 0 ? "+" : "", num(shift), unit, p,
                    x.size(), y.size()), worse));
        }
    }

    /**
     * Whether {@code newer}'s sample moved away from {@code older}'s, either way: the rank test finds them
     * different (p &lt; {@link #ALPHA}) and the medians are more than {@link #SLOWDOWN} times apart. A
     * regression is such a move the worse way. Samples too small for the rank test ever to be significant
     * ({@link RankTest#smallestPValue}) never move here: compare's {@link #JUMP} rule for those is not part of
     * it. Bisect judges its steps by this too. The factor is meant for positive values (latencies, throughputs).
     */
    public static boolean moved(List<Double> older, List<Double> newer) {
        return moved(RankTest.pValue(older, newer), RankTest.median(older), RankTest.median(newer));
    }

    private static boolean moved(double p, double m0, double m1) {
        return p < ALPHA && (m1 > m0 * SLOWDOWN || m1 * SLOWDOWN < m0);
    }

    /**
     * Too few values for the rank test: a change only when the samples are {@link #JUMP} times apart
     * at their closest, two values a side at least (one value is one slow boot away from anything).
     * Only positive values have a ratio; others say nothing here.
     */
    private static void jump(String g, String name, String unit, List<Double> x, List<Double> y, Measurement.Better better,
                             String pct, List<Change> out) {
        if (x.size() < 2 || y.size() < 2) {
            return;
        }
        double xMin = x.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double xMax = x.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double yMin = y.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double yMax = y.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        if (xMin <= 0 || yMin <= 0) {
            return;
        }
        boolean up = yMin >= xMax * JUMP;
        boolean down = xMin >= yMax * JUMP;
        if (!up && !down) {
            return;
        }
        boolean worse = up ? better == Measurement.Better.LOWER : better == Measurement.Better.HIGHER;
        double factor = up ? yMin / xMax : xMin / yMax;
        out.add(new Change(g, name, String.format(Locale.ROOT,
                "median %s %s -> %s %s%s, every value %.1fx or more %s the older run's (n=%d/%d: too few for the rank test)",
                num(RankTest.median(x)), unit, num(RankTest.median(y)), unit, pct, factor, up ? "above" : "below",
                x.size(), y.size()), worse));
    }

    /** Whole numbers from 100 up (a latency in ms), three significant digits below (a throughput). */
    private static String num(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static Set<String> titles(List<CellResult> cells) {
        Set<String> t = new LinkedHashSet<>();
        cells.forEach(c -> c.splats().forEach(s -> t.add(s.type() + " " + s.title())));
        return t;
    }

    private static Set<String> kernels(Results r) {
        Set<String> k = new LinkedHashSet<>();
        r.cells().forEach(c -> k.add(c.kernel()));
        return k;
    }

    private static Map<String, List<CellResult>> groups(Results r, boolean byScenarioOnly) {
        Map<String, List<CellResult>> m = new LinkedHashMap<>();
        for (CellResult c : r.cells()) {
            if (Verdict.isKfitError(c.verdict())) {
                continue; // kfit's own failures say nothing about the kernel
            }
            String key = byScenarioOnly ? c.scenario() : c.kernel() + " / " + c.scenario();
            m.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
        }
        return m;
    }

    public static String render(List<Change> changes) {
        if (changes.isEmpty()) {
            return "no changes\n";
        }
        StringBuilder sb = new StringBuilder();
        for (Change c : changes) {
            sb.append(c.regression() ? "REGRESSION  " : "change      ").append(c.group()).append(": ").append(c.kind())
                    .append(": ").append(c.detail()).append('\n');
        }
        return sb.toString();
    }
}
