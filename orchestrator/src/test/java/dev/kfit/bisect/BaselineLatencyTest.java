package dev.kfit.bisect;

import dev.kfit.report.CellResult;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The latency criterion of a step, with numbers like those of BisectIT's commit range (a planted 1 s sleep). */
class BaselineLatencyTest {
    private final Baseline ends = new Baseline(
            List.of(Cells.refused(257), Cells.refused(255), Cells.refused(235), Cells.refused(301), Cells.refused(183)),
            List.of(Cells.refused(1185), Cells.refused(1173), Cells.refused(1223), Cells.refused(1226), Cells.refused(1200)),
            EnumSet.of(Baseline.Criterion.LATENCY), null);

    private static List<CellResult> step(double... ms) {
        return java.util.Arrays.stream(ms).mapToObj(Cells::refused).toList();
    }

    @Test
    void aStepAsSlowAsTheBadEndChanged() {
        assertThat(ends.latency(step(1163, 1191, 1196))).isEqualTo(StepRule.Latency.CHANGED);
    }

    @Test
    void aStepFasterThanAGoodEndThatRanSlowIsLikeTheGoodEndNotTheBad() {
        // Measured: the good end ran while the machine was busy (183-301 ms); the step before the planted
        // commit then gave 152-164 ms. Different from the good end, but away from the bad end.
        assertThat(ends.latency(step(155, 164, 152))).isEqualTo(StepRule.Latency.UNCHANGED);
    }

    @Test
    void aStepWithTwoValidRunsIsUndecidedHoweverSlow() {
        // Too few for the rank test: the step gets more runs (compare's jump rule is not bisect's).
        assertThat(ends.latency(step(1163, 1191))).isEqualTo(StepRule.Latency.UNDECIDED);
    }

    @Test
    void aStepLikeTheGoodEndIsUnchanged() {
        assertThat(ends.latency(step(240, 260, 250))).isEqualTo(StepRule.Latency.UNCHANGED);
    }
}
