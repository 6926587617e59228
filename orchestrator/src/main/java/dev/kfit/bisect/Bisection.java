package dev.kfit.bisect;

import dev.kfit.error.BadInputException;
import dev.kfit.report.CellResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whole bisection over points {@code 0..n} (see {@link Search}), with the running of steps left to a
 * {@link Steps}: the ends are run and compared, the search asks for points, each point runs until
 * {@link StepRule} decides it. Decisions are made from the runs recorded so far, so a bisection
 * resumed over the same recorded runs takes the same path without running them again.
 */
public final class Bisection {
    /** Runs of a point: kfit's runner in {@code kfit bisect}, a fake in tests. */
    public interface Steps {
        /**
         * Runs point {@code point} {@code more} more times (0: none) and returns every run of it recorded
         * so far, earlier ones included.
         *
         * @throws Untestable when the point cannot be tested at all (its prefix does not apply, it does not build)
         */
        List<CellResult> run(int point, int more) throws Untestable;
    }

    /** A point that cannot be tested: the search goes around it. */
    public static final class Untestable extends Exception {
        public Untestable(String reason) {
            super(reason);
        }
    }

    /** What a bisection reports as it goes. */
    public interface Listener {
        void ends(Baseline baseline, Step good, Step bad);

        void step(Step step);
    }

    /** A decided point. */
    public record Step(int point, Search.State state, int runs, int valid, int changed, boolean flaky, String reason,
                       List<String> changes, double confidenceFactor) {
        public Step {
            changes = List.copyOf(changes);
        }
    }

    /**
     * @param firstBad   the first point whose outcome differs from the good end's
     * @param candidates every point that may be it: skipped points next to it, then firstBad
     * @param confidence see {@link StepRule#confidence}
     * @param flaky      a bad step changed in fewer than half its valid runs, or steps were flaky
     * @param steps      every tested point in the order tested (ends not included)
     */
    public record Result(int firstBad, int lastGood, List<Integer> candidates, double confidence, boolean flaky,
                         List<Step> steps, Step good, Step bad, String ends) {
        public Result {
            candidates = List.copyOf(candidates);
            steps = List.copyOf(steps);
        }

        public boolean exact() {
            return candidates.size() == 1;
        }
    }

    /** Options: how many runs per step, what counts. */
    public record Options(int minRuns, Integer maxRuns, Set<Baseline.Criterion> criteria, List<String> measurements) {
        /** Runs of each end: 5 when latency may count, since 3 against 3 can never pass the rank test. */
        int endRuns() {
            boolean mayLatency = criteria == null || criteria.contains(Baseline.Criterion.LATENCY);
            return mayLatency ? Math.max(minRuns, LATENCY_END_RUNS) : minRuns;
        }

        StepRule rule(boolean latency) {
            int min = latency ? Math.max(minRuns, LATENCY_STEP_RUNS) : minRuns;
            int max = maxRuns != null ? Math.max(maxRuns, min) : Math.max(2 * min, DEFAULT_MAX_RUNS);
            return new StepRule(min, max);
        }
    }

    static final int LATENCY_END_RUNS = 5;
    static final int LATENCY_STEP_RUNS = 3;
    static final int DEFAULT_MAX_RUNS = 10;

    private Bisection() {
    }

