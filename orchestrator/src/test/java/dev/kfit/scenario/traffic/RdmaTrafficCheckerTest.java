package dev.kfit.scenario.traffic;

import dev.kfit.monitor.Splat;
import dev.kfit.monitor.SplatType;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.scenario.pinned.PinnedUnbindObservation;
import dev.kfit.verdict.Judge;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Outcome;
import dev.kfit.verdict.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RdmaTrafficCheckerTest {
    private static final long S = 1_000_000_000L;
    private static final RdmaTrafficChecker CHECKER = new RdmaTrafficChecker(Duration.ofSeconds(30));
    private static final ScenarioOutcome.TrafficResult BASELINE = new ScenarioOutcome.TrafficResult("kfit-writer",
            812.5, null, null, null, null, 12_000, 0, List.of());

    /** No faults: the pin's unbind fields stay empty. */
    private static PinnedUnbindObservation pin(Outcome o) {
        return new PinnedUnbindObservation(o, o == Outcome.FAILED ? 14 : null, o == Outcome.OK ? 10 * S : null, null,
                null, null, null, null, 60 * S);
    }

    private static Judgement judge(TrafficObservation o, List<Splat> splats) {
        return Judge.judge(o, splats, null, CHECKER);
    }

    @Test
    void aFaultFreeBaselineGetsAKernelVerdictAndItsTrafficAsMeasurements() {
        Judgement j = judge(new TrafficObservation(pin(Outcome.OK), List.of(), BASELINE, true), List.of());

        assertThat(j.verdict()).isEqualTo(Verdict.TRAFFIC_OK);
        assertThat(j.verdict().isKernelVerdict()).isTrue();
        assertThat(j.verdict().isFinding()).isFalse();
        assertThat(j.error()).isNull();
        assertThat(j.measurements()).containsExactly(Measurement.mbS("before_mb_s", 812.5),
                Measurement.count("completions", 12_000), Measurement.count("errors", 0));
        assertThat(j.columns().pinOk()).isTrue();
        assertThat(j.columns().unbindMs()).isNull();
    }

    @Test
    void anUnpatchedKernelRefusingServesRegistrationIsPinRefused() {
        Judgement j = judge(new TrafficObservation(pin(Outcome.FAILED), List.of(), null, true), List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.PIN_REFUSED);
        assertThat(j.columns().pinErrno()).isEqualTo(14);
    }

    @Test
    void trafficThatNeverEndedIsHungWithAHungTaskAndKfitsErrorWithout() {
        TrafficObservation stuck = new TrafficObservation(pin(Outcome.OK), List.of(), BASELINE, false);
        Splat hung = new Splat(SplatType.HUNG_TASK, "INFO: task kfit-guest blocked for more than N seconds", "...", 20.0);

        assertThat(judge(stuck, List.of(hung)).verdict()).isEqualTo(Verdict.HUNG);
        assertThat(judge(stuck, List.of()).verdict()).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(judge(new TrafficObservation(pin(Outcome.OK), List.of(), null, true), List.of()).error())
                .isEqualTo("the client reported no traffic");
    }

    @Test
    void withFaultsTheFirstIsJudgedAgainstTheReleaseAndEachFaultIsAMeasurement() {
        PinnedUnbindObservation p = new PinnedUnbindObservation(Outcome.OK, null, 10 * S, 40 * S, 20 * S,
                40 * S + 54_000_000L, true, null, 50 * S);
        List<ScenarioOutcome.FaultResult> faults = List.of(
                new ScenarioOutcome.FaultResult("unbind", "target", 10_000.0, 20_054.0, 31_000.0, true, true, "OK", null),
                new ScenarioOutcome.FaultResult("rdma-link-delete", "target", 35_000.0, 40.0, 36_000.0, true, false, "OK", null),
                new ScenarioOutcome.FaultResult("unbind", "target", 45_000.0, 120.0, 46_000.0, true, false, "OK", null));
        Judgement j = judge(new TrafficObservation(p, faults, BASELINE, true), List.of());

        assertThat(j.verdict()).isEqualTo(Verdict.BLOCKED_UNTIL_RELEASE);
        assertThat(j.measurements()).extracting(Measurement::name).containsSubsequence("unbind_ms", "rdma_link_delete_ms",
                "unbind_2_ms", "blocked_after_release_ms");
    }
}
