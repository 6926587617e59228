package dev.kfit.scenario.odp;

import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Outcome;
import dev.kfit.verdict.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OdpCheckerTest {
    private static final long S = 1_000_000_000L;
    private final OdpChecker checker = new OdpChecker(Duration.ofSeconds(30));

    /** Unbind from 10 s to 10.04 s; the holder let go at 14 s, told to after the probe. */
    private static HolderRace.Result prompt() {
        return new HolderRace.Result(10 * S, 10 * S + 40_000_000L, true, null, 14 * S, "signal", 15 * S, List.of());
    }

    private static OdpObservation obs(String read, String write, boolean peer, long after, String err, Double errMs) {
        return new OdpObservation(Outcome.OK, null, null, prompt(), "unbind", read, write, peer, 40, after, err, errMs);
    }

    private Judgement judge(OdpObservation o) {
        return checker.judge(o, List.of());
    }

    @Test
    void promptUnbindAfterWhichNothingReachesTheMemoryIsRevoked() {
        Judgement j = judge(obs("sigbus", "sigbus", true, 0, "IBV_WC_REM_ACCESS_ERR", 12.0));
        assertThat(j.verdict()).isEqualTo(Verdict.REVOKED);
        assertThat(j.measurements()).contains(Measurement.ms("unbind_ms", 40.0), Measurement.count("peer_writes_after_unbind", 0),
                Measurement.ms("peer_first_error_after_unbind_ms", 12.0));
        assertThat(j.notes()).containsEntry("holder", "after the unbind: read sigbus, write sigbus")
                .containsEntry("peer", "writes landed until the unbind, none after it; the first failed with IBV_WC_REM_ACCESS_ERR");
        assertThat(j.measurements()).contains(Measurement.count("peer_writes_before_unbind", 40));
    }

    @Test
    void aPeerWriteLandingAfterThePromptUnbindIsAFinding() {
        Judgement j = judge(obs("sigbus", "sigbus", true, 3, null, null));
        assertThat(j.verdict()).isEqualTo(Verdict.REACHABLE_AFTER_UNBIND);
        assertThat(j.verdict().isFinding()).isTrue();
    }

    @Test
    void aHolderStillReadingItsMappingAfterThePromptUnbindIsAFinding() {
        assertThat(judge(obs("ok", "ok", false, 0, null, null)).verdict()).isEqualTo(Verdict.REACHABLE_AFTER_UNBIND);
    }

    @Test
    void anUnbindThatWaitedForTheReleaseIsBlocked() {
        HolderRace.Result blocked = new HolderRace.Result(10 * S, 22 * S, true, null, 21 * S, "hold_elapsed", 23 * S, List.of());
        Judgement j = judge(new OdpObservation(Outcome.OK, null, null, blocked, "unbind", null, null, false, 0, 0, null, null));
        assertThat(j.verdict()).isEqualTo(Verdict.BLOCKED_UNTIL_RELEASE);
        assertThat(j.measurements()).contains(Measurement.ms("blocked_after_release_ms", 1000.0));
    }

    @Test
    void anUnbindStillOutAGraceAfterTheReleaseIsHungAndBeforeThatUnknown() {
        HolderRace.Result hung = new HolderRace.Result(10 * S, null, null, null, 21 * S, "hold_elapsed", 52 * S, List.of());
        assertThat(judge(new OdpObservation(Outcome.OK, null, null, hung, "unbind", null, null, false, 0, 0, null, null))
                .verdict()).isEqualTo(Verdict.HUNG);
        HolderRace.Result early = new HolderRace.Result(10 * S, null, null, null, 21 * S, "hold_elapsed", 30 * S, List.of());
        Judgement j = judge(new OdpObservation(Outcome.OK, null, null, early, "unbind", null, null, false, 0, 0, null, null));
        assertThat(j.verdict()).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(j.error()).contains("did not watch for the whole grace");
    }

    @Test
    void aDeviceWithoutOdpIsUnsupportedWithTheGuestsReason() {
        Judgement j = judge(new OdpObservation(Outcome.FAILED, "Operation not supported (errno 95)",
                "rxe0 reports no on-demand paging", null, "unbind", null, null, false, 0, 0, null, null));
        assertThat(j.verdict()).isEqualTo(Verdict.UNSUPPORTED);
        assertThat(j.verdict().isKernelVerdict()).isTrue();
        assertThat(j.verdict().isFinding()).isFalse();
        assertThat(j.notes()).containsEntry("reason", "rxe0 reports no on-demand paging");
    }

    @Test
    void aHolderThatNeverSaidWhatItsAccessDidLeavesTheVerdictToKfitsError() {
        Judgement j = judge(obs(null, null, false, 0, null, null));
        assertThat(j.verdict()).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(j.error()).contains("did not report its access");
    }

    @Test
    void aRefusedRegistrationWithOdpCapsIsARefusalNotUnsupported() {
        Judgement j = judge(new OdpObservation(Outcome.FAILED, "Bad address (errno 14)", null, null, "unbind", null, null,
                false, 0, 0, null, null));
        assertThat(j.verdict()).isEqualTo(Verdict.PIN_REFUSED);
        assertThat(j.notes()).containsEntry("reason", "ODP registration refused: Bad address (errno 14)");
    }
}
