package dev.kfit.bisect;

import java.util.List;

/**
 * How a step's runs decide it, and when a step needs more runs: a pure function of the runs so far.
 *
 * <p>Each run of a step is compared with the good end on its own (its verdict and splats, see
 * {@link Baseline#classify}): changed, unchanged, or invalid (kfit's own error). Latencies are compared
 * as a sample: the step's against both ends' with the rank test (see {@link Baseline#latency}).
 *
 * <ul>
 *   <li>A step has at least {@code minRuns} runs. More than half of them invalid: more runs, and at the
 *       bound the step is skipped as untestable.</li>
 *   <li>Unchanged in every valid run: good; once the step was given more runs (it was flaky), only when
 *       at least three quarters of its runs were valid.</li>
 *   <li>Changed in every valid run: bad.</li>
 *   <li>Runs that disagree make the step flaky: it gets more runs (doubling) up to {@code maxRuns}. At
 *       the bound it is bad when at least {@code max(2, valid/6)} runs changed (a change seen again and
 *       again is the change, even if not every time; the bisection is then marked flaky), else
 *       skipped: a single changed run in many says neither.</li>
 *   <li>A latency significantly different from the good end's is bad; one that is not, while it is
 *       significantly different from the bad end's, is good; neither: more runs, skipped at the bound.</li>
 *   <li>Bad by any criterion in use is bad.</li>
 * </ul>
 * These follow the shape of syzkaller's bisection rules (see FACTS.md), sized for fewer, slower runs.
 */
public final class StepRule {
    /** One run of a step, compared with the good end. */
    public enum Run { UNCHANGED, CHANGED, INVALID }

    /** The step's latency sample against the ends'. */
    public enum Latency { UNCHANGED, CHANGED, UNDECIDED }

    /**
     * @param state    GOOD, BAD or SKIP; null when the step needs {@code moreRuns} more runs first
     * @param flaky    the step's runs disagreed
     * @param reason   one line: why
     */
    public record Decision(Search.State state, int moreRuns, boolean flaky, String reason) {
        public boolean needsMore() {
            return state == null;
        }
    }

    private final int minRuns;
    private final int maxRuns;

    public StepRule(int minRuns, int maxRuns) {
        if (minRuns < 1 || maxRuns < minRuns) {
            throw new IllegalArgumentException("runs per step: need 1 <= min <= max, got " + minRuns + ".." + maxRuns);
        }
        this.minRuns = minRuns;
        this.maxRuns = maxRuns;
    }

    public int minRuns() {
        return minRuns;
    }

    public int maxRuns() {
        return maxRuns;
    }

    /**
     * @param runs    every run so far, each compared with the good end; empty list if the per-run criteria
     *                are off is fine as long as the count is right: pass UNCHANGED for valid runs then
     * @param perRun  whether verdicts or splats count
     * @param latency the latency comparison, or null when latency does not count
     */
    public Decision decide(List<Run> runs, boolean perRun, Latency latency) {
        int r = runs.size();
        int valid = (int) runs.stream().filter(x -> x != Run.INVALID).count();
        int changed = (int) runs.stream().filter(x -> x == Run.CHANGED).count();
        if (r < minRuns) {
            return more(minRuns - r, false, r == 0 ? "not run yet" : r + " of " + minRuns + " runs done");
        }
        boolean canGrow = r < maxRuns;
        int grow = Math.min(r, maxRuns - r);
        if (2 * valid < r) {
            String why = (r - valid) + " of " + r + " runs invalid (kfit's own errors)";
            return canGrow ? more(grow, false, why) : new Decision(Search.State.SKIP, 0, false, "untestable: " + why);
        }
        boolean wasFlaky = r > minRuns;
        Decision byRuns = null;
        if (perRun) {
            String counts = changed + " of " + valid + " valid runs changed";
            if (changed == 0) {
                if (!wasFlaky || 4 * valid >= 3 * r) {
                    byRuns = new Decision(Search.State.GOOD, 0, false, counts);
                } else {
                    byRuns = canGrow ? more(grow, true, counts + ", too many invalid for a flaky step")
                            : new Decision(Search.State.SKIP, 0, true, counts + ", but " + (r - valid) + " of " + r + " invalid");
                }
            } else if (changed == valid) {
                byRuns = new Decision(Search.State.BAD, 0, false, counts);
            } else if (canGrow) {
                byRuns = more(grow, true, "flaky: " + counts);
            } else if (changed >= Math.max(2, (valid + 5) / 6)) {
                byRuns = new Decision(Search.State.BAD, 0, true, "flaky: " + counts + " (at least max(2, valid/6))");
            } else {
                byRuns = new Decision(Search.State.SKIP, 0, true, "flaky: only " + counts + " after " + r + " runs");
            }
            if (byRuns.state() == Search.State.BAD) {
                return byRuns;
            }
        }
        Decision byLatency = null;
        if (latency != null) {
            byLatency = switch (latency) {
                case CHANGED -> new Decision(Search.State.BAD, 0, false, "latency moved from the good end's");
                case UNCHANGED -> new Decision(Search.State.GOOD, 0, false, "latency stayed at the good end's, away from the bad end's");
                case UNDECIDED -> canGrow ? more(grow, true, "latency: neither rank test decides")
                        : new Decision(Search.State.SKIP, 0, true, "latency undecided after " + r + " runs");
            };
            if (byLatency.state() == Search.State.BAD) {
                return byLatency;
            }
        }
        if (byRuns == null && byLatency == null) {
            throw new IllegalArgumentException("no criterion counts");
        }
        for (Decision d : new Decision[] {byRuns, byLatency}) {
            if (d != null && d.needsMore()) {
                return d;
            }
        }
        for (Decision d : new Decision[] {byRuns, byLatency}) {
            if (d != null && d.state() == Search.State.SKIP) {
                return d;
            }
        }
        return byRuns != null && byLatency != null
                ? new Decision(Search.State.GOOD, 0, byRuns.flaky(), byRuns.reason() + "; " + byLatency.reason())
                : byRuns != null ? byRuns : byLatency;
    }

    private static Decision more(int n, boolean flaky, String why) {
        return new Decision(null, n, flaky, why);
    }

    /**
     * The confidence that no good step is really bad: the product over good steps of the chance that a
     * bad step would have shown the change in that many valid runs, {@code 1-(1-p)^runs}, where {@code p}
     * is how often the bad end showed it (syzkaller's formula). Steps decided by latency contribute
     * {@code 1 - p-value} of their rank test against the bad end instead.
     */
    public static double confidence(List<Double> goodStepFactors) {
        double c = 1;
        for (double f : goodStepFactors) {
            c *= f;
        }
        return c;
    }

    /** One good step's factor: {@code 1-(1-p)^validRuns}. */
    public static double goodStepFactor(double p, int validRuns) {
        return 1 - Math.pow(1 - p, validRuns);
    }

    /** syzkaller publishes a bisection at this confidence or more; kfit says "low confidence" below it. */
    public static final double CONFIDENT = 0.66;
}
