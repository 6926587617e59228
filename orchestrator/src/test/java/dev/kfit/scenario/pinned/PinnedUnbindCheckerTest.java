package dev.kfit.scenario.pinned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kfit.monitor.Splat;
import dev.kfit.monitor.SplatType;
import dev.kfit.verdict.Judge;
import dev.kfit.verdict.Outcome;
import dev.kfit.verdict.Verdict;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PinnedUnbindCheckerTest {
    /** Guest CLOCK_MONOTONIC about 21 minutes after boot: realistic magnitudes, far beyond int range. */
    private static final long T = 1_262_345_678_901L;
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final Duration GRACE = Duration.ofSeconds(10);

    /** Registered at T, unbind written at T+3s, holder releases at T+20s, unbind returns 50 ms later. */
    private static PinnedUnbindObservation blocked() {
        return new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S, T + 3 * S, T + 20 * S + 50 * MS,
                true, null, T + 20 * S + 50 * MS);
    }

    private static Splat splat(SplatType type, String title) {
        return new Splat(type, title, "[ 1262.345678] " + title, 1262.345678);
    }

    /** The checker behind the generic judge, as the cell runner calls it. */
    private static Verdict judge(PinnedUnbindObservation obs, List<Splat> splats, String infra, Duration grace) {
        return Judge.judge(obs, splats, infra, new PinnedUnbindChecker(grace)).verdict();
    }

    private static Verdict classify(PinnedUnbindObservation obs) {
        return judge(obs, List.of(), null, GRACE);
    }

    @Test
    void refusedPin() {
        // EFAULT from ib_reg_mr on P2P memory; the unbind is still performed and returns promptly.
        PinnedUnbindObservation obs = new PinnedUnbindObservation(Outcome.FAILED, 14, null, null,
                T + 2 * S, T + 2 * S + 120 * MS, true, null, T + 2 * S + 120 * MS);

        assertThat(classify(obs)).isEqualTo(Verdict.PIN_REFUSED);
        assertThat(obs.unbindMs()).isCloseTo(120.0, within(1e-6));
        assertThat(obs.blockedAfterReleaseMs()).isNull();
    }

    @Test
    void unbindThatReturnsOnlyAfterReleaseIsBlocked() {
        PinnedUnbindObservation obs = blocked();

        assertThat(classify(obs)).isEqualTo(Verdict.BLOCKED_UNTIL_RELEASE);
        // Exact ns arithmetic: a long->double slip at these magnitudes would show up here.
        assertThat(obs.unbindMs()).isCloseTo(17_050.0, within(1e-6));
        assertThat(obs.blockedAfterReleaseMs()).isCloseTo(50.0, within(1e-6));
    }

    @Test
    void unbindEndingExactlyAtReleaseIsBlocked() {
        PinnedUnbindObservation obs = new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S, T + 3 * S,
                T + 20 * S, true, null, T + 20 * S);

        assertThat(classify(obs)).isEqualTo(Verdict.BLOCKED_UNTIL_RELEASE);
        assertThat(obs.blockedAfterReleaseMs()).isZero();
    }

    @Test
    void unbindOneNanosecondBeforeReleaseIsPrompt() {
        PinnedUnbindObservation obs = new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S, T + 3 * S,
                T + 20 * S - 1, true, null, T + 20 * S);

        assertThat(classify(obs)).isEqualTo(Verdict.PROMPT);
    }

    @Test
    void unbindReturningWhileThePinIsHeldIsPrompt() {
        PinnedUnbindObservation obs = new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S, T + 3 * S,
                T + 3 * S + 80 * MS, true, null, T + 3 * S + 80 * MS);

        assertThat(classify(obs)).isEqualTo(Verdict.PROMPT);
        assertThat(obs.blockedAfterReleaseMs()).isCloseTo(-16_920.0, within(1e-6));
    }

    @Test
    void noReturnAfterReleasePlusGraceIsHung() {
        PinnedUnbindObservation exactlyGrace = new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S,
                T + 3 * S, null, null, null, T + 30 * S);
        PinnedUnbindObservation longer = new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S,
                T + 3 * S, null, null, null, T + 95 * S);

        assertThat(classify(exactlyGrace)).isEqualTo(Verdict.HUNG);
        assertThat(classify(longer)).isEqualTo(Verdict.HUNG);
    }

    @Test
    void noReturnButNotWatchedForTheWholeGraceIsInfraError() {
        // kfit lost the guest 1 ms too early: a timeout of ours is not a kernel finding.
        PinnedUnbindObservation shortWatch = new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S,
                T + 3 * S, null, null, null, T + 30 * S - MS);
        PinnedUnbindObservation neverReleased = new PinnedUnbindObservation(Outcome.OK, null, T, null,
                T + 3 * S, null, null, null, T + 95 * S);
        PinnedUnbindObservation unknownWatch = new PinnedUnbindObservation(Outcome.OK, null, T, T + 20 * S,
                T + 3 * S, null, null, null, null);

        assertThat(classify(shortWatch)).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(classify(neverReleased)).isEqualTo(Verdict.INFRA_ERROR);
        assertThat(classify(unknownWatch)).isEqualTo(Verdict.INFRA_ERROR);
    }

    @Test
    void indeterminatePinIsInfraError() {
        PinnedUnbindObservation obs = new PinnedUnbindObservation(Outcome.INDETERMINATE, null, null, null,
                T + 3 * S, T + 3 * S + 100 * MS, true, null, T + 4 * S);

        assertThat(classify(obs)).isEqualTo(Verdict.INFRA_ERROR);
    }

    @Test
    void unbindNeverStartedIsInfraError() {
        PinnedUnbindObservation obs = new PinnedUnbindObservation(Outcome.OK, null, T, null, null, null, null, null, T + 60 * S);

        assertThat(classify(obs)).isEqualTo(Verdict.INFRA_ERROR);
    }

    @Test
    void infraErrorMessageWinsOverAnObservation() {
        assertThat(judge(blocked(), List.of(), "SSH connection lost", GRACE)).isEqualTo(Verdict.INFRA_ERROR);
    }

    @Test
    void nullObservationIsInfraError() {
        assertThat(judge(null, List.of(), null, GRACE)).isEqualTo(Verdict.INFRA_ERROR);
    }

    @ParameterizedTest
    @EnumSource(value = SplatType.class, names = {"BUG", "OOPS", "PANIC"})
    void crashSplatIsCrashEvenWithAnInfraError(SplatType type) {
        // The crash explains the lost SSH / dead QEMU that followed it.
        List<Splat> splats = List.of(splat(SplatType.WARNING, "WARNING in nvme_remove"), splat(type, "crash in nvme_dev_disable"));

        assertThat(judge(null, splats, "QEMU exited with status 0", GRACE)).isEqualTo(Verdict.CRASH);
        assertThat(judge(blocked(), splats, null, GRACE)).isEqualTo(Verdict.CRASH);
    }

    @ParameterizedTest
    @EnumSource(value = SplatType.class, names = {"HUNG_TASK", "WARNING", "LOCKDEP", "RCU_STALL", "SOFT_LOCKUP"})
    void nonCrashSplatDoesNotChangeTheVerdict(SplatType type) {
        // A blocked unbind typically produces a hung-task report; that is evidence, not a different verdict.
        List<Splat> splats = List.of(splat(type, "task tee blocked for more than 10 seconds"));

        assertThat(judge(blocked(), splats, null, GRACE)).isEqualTo(Verdict.BLOCKED_UNTIL_RELEASE);
    }

}
