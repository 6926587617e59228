package dev.kfit.scenario.dmabuf;

import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DmabufCheckerTest {
    private static final long MS = 1_000_000L;
    private final DmabufChecker checker = new DmabufChecker(Duration.ofSeconds(30));
    /** Unbind from 3 s to 3.02 s, holder told to let go at 4 s. */
    private final HolderRace.Result prompt = new HolderRace.Result(3000 * MS, 3020 * MS, true, null, 4000 * MS, "signal",
            5000 * MS, List.of());

    private static DmabufObservation.Probe probe(String when, long atMs, boolean ok) {
        return new DmabufObservation.Probe(when, atMs * MS, ok, ok ? null : "No such device");
    }

    @Test
    void aClosedDeviceRevokesTheImportAndTheUnbindDoesNotWait() {
        Judgement j = checker.judge(new DmabufObservation(true, null, null, prompt, "unbind", 1000 * MS, "close_after",
                List.of(probe("after_close", 1001, false), probe("signal", 3500, false)), 0), List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.REVOKED);
        assertThat(j.notes().get("holder")).isEqualTo("closed its VFIO device (before the unbind); re-import after it:"
                + " refused (No such device)");
        assertThat(j.notes().get("peer")).contains("rxe cannot import a dma-buf");
    }

    @Test
    void aReimportThatStillWorksAfterTheUnbindIsAFinding() {
        Judgement j = checker.judge(new DmabufObservation(true, null, null, prompt, "unbind", null, null,
                List.of(probe("signal", 3500, true)), 0), List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.REACHABLE_AFTER_UNBIND);
    }

    @Test
    void closingOnTheRequestIsTheProtocolWithTheImportRevoked() {
        Judgement j = checker.judge(new DmabufObservation(true, null, null, prompt, "unbind", 3005 * MS, "request",
                List.of(probe("after_close", 3006, false), probe("signal", 3500, false)), 1), List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.RELEASED_ON_REQUEST);
    }

    @Test
    void probesBeforeTheRevokePointDoNotDecide() {
        DmabufObservation o = new DmabufObservation(true, null, null, prompt, "unbind", 1000 * MS, "close_after",
                List.of(probe("signal", 500, true), probe("after_close", 1001, false)), 0);
        assertThat(DmabufChecker.probesAfterRevokePoint(o)).extracting(DmabufObservation.Probe::when).containsExactly("after_close");
        assertThat(checker.judge(o, List.of()).verdict()).isEqualTo(Verdict.REVOKED);
    }

    @Test
    void noReimportAfterTheUnbindLeavesKfitUnableToSay() {
        Judgement j = checker.judge(new DmabufObservation(true, null, null, prompt, "unbind", null, null, List.of(), 0), List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.INFRA_ERROR);
    }

    @Test
    void aKernelWithoutVfiosDmabufExportIsUnsupported() {
        Judgement j = checker.judge(new DmabufObservation(false, null, "VFIO_DEVICE_FEATURE_DMA_BUF on BAR 2: Invalid argument",
                null, "unbind", null, null, List.of(), 0), List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.UNSUPPORTED);
        assertThat(j.notes()).containsEntry("reason", "VFIO_DEVICE_FEATURE_DMA_BUF on BAR 2: Invalid argument");
    }

    @Test
    void anUnbindThatWaitedForTheHolderToExitIsBlocked() {
        HolderRace.Result blocked = new HolderRace.Result(3000 * MS, 12_010 * MS, true, null, 12_000 * MS, "hold_elapsed",
                13_000 * MS, List.of());
        assertThat(checker.judge(new DmabufObservation(true, null, null, blocked, "unbind", null, null, List.of(), 1),
                List.of()).verdict()).isEqualTo(Verdict.BLOCKED_UNTIL_RELEASE);
    }
}
