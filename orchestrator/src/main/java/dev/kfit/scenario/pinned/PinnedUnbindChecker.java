package dev.kfit.scenario.pinned;

import dev.kfit.monitor.Splat;
import dev.kfit.verdict.Checker;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Observation;
import dev.kfit.verdict.Outcome;
import dev.kfit.verdict.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * pinned-unbind's checker: whether the unbind returned while the pin was held, only after its
 * release, or not within the grace after it. Pure: the same observation gives the same verdict, so
 * reports can be rebuilt from a run directory. Crashes are judged before it ({@link dev.kfit.verdict.Judge}).
 * Measurements: {@code unbind_ms} and {@code blocked_after_release_ms}, each when measured.
 */
public final class PinnedUnbindChecker implements Checker {
    private final Duration grace;

    /** @param grace how long after the release the unbind may take before it counts as hung */
    public PinnedUnbindChecker(Duration grace) {
        this.grace = grace;
    }

    @Override
    public Judgement judge(Observation observation, List<Splat> splats) {
        PinnedUnbindObservation obs = (PinnedUnbindObservation) observation;
        String why = infraReason(obs, grace);
        Verdict v = why != null ? Verdict.INFRA_ERROR : classify(obs, grace);
        return new Judgement(v, why, measurements(obs), columns(obs));
    }

    /**
     * The verdict of an operation raced against a pin's release: PIN_REFUSED, PROMPT,
     * BLOCKED_UNTIL_RELEASE, HUNG, or INFRA_ERROR when kfit did not see enough to say
     * ({@link #infraReason} tells why). rdma-traffic judges its first fault by the same rule.
     */
    public static Verdict classify(PinnedUnbindObservation obs, Duration grace) {
        if (infraReason(obs, grace) != null) {
            return Verdict.INFRA_ERROR;
        }
        if (obs.pin() == Outcome.FAILED) {
            return Verdict.PIN_REFUSED;
        }
        if (obs.unbindEndNs() == null) {
            return Verdict.HUNG;
        }
        if (obs.releaseNs() == null || obs.unbindEndNs() < obs.releaseNs()) {
            return Verdict.PROMPT;
        }
        return Verdict.BLOCKED_UNTIL_RELEASE;
    }

    /** Why kfit cannot judge this observation, or null when it can. */
    public static String infraReason(PinnedUnbindObservation obs, Duration grace) {
        if (obs.pin() == Outcome.FAILED) {
            return null;
        }
        if (obs.pin() == Outcome.INDETERMINATE) {
            return "the pin holder never reported whether its registration worked";
        }
        if (obs.unbindStartNs() == null) {
            return "the unbind never started";
        }
        if (obs.unbindEndNs() == null) {
            // Not returned: a hang only if we watched for the whole grace period after the release.
            boolean watchedLongEnough = obs.releaseNs() != null && obs.waitedUntilNs() != null
                    && obs.waitedUntilNs() - obs.releaseNs() >= grace.toNanos();
            return watchedLongEnough ? null : "the unbind had not returned, but kfit did not watch for the whole grace after the release";
        }
        return null;
    }

    static List<Measurement> measurements(PinnedUnbindObservation obs) {
        List<Measurement> m = new ArrayList<>();
        if (obs.unbindMs() != null) {
            m.add(Measurement.ms("unbind_ms", obs.unbindMs()));
        }
        if (obs.blockedAfterReleaseMs() != null) {
            m.add(Measurement.ms("blocked_after_release_ms", obs.blockedAfterReleaseMs()));
        }
        return m;
    }

    /** pin, unbind_ms and blocked_after_release_ms as results.json has always had them. */
    public static Judgement.Columns columns(PinnedUnbindObservation obs) {
        return new Judgement.Columns(obs.pin() == Outcome.INDETERMINATE ? null : obs.pin() == Outcome.OK,
                obs.pin() == Outcome.INDETERMINATE ? null : obs.pinErrno(), obs.unbindMs(), obs.blockedAfterReleaseMs());
    }
}
