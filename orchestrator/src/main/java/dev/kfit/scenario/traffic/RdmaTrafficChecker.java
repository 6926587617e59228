package dev.kfit.scenario.traffic;

import dev.kfit.monitor.Splat;
import dev.kfit.monitor.SplatType;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.scenario.pinned.PinnedUnbindChecker;
import dev.kfit.verdict.Checker;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Observation;
import dev.kfit.verdict.Outcome;
import dev.kfit.verdict.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * rdma-traffic's checker. A refused registration is PIN_REFUSED (an unpatched kernel refuses P2P
 * memory to serve). With faults, the first one is judged like pinned-unbind's unbind against the
 * pin's release (PROMPT, BLOCKED_UNTIL_RELEASE, HUNG). Without faults (a throughput baseline) the
 * verdict is TRAFFIC_OK once the traffic ran and ended, HUNG if it never ended and a guest
 * reported a hung task, else INFRA_ERROR.
 * <p>
 * Measurements: {@code before_mb_s}, {@code during_mb_s}, {@code after_mb_s} (without faults every
 * sample is "before"), {@code recovered_ms}, {@code completions}, {@code errors}, and each fault's
 * inject-to-return time as {@code <type>_ms} ({@code unbind_ms}, {@code rdma_link_delete_ms}; a
 * repeated type gets {@code _2}, {@code _3}), plus {@code blocked_after_release_ms} of the first.
 */
public final class RdmaTrafficChecker implements Checker {
    private final Duration grace;

    /** @param grace how long after the release the first fault may take before it counts as hung */
    public RdmaTrafficChecker(Duration grace) {
        this.grace = grace;
    }

    @Override
    public Judgement judge(Observation observation, List<Splat> splats) {
        TrafficObservation o = (TrafficObservation) observation;
        List<Measurement> m = measurements(o);
        Judgement.Columns columns = PinnedUnbindChecker.columns(o.pin());
        if (o.pin().pin() == Outcome.FAILED) {
            return Judgement.of(Verdict.PIN_REFUSED, m, columns);
        }
        if (o.pin().pin() == Outcome.INDETERMINATE) {
            return Judgement.kfitError(Verdict.INFRA_ERROR, "the server never reported whether its registration worked",
                    m, columns);
        }
        if (!o.faults().isEmpty()) {
            Verdict v = PinnedUnbindChecker.classify(o.pin(), grace);
            return v.isKfitError()
                    ? Judgement.kfitError(v, "the first fault: " + PinnedUnbindChecker.infraReason(o.pin(), grace), m, columns)
                    : Judgement.of(v, m, columns);
        }
        if (!o.workloadFinished()) {
            boolean hungTask = splats.stream().anyMatch(s -> s.type() == SplatType.HUNG_TASK);
            return hungTask ? Judgement.of(Verdict.HUNG, m, columns)
                    : Judgement.kfitError(Verdict.INFRA_ERROR, "the traffic had not ended by the deadline, and no guest"
                    + " reported a hung task", m, columns);
        }
        if (o.traffic() == null) {
            return Judgement.kfitError(Verdict.INFRA_ERROR, "the client reported no traffic", m, columns);
        }
        return Judgement.of(Verdict.TRAFFIC_OK, m, columns);
    }

    static List<Measurement> measurements(TrafficObservation o) {
        List<Measurement> m = new ArrayList<>();
        ScenarioOutcome.TrafficResult t = o.traffic();
        if (t != null) {
            addMbS(m, "before_mb_s", t.beforeMbS());
            addMbS(m, "during_mb_s", t.duringMbS());
            addMbS(m, "after_mb_s", t.afterMbS());
            if (t.recoveredMs() != null) {
                m.add(Measurement.ms("recovered_ms", t.recoveredMs()));
            }
            m.add(Measurement.count("completions", t.completions()));
            m.add(Measurement.count("errors", t.errors()));
        }
        Map<String, Integer> seen = new HashMap<>();
        for (ScenarioOutcome.FaultResult f : o.faults()) {
            String base = f.type().replaceAll("[^A-Za-z0-9]+", "_").toLowerCase(java.util.Locale.ROOT);
            int n = seen.merge(base, 1, Integer::sum);
            if (f.injectMs() != null && Double.isFinite(f.injectMs())) {
                m.add(Measurement.ms(base + (n == 1 ? "" : "_" + n) + "_ms", f.injectMs()));
            }
        }
        Double blocked = o.pin().blockedAfterReleaseMs();
        if (!o.faults().isEmpty() && blocked != null) {
            m.add(Measurement.ms("blocked_after_release_ms", blocked));
        }
        return m;
    }

    private static void addMbS(List<Measurement> m, String name, Double v) {
        if (v != null && Double.isFinite(v)) {
            m.add(Measurement.mbS(name, v));
        }
    }
}
