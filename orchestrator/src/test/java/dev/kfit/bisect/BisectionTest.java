package dev.kfit.bisect;

import dev.kfit.error.BadInputException;
import dev.kfit.report.CellResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BisectionTest {
    /** Points whose k-th run is {@code outcome.apply(point).apply(k)}; untestable points throw; runs are kept. */
    static final class FakeSteps implements Bisection.Steps {
        final Map<Integer, List<CellResult>> recorded = new HashMap<>();
        final Map<Integer, IntFunction<CellResult>> outcome;
        final Set<Integer> untestable;
        int runsMade;

        FakeSteps(Map<Integer, IntFunction<CellResult>> outcome, Set<Integer> untestable) {
            this.outcome = outcome;
            this.untestable = untestable;
        }

        @Override
        public List<CellResult> run(int point, int more) throws Bisection.Untestable {
            if (untestable.contains(point)) {
                throw new Bisection.Untestable("0002-x.patch does not apply");
            }
            List<CellResult> runs = recorded.computeIfAbsent(point, p -> new ArrayList<>());
            for (int i = 0; i < more; i++) {
                runs.add(outcome.get(point).apply(runs.size()));
                runsMade++;
            }
            return List.copyOf(runs);
        }
    }

    /** A series of n patches where patch {@code firstBad} makes the unbind block. */
    static Map<Integer, IntFunction<CellResult>> series(int n, int firstBad) {
        Map<Integer, IntFunction<CellResult>> m = new HashMap<>();
        for (int p = 0; p <= n; p++) {
            boolean bad = p >= firstBad;
            m.put(p, k -> bad ? Cells.blocked(10_000 + k) : Cells.refused(150 + k));
        }
        return m;
    }

    static final class Recorder implements Bisection.Listener {
        final List<String> lines = new ArrayList<>();

        @Override
        public void ends(Baseline baseline, Bisection.Step good, Bisection.Step bad) {
            lines.add(baseline.describe());
        }

        @Override
        public void step(Bisection.Step step) {
            lines.add(step.point() + " " + step.state());
        }
    }

    private static final Bisection.Options THREE = new Bisection.Options(3, null, null, null);

    @Test
    void findsThePatchThatChangesTheOutcomeAndSaysWhatTheEndsGave() {
        FakeSteps steps = new FakeSteps(series(5, 3), Set.of());
        Recorder rec = new Recorder();
        Bisection.Result r = Bisection.run(5, THREE, steps, rec);
        assertThat(r.firstBad()).isEqualTo(3);
        assertThat(r.lastGood()).isEqualTo(2);
        assertThat(r.exact()).isTrue();
        assertThat(r.flaky()).isFalse();
        assertThat(r.confidence()).isEqualTo(1.0);
        assertThat(r.steps()).extracting(Bisection.Step::point).containsExactly(2, 3);
        assertThat(rec.lines.get(0))
                .contains("good end: PIN_REFUSED x5, no splat, unbind_ms median 152 ms")
                .contains("bad end:  BLOCKED_UNTIL_RELEASE x5, HUNG_TASK INFO: task kfit-guest blocked in state D in memunmap_pages x5")
                .contains("gives a verdict other than PIN_REFUSED (the bad end: BLOCKED_UNTIL_RELEASE)")
                .contains("prints a splat the good end did not")
                .contains("moves unbind_ms away from the good end's");
        Bisection.Step bad = r.steps().get(1);
        assertThat(bad.changes()).contains("verdict BLOCKED_UNTIL_RELEASE");
    }

    @Test
    void aSeriesOfOnePatchRunsOnlyTheEnds() {
        FakeSteps steps = new FakeSteps(series(1, 1), Set.of());
        Bisection.Result r = Bisection.run(1, THREE, steps, new Recorder());
        assertThat(r.firstBad()).isEqualTo(1);
        assertThat(r.steps()).isEmpty();
        assertThat(r.exact()).isTrue();
        assertThat(steps.recorded.keySet()).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void endsThatDoNotDifferAreRefused() {
        FakeSteps steps = new FakeSteps(series(4, 99), Set.of());
        assertThatThrownBy(() -> Bisection.run(4, THREE, steps, new Recorder()))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("the ends do not differ")
                .hasMessageContaining("good end: PIN_REFUSED x5")
                .hasMessageContaining("bad end:  PIN_REFUSED x5");
        assertThat(steps.recorded.keySet()).containsExactlyInAnyOrder(0, 4);
    }

    @Test
    void endsThatDifferOnlyByACriterionNotInUseAreRefused() {
        FakeSteps steps = new FakeSteps(series(4, 2), Set.of());
        Bisection.Options splatOnly = new Bisection.Options(3, null, Set.of(Baseline.Criterion.SPLAT), null);
        Map<Integer, IntFunction<CellResult>> noSplat = new HashMap<>(series(4, 2));
        noSplat.put(4, k -> Cells.cell("BLOCKED_UNTIL_RELEASE", null, 10_000));
        assertThatThrownBy(() -> Bisection.run(4, splatOnly, new FakeSteps(noSplat, Set.of()), new Recorder()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("the ends do not differ");
        assertThat(Bisection.run(4, splatOnly, steps, new Recorder()).firstBad()).isEqualTo(2);
    }

    @Test
    void skippedStepsAreGoneAroundAndNamedAsCandidates() {
        FakeSteps steps = new FakeSteps(series(6, 4), Set.of(3));
        Recorder rec = new Recorder();
        Bisection.Result r = Bisection.run(6, THREE, steps, rec);
        assertThat(r.firstBad()).isEqualTo(4);
        assertThat(r.lastGood()).isEqualTo(2);
        assertThat(r.candidates()).containsExactly(3, 4);
        assertThat(r.exact()).isFalse();
        Bisection.Step skipped = r.steps().stream().filter(s -> s.point() == 3).findFirst().orElseThrow();
        assertThat(skipped.state()).isEqualTo(Search.State.SKIP);
        assertThat(skipped.reason()).isEqualTo("untestable: 0002-x.patch does not apply");
    }

    @Test
    void aStepWhoseRunsMostlyFailToBootIsSkipped() {
        Map<Integer, IntFunction<CellResult>> m = series(4, 3);
        m.put(2, k -> Cells.infra());
        Bisection.Result r = Bisection.run(4, THREE, new FakeSteps(m, Set.of()), new Recorder());
        assertThat(r.candidates()).containsExactly(2, 3);
        assertThat(r.steps().stream().filter(s -> s.point() == 2).findFirst().orElseThrow().reason())
                .startsWith("untestable: 10 of 10 runs invalid");
    }

    @Test
    void aFlakyStepGetsMoreRunsAndMarksTheResultFlaky() {
        Map<Integer, IntFunction<CellResult>> m = series(4, 3);
        // Point 2 blocks every third run: runs disagree, the step is run up to the bound, and a change seen
        // in a third of the runs is the change.
        m.put(2, k -> k % 3 == 0 ? Cells.blocked(10_000) : Cells.refused(150));
        Bisection.Options opts = new Bisection.Options(3, 12, Set.of(Baseline.Criterion.VERDICT), null);
        FakeSteps steps = new FakeSteps(m, Set.of());
        Bisection.Result r = Bisection.run(4, opts, steps, new Recorder());
        assertThat(r.firstBad()).isEqualTo(2);
        assertThat(steps.recorded.get(2)).hasSize(12);
        Bisection.Step two = r.steps().stream().filter(s -> s.point() == 2).findFirst().orElseThrow();
        assertThat(two.flaky()).isTrue();
        assertThat(two.changed()).isEqualTo(4);
        assertThat(r.flaky()).isTrue();
    }

    @Test
    void aFlakyBadEndLowersTheConfidenceOfGoodSteps() {
        Map<Integer, IntFunction<CellResult>> m = series(4, 3);
        // The change shows in half the runs of every bad point.
        for (int p = 3; p <= 4; p++) {
            m.put(p, k -> k % 2 == 0 ? Cells.blocked(10_000) : Cells.refused(150));
        }
        Bisection.Options opts = new Bisection.Options(3, 12, Set.of(Baseline.Criterion.VERDICT), null);
        Bisection.Result r = Bisection.run(4, opts, new FakeSteps(m, Set.of()), new Recorder());
        assertThat(r.firstBad()).isEqualTo(3);
        assertThat(r.flaky()).isTrue();
        // One good step (2) with 3 valid runs against a bad end that changed in half of its 12: 1-(1/2)^3.
        assertThat(r.confidence()).isEqualTo(0.875);
        assertThat(r.confidence()).isGreaterThan(StepRule.CONFIDENT);
    }

    @Test
    void latencyAloneCanDecide() {
        Map<Integer, IntFunction<CellResult>> m = new HashMap<>();
        for (int p = 0; p <= 6; p++) {
            boolean slow = p >= 5;
            m.put(p, k -> Cells.refused(slow ? 400 + k : 150 + k));
        }
        Bisection.Options opts = new Bisection.Options(1, null, null, null);
        Bisection.Result r = Bisection.run(6, opts, new FakeSteps(m, Set.of()), new Recorder());
        assertThat(r.firstBad()).isEqualTo(5);
        assertThat(r.exact()).isTrue();
        // Steps are run at least 3 times for a latency criterion.
        assertThat(r.steps()).allSatisfy(s -> assertThat(s.runs()).isGreaterThanOrEqualTo(3));
    }

    @Test
    void aResumedBisectionRunsNothingAgainAndTakesTheSamePath() {
        FakeSteps steps = new FakeSteps(series(9, 6), Set.of(4));
        Bisection.Result first = Bisection.run(9, THREE, steps, new Recorder());
        int made = steps.runsMade;
        Bisection.Result again = Bisection.run(9, THREE, steps, new Recorder());
        assertThat(steps.runsMade).isEqualTo(made);
        assertThat(again).isEqualTo(first);
    }

    @Test
    void aMeasurementTheEndsDoNotHaveIsRefused() {
        Bisection.Options opts = new Bisection.Options(3, null, Set.of(Baseline.Criterion.LATENCY), List.of("no_such_ms"));
        assertThatThrownBy(() -> Bisection.run(4, opts, new FakeSteps(series(4, 2), Set.of()), new Recorder()))
                .isInstanceOf(BadInputException.class)
                .hasMessage("--measurement no_such_ms: the good end's runs do not measure it (they have: unbind_ms)");
    }

    @Test
    void aGoodEndThatMostlyFailsToRunIsRefusedAfterMoreRuns() {
        Map<Integer, IntFunction<CellResult>> m = series(4, 2);
        m.put(0, k -> Cells.infra());
        FakeSteps steps = new FakeSteps(m, Set.of());
        assertThatThrownBy(() -> Bisection.run(4, THREE, steps, new Recorder()))
                .isInstanceOf(BadInputException.class)
                .hasMessage("the good end cannot be tested: 10 of 10 runs ended in kfit's own errors (INFRA_ERROR)");
        assertThat(steps.recorded).doesNotContainKey(4);
    }

    @Test
    void aStepBadByLatencyWithUnchangedVerdictsIsNotFlaky() {
        Map<Integer, IntFunction<CellResult>> m = new HashMap<>();
        for (int p = 0; p <= 4; p++) {
            boolean slow = p >= 2;
            boolean blocked = p >= 4;
            m.put(p, k -> blocked ? Cells.blocked(10_000 + k) : Cells.refused(slow ? 400 + k : 150 + k));
        }
        Bisection.Result r = Bisection.run(4, new Bisection.Options(3, null, null, null), new FakeSteps(m, Set.of()), new Recorder());
        assertThat(r.firstBad()).isEqualTo(2);
        assertThat(r.flaky()).isFalse();
    }
}
