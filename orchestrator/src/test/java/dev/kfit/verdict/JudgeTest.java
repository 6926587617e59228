package dev.kfit.verdict;

import dev.kfit.monitor.Splat;
import dev.kfit.monitor.SplatType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JudgeTest {
    private static final Observation SEEN = Map::of;
    private static final Checker PASSES = (o, s) -> Judgement.of(Verdict.PROMPT, List.of(Measurement.ms("unbind_ms", 5)), null);
    private static final Checker THROWS = (o, s) -> {
        throw new IllegalStateException("no field 'unbind_end_ns'");
    };

    @Test
    void aCheckerThatThrowsGivesKfitsOwnErrorNeverAKernelVerdict() {
        Judgement j = Judge.judge(SEEN, List.of(), null, THROWS);

        assertThat(j.verdict()).isEqualTo(Verdict.CHECKER_ERROR);
        assertThat(j.verdict().isKernelVerdict()).isFalse();
        assertThat(j.verdict().isFinding()).isFalse();
        assertThat(j.error()).contains("IllegalStateException").contains("no field 'unbind_end_ns'");
        assertThat(j.measurements()).isEmpty();
    }

    @Test
    void aCheckerThatReturnsNothingIsKfitsErrorToo() {
        assertThat(Judge.judge(SEEN, List.of(), null, (o, s) -> null).verdict()).isEqualTo(Verdict.CHECKER_ERROR);
    }

    @Test
    void aCrashOutranksEverythingForAnyType() {
        List<Splat> oops = List.of(new Splat(SplatType.OOPS, "BUG: kernel NULL pointer dereference", "...", 1.0));
        assertThat(Judge.judge(SEEN, oops, null, THROWS).verdict()).isEqualTo(Verdict.CRASH);
        assertThat(Judge.judge(null, oops, "SSH lost", PASSES).verdict()).isEqualTo(Verdict.CRASH);
        // The checker's figures stay with the crash.
        assertThat(Judge.judge(SEEN, oops, null, PASSES).measurements()).hasSize(1);
    }

    @Test
    void infrastructureAndMissingObservationsAreInfraErrors() {
        Judgement lost = Judge.judge(SEEN, List.of(), "SSH connection lost", PASSES);
        assertThat(lost.verdict()).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(lost.error()).isEqualTo("SSH connection lost");
        Judgement none = Judge.judge(null, List.of(), null, PASSES);
        assertThat(none.verdict()).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(none.error()).isEqualTo(Judge.NO_OBSERVATION);
        assertThat(Judge.judge(SEEN, List.of(), null, PASSES).verdict()).isEqualTo(Verdict.PROMPT);
    }
}
