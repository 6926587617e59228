package dev.kfit.verdict;

import dev.kfit.monitor.Splat;

import java.time.Duration;
import java.util.List;

/**
 * Turns what a cell observed into a verdict. Pure: the same history and console give the same
 * verdict, so reports can be rebuilt from a run directory.
 */
public final class Classifier {
    private Classifier() {
    }

    /**
     * @param obs        null when the scenario did not get far enough to observe anything
     * @param infraError kfit's own failure message, or null
     * @param grace      how long after the release the unbind may take before it counts as hung
     */
    public static Verdict classify(PinnedUnbindObservation obs, List<Splat> splats, String infraError, Duration grace) {
        // A crashed kernel explains any infrastructure symptom that followed it (lost SSH, dead QEMU).
        if (splats.stream().anyMatch(s -> s.type().isCrash())) {
            return Verdict.CRASH;
        }
        if (infraError != null || obs == null) {
            return Verdict.INFRA_ERROR;
        }
        if (obs.pin() == Outcome.FAILED) {
            return Verdict.PIN_REFUSED;
        }
        if (obs.pin() == Outcome.INDETERMINATE || obs.unbindStartNs() == null) {
            return Verdict.INFRA_ERROR;
        }
        if (obs.unbindEndNs() == null) {
            // Not returned: a hang only if we watched for the whole grace period after the release.
            boolean watchedLongEnough = obs.releaseNs() != null && obs.waitedUntilNs() != null
                    && obs.waitedUntilNs() - obs.releaseNs() >= grace.toNanos();
            return watchedLongEnough ? Verdict.HUNG : Verdict.INFRA_ERROR;
        }
        if (obs.releaseNs() == null || obs.unbindEndNs() < obs.releaseNs()) {
            return Verdict.PROMPT;
        }
        return Verdict.BLOCKED_UNTIL_RELEASE;
    }
}
