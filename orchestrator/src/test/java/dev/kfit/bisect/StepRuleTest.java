package dev.kfit.bisect;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.kfit.bisect.StepRule.Run.CHANGED;
import static dev.kfit.bisect.StepRule.Run.INVALID;
import static dev.kfit.bisect.StepRule.Run.UNCHANGED;
import static org.assertj.core.api.Assertions.assertThat;

class StepRuleTest {
    private final StepRule rule = new StepRule(3, 12);

    private static List<StepRule.Run> runs(int changed, int unchanged, int invalid) {
        List<StepRule.Run> r = new ArrayList<>();
        r.addAll(Collections.nCopies(changed, CHANGED));
        r.addAll(Collections.nCopies(unchanged, UNCHANGED));
        r.addAll(Collections.nCopies(invalid, INVALID));
        return r;
    }

    @Test
    void runsTheMinimumFirst() {
        StepRule.Decision d = rule.decide(runs(0, 1, 0), true, null);
        assertThat(d.needsMore()).isTrue();
        assertThat(d.moreRuns()).isEqualTo(2);
    }

    @Test
    void agreeingRunsDecide() {
        assertThat(rule.decide(runs(0, 3, 0), true, null).state()).isEqualTo(Search.State.GOOD);
        assertThat(rule.decide(runs(3, 0, 0), true, null).state()).isEqualTo(Search.State.BAD);
        // One invalid run of three does not matter when the others agree.
        assertThat(rule.decide(runs(2, 0, 1), true, null).state()).isEqualTo(Search.State.BAD);
    }

    @Test
    void disagreeingRunsMakeAFlakyStepThatGetsMoreRunsDoublingUpToTheBound() {
        StepRule.Decision d = rule.decide(runs(1, 2, 0), true, null);
        assertThat(d.needsMore()).isTrue();
        assertThat(d.flaky()).isTrue();
        assertThat(d.moreRuns()).isEqualTo(3);
        d = rule.decide(runs(2, 4, 0), true, null);
        assertThat(d.moreRuns()).isEqualTo(6);
        d = rule.decide(runs(4, 8, 0), true, null);
        assertThat(d.state()).isEqualTo(Search.State.BAD);
        assertThat(d.flaky()).isTrue();
    }

    @Test
    void aSingleChangeInManyRunsDecidesNothing() {
        StepRule.Decision d = rule.decide(runs(1, 11, 0), true, null);
        assertThat(d.state()).isEqualTo(Search.State.SKIP);
        assertThat(d.reason()).contains("only 1 of 12");
    }

    @Test
    void aFlakyStepIsGoodOnlyWithThreeQuartersOfItsRunsValid() {
        assertThat(rule.decide(runs(0, 5, 1), true, null).state()).isEqualTo(Search.State.GOOD);
        assertThat(rule.decide(runs(0, 4, 2), true, null).needsMore()).isTrue();
        assertThat(rule.decide(runs(0, 8, 4), true, null).state()).isEqualTo(Search.State.SKIP);
    }

    @Test
    void mostlyInvalidRunsAreRetriedThenTheStepIsUntestable() {
        assertThat(rule.decide(runs(0, 1, 2), true, null).needsMore()).isTrue();
        StepRule.Decision d = rule.decide(runs(0, 5, 7), true, null);
        assertThat(d.state()).isEqualTo(Search.State.SKIP);
        assertThat(d.reason()).startsWith("untestable: 7 of 12 runs invalid");
    }

    @Test
    void latencyDecidesWithTheRankTestAgainstBothEnds() {
        assertThat(rule.decide(runs(0, 3, 0), false, StepRule.Latency.CHANGED).state()).isEqualTo(Search.State.BAD);
        assertThat(rule.decide(runs(0, 3, 0), false, StepRule.Latency.UNCHANGED).state()).isEqualTo(Search.State.GOOD);
        assertThat(rule.decide(runs(0, 3, 0), false, StepRule.Latency.UNDECIDED).needsMore()).isTrue();
        assertThat(rule.decide(runs(0, 12, 0), false, StepRule.Latency.UNDECIDED).state()).isEqualTo(Search.State.SKIP);
    }

    @Test
    void badByAnyCriterionIsBad() {
        assertThat(rule.decide(runs(0, 3, 0), true, StepRule.Latency.CHANGED).state()).isEqualTo(Search.State.BAD);
        assertThat(rule.decide(runs(3, 0, 0), true, StepRule.Latency.UNCHANGED).state()).isEqualTo(Search.State.BAD);
        assertThat(rule.decide(runs(0, 3, 0), true, StepRule.Latency.UNDECIDED).needsMore()).isTrue();
    }

    @Test
    void confidenceIsTheProductOverGoodSteps() {
        assertThat(StepRule.goodStepFactor(1.0, 3)).isEqualTo(1.0);
        assertThat(StepRule.goodStepFactor(0.5, 3)).isEqualTo(0.875);
        assertThat(StepRule.confidence(List.of(0.875, 0.875))).isEqualTo(0.765625);
        assertThat(StepRule.confidence(List.of())).isEqualTo(1.0);
    }
}