    /**
     * @throws BadInputException when the ends do not differ by the criteria in use, or an end cannot be tested
     */
    public static Result run(int n, Options options, Steps steps, Listener listener) {
        int endRuns = options.endRuns();
        List<CellResult> good = ensure(steps, 0, endRuns, "good");
        // The good end is the baseline: it needs most of its runs valid (more runs if not, up to the bound).
        int goodBound = options.rule(true).maxRuns();
        while (2 * Baseline.valid(good).size() < good.size() && good.size() < goodBound) {
            good = ensure(steps, 0, Math.min(goodBound, 2 * good.size()), "good");
        }
        if (2 * Baseline.valid(good).size() < good.size()) {
            throw new BadInputException("the good end cannot be tested: " + (good.size() - Baseline.valid(good).size())
                    + " of " + good.size() + " runs ended in kfit's own errors (INFRA_ERROR)");
        }
        List<CellResult> bad = ensure(steps, n, endRuns, "bad");
        Baseline first = new Baseline(good, bad, options.criteria(), options.measurements());
        List<String> measured = Baseline.measurementNames(Baseline.valid(good));
        if (options.measurements() != null) {
            for (String m : options.measurements()) {
                if (!measured.contains(m)) {
                    throw new BadInputException("--measurement " + m + ": the good end's runs do not measure it (they have: "
                            + String.join(", ", measured) + ")");
                }
            }
        }
        if (!first.perRun() && !first.latency()) {
            throw new BadInputException("the ends do not differ (" + criteria(options) + "):\n" + first.describe());
        }
        StepRule rule = options.rule(first.latency());
        // The bad end may itself be flaky: it gets more runs like any step, and must come out bad.
        Baseline baseline = first;
        StepRule endRule = new StepRule(Math.max(endRuns, rule.minRuns()), Math.max(endRuns, rule.maxRuns()));
        StepRule.Decision d;
        while (true) {
            d = decide(endRule, baseline, bad);
            if (!d.needsMore()) {
                break;
            }
            bad = ensure(steps, n, bad.size() + d.moreRuns(), "bad");
            baseline = new Baseline(good, bad, first.criteria(), first.measurements());
        }
        if (d.state() != Search.State.BAD) {
            throw new BadInputException("the ends do not differ: the bad end is " + d.state().name().toLowerCase()
                    + " against the good end (" + d.reason() + "):\n" + baseline.describe());
        }
        Step goodStep = step(0, Search.State.GOOD, good, baseline, "the good end", false, 1);
        Step badStep = step(n, Search.State.BAD, bad, baseline, d.reason(), d.flaky(), 1);
        listener.ends(baseline, goodStep, badStep);

        Map<Integer, Search.State> known = new LinkedHashMap<>();
        List<Step> done = new ArrayList<>();
        while (true) {
            Search.Next next = Search.next(n, known);
            if (next instanceof Search.Found f) {
                Step firstBad = f.firstBad() == n ? badStep : done.stream().filter(s -> s.point() == f.firstBad()).findFirst().orElseThrow();
                boolean flaky = badStep.flaky() || done.stream().anyMatch(Step::flaky)
                        || (firstBad.changed() > 0 && 2 * firstBad.changed() < firstBad.valid());
                double confidence = StepRule.confidence(done.stream().filter(s -> s.state() == Search.State.GOOD)
                        .map(Step::confidenceFactor).toList());
                return new Result(f.firstBad(), f.lastGood(), f.candidates(), confidence, flaky, done, goodStep, badStep,
                        baseline.describe());
            }
            int p = ((Search.Test) next).point();
            Step s = decidePoint(p, steps, rule, baseline);
            known.put(p, s.state());
            done.add(s);
            listener.step(s);
        }
    }

    private static Step decidePoint(int p, Steps steps, StepRule rule, Baseline baseline) {
        try {
            List<CellResult> runs = steps.run(p, 0);
            while (true) {
                StepRule.Decision d = decide(rule, baseline, runs);
                if (!d.needsMore()) {
                    double factor = 1;
                    if (d.state() == Search.State.GOOD) {
                        int valid = Baseline.valid(runs).size();
                        factor = baseline.perRun() ? StepRule.goodStepFactor(baseline.badRate(), valid) : baseline.latencyFactor(runs);
                    }
                    return step(p, d.state(), runs, baseline, d.reason(), d.flaky(), factor);
                }
                runs = steps.run(p, d.moreRuns());
            }
        } catch (Untestable e) {
            return new Step(p, Search.State.SKIP, 0, 0, 0, false, "untestable: " + e.getMessage(), List.of(), 1);
        }
    }

    private static StepRule.Decision decide(StepRule rule, Baseline b, List<CellResult> runs) {
        List<StepRule.Run> classes = runs.stream().map(b::classify).toList();
        return rule.decide(classes, b.perRun(), b.latency() ? b.latency(runs) : null);
    }

    private static Step step(int p, Search.State state, List<CellResult> runs, Baseline b, String reason, boolean flaky,
                             double factor) {
        List<String> changes = new ArrayList<>();
        runs.forEach(c -> b.changes(c).forEach(x -> {
            if (!changes.contains(x)) {
                changes.add(x);
            }
        }));
        int valid = Baseline.valid(runs).size();
        int changed = (int) runs.stream().filter(c -> b.classify(c) == StepRule.Run.CHANGED).count();
        return new Step(p, state, runs.size(), valid, changed, flaky, reason, changes, factor);
    }

    /** The point's runs, run until there are at least {@code target}. */
    private static List<CellResult> ensure(Steps steps, int point, int target, String which) {
        try {
            List<CellResult> have = steps.run(point, 0);
            return have.size() >= target ? have : steps.run(point, target - have.size());
        } catch (Untestable e) {
            throw new BadInputException("the " + which + " end cannot be tested: " + e.getMessage());
        }
    }

    private static String criteria(Options o) {
        return o.criteria() == null ? "by verdict, splats and latency" : "by " + o.criteria().toString().toLowerCase();
    }
}
