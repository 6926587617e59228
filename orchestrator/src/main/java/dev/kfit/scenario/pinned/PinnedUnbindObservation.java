package dev.kfit.scenario.pinned;

import dev.kfit.verdict.Observation;
import dev.kfit.verdict.Outcome;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the pinned-unbind scenario saw, all times in the guest's CLOCK_MONOTONIC nanoseconds.
 *
 * @param pin            OK registered, FAILED refused, INDETERMINATE never answered
 * @param pinErrno       errno of a refused registration
 * @param releaseNs      when the holder started to release (deregistration), null if it never did
 * @param unbindStartNs  when the write to unbind started
 * @param unbindEndNs    when it returned, null if it had not by the end of the wait
 * @param waitedUntilNs  the guest time up to which kfit watched for the unbind to return
 */
public record PinnedUnbindObservation(
        Outcome pin,
        Integer pinErrno,
        Long registeredNs,
        Long releaseNs,
        Long unbindStartNs,
        Long unbindEndNs,
        Boolean unbindOk,
        Integer unbindErrno,
        Long waitedUntilNs) implements Observation {

    @Override
    public Map<String, Object> toHistory() {
        Map<String, Object> m = new HashMap<>();
        m.put("pin", pin == null ? null : pin.name());
        m.put("pin_errno", pinErrno);
        m.put("registered_ns", registeredNs);
        m.put("release_ns", releaseNs);
        m.put("unbind_start_ns", unbindStartNs);
        m.put("unbind_end_ns", unbindEndNs);
        m.put("waited_until_ns", waitedUntilNs);
        m.values().removeIf(Objects::isNull);
        return m;
    }

    public Double unbindMs() {
        return unbindStartNs != null && unbindEndNs != null ? (unbindEndNs - unbindStartNs) / 1e6 : null;
    }

    /** How long after the release the unbind returned (negative: before). */
    public Double blockedAfterReleaseMs() {
        return releaseNs != null && unbindEndNs != null ? (unbindEndNs - releaseNs) / 1e6 : null;
    }
}
