package dev.kfit.scenario.vfio;

import dev.kfit.scenario.HolderRace;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VfioCheckerTest {
    private static final long MS = 1_000_000L;
    private final VfioChecker checker = new VfioChecker(Duration.ofSeconds(30));

    @Test
    void aHolderIgnoringTheRequestsBlocksTheUnbindUntilItsRelease() {
        // Unbind at 3 s; requests at once and 10 s later; the holder let go at 15 s; the unbind returned 5 ms after.
        HolderRace.Result r = new HolderRace.Result(3000 * MS, 15_005 * MS, true, null, 15_000 * MS, "hold_elapsed",
                16_000 * MS, List.of());
        Judgement j = checker.judge(new VfioObservation(true, null, null, r, "unbind", "ignore",
                List.of(3001 * MS, 13_002 * MS), null), List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.BLOCKED_UNTIL_RELEASE);
        assertThat(j.measurements()).contains(Measurement.ms("unbind_ms", 12_005.0), Measurement.count("requests_sent", 2),
                Measurement.ms("first_request_ms", 1.0), Measurement.ms("request_interval_ms", 10_001.0),
                Measurement.ms("blocked_after_release_ms", 5.0));
        assertThat(j.notes().get("holder")).isEqualTo("2 requests, ignored; let go at the hold's end");
    }

    @Test
    void aHolderLettingGoOnTheFirstRequestIsTheProtocolWorking() {
        HolderRace.Result r = new HolderRace.Result(3000 * MS, 3030 * MS, true, null, 3012 * MS, "request", 4000 * MS, List.of());
        Judgement j = checker.judge(new VfioObservation(true, null, null, r, "unbind", "release", List.of(3002 * MS), null),
                List.of());
        assertThat(j.verdict()).isEqualTo(Verdict.RELEASED_ON_REQUEST);
        assertThat(j.verdict().isFinding()).isFalse();
        assertThat(j.measurements()).contains(Measurement.ms("unbind_ms", 30.0), Measurement.ms("holder_reaction_ms", 10.0),
                Measurement.count("requests_sent", 1));
    }

    @Test
    void requestsBeforeTheFaultDoNotCount() {
        HolderRace.Result r = new HolderRace.Result(3000 * MS, 3030 * MS, true, null, 3012 * MS, "request", 4000 * MS, List.of());
        assertThat(VfioChecker.requestsDuringFault(new VfioObservation(true, null, null, r, "unbind", "release",
                List.of(1000 * MS, 3002 * MS), null))).containsExactly(3002 * MS);
    }

    @Test
    void noIommuGroupIsUnsupportedAndAFailedOpenIsKfitsOwnError() {
        Judgement u = checker.judge(new VfioObservation(false, null, "0000:01:00.0 has no IOMMU group", null, "unbind",
                "ignore", List.of(), null), List.of());
        assertThat(u.verdict()).isEqualTo(Verdict.UNSUPPORTED);
        assertThat(u.notes()).containsEntry("reason", "0000:01:00.0 has no IOMMU group");
        Judgement e = checker.judge(new VfioObservation(false, "open_group: Device or resource busy", null, null, "unbind",
                "ignore", List.of(), null), List.of());
        assertThat(e.verdict()).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(e.error()).isEqualTo("the VFIO holder did not open the device: open_group: Device or resource busy");
    }

    @Test
    void anUnbindReturningWhileTheDeviceIsOpenIsPrompt() {
        HolderRace.Result r = new HolderRace.Result(3000 * MS, 3010 * MS, true, null, 5000 * MS, "signal", 6000 * MS, List.of());
        assertThat(checker.judge(new VfioObservation(true, null, null, r, "pci-remove", "ignore", List.of(), "sigbus"),
                List.of()).measurements()).contains(Measurement.ms("pci_remove_ms", 10.0));
        assertThat(checker.judge(new VfioObservation(true, null, null, r, "unbind", "ignore", List.of(), "sigbus"),
                List.of()).verdict()).isEqualTo(Verdict.PROMPT);
    }
}
