package dev.kfit.bisect;

import dev.kfit.compare.Comparison;
import dev.kfit.compare.RankTest;
import dev.kfit.report.CellResult;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The two ends of a bisection and how a step's runs compare with them, the way {@code kfit compare}
 * judges a change ({@link Comparison}): a verdict the good end never gave, a splat title it never
 * printed, or a measurement whose sample moved ({@link Comparison#moved}: rank test and magnitude).
 * Not compare's {@link Comparison#JUMP} rule for samples too small for the rank test: a step too small
 * to tell gets more runs instead, and a good step's confidence comes from the rank test ({@link #latencyFactor}).
 */
public final class Baseline {
    /** What counts as a change. */
    public enum Criterion {
        VERDICT, SPLAT, LATENCY;

        public static Criterion parse(String s) {
            for (Criterion c : values()) {
                if (c.name().equalsIgnoreCase(s.strip())) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown criterion '" + s + "' (known: verdict, splat, latency)");
        }
    }

    private final List<CellResult> good;
    private final List<CellResult> bad;
    private final Set<String> goodVerdicts = new LinkedHashSet<>();
    private final Set<String> goodTitles = new LinkedHashSet<>();
    private final Set<Criterion> criteria;
    private final List<String> measurements;

    /**
     * @param criteria     what counts; null for every criterion in which the ends differ
     * @param measurements which measurements the latency criterion looks at; null for those in which
     *                     the ends differ
     */
    public Baseline(List<CellResult> good, List<CellResult> bad, Set<Criterion> criteria, List<String> measurements) {
        this.good = valid(good);
        this.bad = valid(bad);
        this.good.forEach(c -> {
            goodVerdicts.add(c.verdict());
            goodTitles.addAll(titles(c));
        });
        List<String> moved = new ArrayList<>();
        for (String m : measurementNames(this.bad)) {
            if (Comparison.moved(values(this.good, m), values(this.bad, m))) {
                moved.add(m);
            }
        }
        this.measurements = measurements == null ? List.copyOf(moved) : List.copyOf(measurements);
        if (criteria == null) {
            Set<Criterion> differ = EnumSet.noneOf(Criterion.class);
            if (this.bad.stream().anyMatch(c -> !goodVerdicts.contains(c.verdict()))) {
                differ.add(Criterion.VERDICT);
            }
            if (this.bad.stream().anyMatch(c -> !goodTitles.containsAll(titles(c)))) {
                differ.add(Criterion.SPLAT);
            }
            if (!moved.isEmpty()) {
                differ.add(Criterion.LATENCY);
            }
            this.criteria = differ;
        } else {
            this.criteria = EnumSet.copyOf(criteria);
        }
    }

    public Set<Criterion> criteria() {
        return criteria;
    }

    public List<String> measurements() {
        return measurements;
    }

    public boolean perRun() {
        return criteria.contains(Criterion.VERDICT) || criteria.contains(Criterion.SPLAT);
    }

    public boolean latency() {
        return criteria.contains(Criterion.LATENCY) && !measurements.isEmpty();
    }

    /** One run of a step against the good end. */
    public StepRule.Run classify(CellResult c) {
        if (Verdict.isKfitError(c.verdict())) {
            return StepRule.Run.INVALID;
        }
        return changes(c).isEmpty() ? StepRule.Run.UNCHANGED : StepRule.Run.CHANGED;
    }

    /** What in this run differs from the good end, by the criteria in use; empty when nothing. */
    public List<String> changes(CellResult c) {
        List<String> out = new ArrayList<>();
        if (criteria.contains(Criterion.VERDICT) && !goodVerdicts.contains(c.verdict())) {
            out.add("verdict " + c.verdict());
        }
        if (criteria.contains(Criterion.SPLAT)) {
            for (String t : titles(c)) {
                if (!goodTitles.contains(t)) {
                    out.add("new splat " + t);
                }
            }
        }
        return out;
    }

    /**
     * The step's sample against both ends' for each measurement in use: changed when it differs from the
     * good end's (rank test and magnitude, as compare) in the bad end's direction; unchanged when it does not and does differ from
     * the bad end's; else undecided (too few runs to tell).
     */
    public StepRule.Latency latency(List<CellResult> step) {
        List<CellResult> s = valid(step);
        boolean anyBad = false;
        boolean allGood = true;
        for (String m : measurements) {
            List<Double> y = values(s, m);
            List<Double> g = values(good, m);
            List<Double> b = values(bad, m);
            // Only a move towards the bad end's side is the change searched for: a step faster than a
            // good end that ran slow (a busy machine) is not "like the bad end".
            boolean fromGood = Comparison.moved(g, y) && towardsBad(g, b, y);
            boolean fromBad = Comparison.moved(b, y);
            if (fromGood) {
                anyBad = true; // a significant change from the good end is a change, whatever the bad end did
            }
            if (fromGood || !fromBad) {
                allGood = false; // "not significantly different" from a few runs is no proof: the bad end must differ
            }
        }
        return anyBad ? StepRule.Latency.CHANGED : allGood ? StepRule.Latency.UNCHANGED : StepRule.Latency.UNDECIDED;
    }

    /** Whether {@code y}'s median lies on the bad end's side of the good end's median. */
    static boolean towardsBad(List<Double> good, List<Double> bad, List<Double> y) {
        double g = RankTest.median(good);
        return Math.signum(RankTest.median(y) - g) == Math.signum(RankTest.median(bad) - g);
    }

    /** For the confidence of a step decided good by latency: 1 - the largest p-value against the bad end. */
    public double latencyFactor(List<CellResult> step) {
        double p = 0;
        for (String m : measurements) {
            p = Math.max(p, RankTest.pValue(values(bad, m), values(valid(step), m)));
        }
        return 1 - p;
    }

    /** How often the bad end's valid runs showed the change: the {@code p} of the confidence. */
    public double badRate() {
        if (bad.isEmpty()) {
            return 0;
        }
        return bad.stream().filter(c -> classify(c) == StepRule.Run.CHANGED).count() / (double) bad.size();
    }

    /** One line per end and one for what is searched for. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("good end: ").append(outcome(good)).append('\n');
        sb.append("bad end:  ").append(outcome(bad)).append('\n');
        sb.append("searching for the first point that, like the bad end, ").append(searched());
        return sb.toString();
    }

    /** What a step must show to be bad, in words. */
    public String searched() {
        List<String> what = new ArrayList<>();
        if (criteria.contains(Criterion.VERDICT)) {
            Set<String> v = new LinkedHashSet<>();
            bad.forEach(c -> v.add(c.verdict()));
            v.removeAll(goodVerdicts);
            what.add("gives a verdict other than " + String.join("/", goodVerdicts)
                    + (v.isEmpty() ? "" : " (the bad end: " + String.join("/", v) + ")"));
        }
        if (criteria.contains(Criterion.SPLAT)) {
            Set<String> t = new LinkedHashSet<>();
            bad.forEach(c -> t.addAll(titles(c)));
            t.removeAll(goodTitles);
            what.add("prints a splat the good end did not" + (t.isEmpty() ? "" : " (the bad end: " + String.join("; ", t) + ")"));
        }
        if (latency()) {
            what.add("moves " + String.join(", ", measurements) + " away from the good end's (rank test p < "
                    + Comparison.ALPHA + ", more than " + Math.round((Comparison.SLOWDOWN - 1) * 100) + " %)");
        }
        return what.isEmpty() ? "(nothing: no criterion in use)" : String.join(", or ", what);
    }

    /** "PIN_REFUSED x3, no splat, unbind_ms median 150 ms": a sample of runs in one line. */
    public static String outcome(List<CellResult> cells) {
        List<CellResult> v = valid(cells);
        if (v.isEmpty()) {
            return "no valid run (" + cells.size() + " runs)";
        }
        Map<String, Integer> verdicts = new LinkedHashMap<>();
        v.forEach(c -> verdicts.merge(c.verdict(), 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        verdicts.forEach((k, n) -> parts.add(k + " x" + n));
        Map<String, Integer> splats = new TreeMap<>();
        v.forEach(c -> titles(c).forEach(t -> splats.merge(t, 1, Integer::sum)));
        if (splats.isEmpty()) {
            parts.add("no splat");
        } else {
            splats.forEach((t, n) -> parts.add(t + " x" + n));
        }
        for (String m : measurementNames(v)) {
            List<Double> xs = values(v, m);
            String unit = v.stream().flatMap(c -> c.measured().stream()).filter(x -> x.name().equals(m))
                    .map(Measurement::unit).findFirst().orElse("");
            parts.add(String.format(Locale.ROOT, "%s median %.0f %s", m, RankTest.median(xs), unit));
        }
        return String.join(", ", parts);
    }

    static Set<String> titles(CellResult c) {
        Set<String> t = new LinkedHashSet<>();
        if (c.splats() != null) {
            c.splats().forEach(s -> t.add(s.type() + " " + s.title()));
        }
        return t;
    }

    static List<CellResult> valid(List<CellResult> cells) {
        return cells.stream().filter(c -> !Verdict.isKfitError(c.verdict())).toList();
    }

    static List<String> measurementNames(List<CellResult> cells) {
        Set<String> names = new LinkedHashSet<>();
        cells.forEach(c -> c.measured().forEach(m -> names.add(m.name())));
        return List.copyOf(names);
    }

    static List<Double> values(List<CellResult> cells, String name) {
        return cells.stream().flatMap(c -> c.measured().stream()).filter(m -> m.name().equals(name))
                .map(Measurement::value).toList();
    }
}
