package dev.kfit.scenario;

import dev.kfit.verdict.Observation;

import java.util.List;
import java.util.Map;

/**
 * What a scenario observed, for its checker and results.json.
 *
 * @param observation the scenario type's own record of what it saw, for its checker
 * @param faults   every fault's timing, in the order injected (empty for pinned-unbind's own unbind)
 * @param traffic  the peer's traffic around the faults, null without a traffic workload
 * @param recovery what was checked after the heal (device bound, p2pmem published, new pin, traffic)
 */
public record ScenarioOutcome(Observation observation, List<FaultResult> faults, TrafficResult traffic,
                              Map<String, Object> recovery) {
    public ScenarioOutcome {
        faults = List.copyOf(faults);
        recovery = recovery == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(recovery));
    }

    /** One fault in results.json: when (ms after the workload started), how long, and whether it waited for the release. */
    public record FaultResult(String type, String guest, Double injectAtMs, Double injectMs, Double healAtMs,
                              Boolean healOk, Boolean returnedAfterRelease, String outcome, String detail) {
    }

    /**
     * Throughput in MB/s (10^6 bytes) before, during (inject to heal) and after the faults, the first
     * error the peer saw, and how long after the heal traffic ran again.
     */
    public record TrafficResult(String workload, Double beforeMbS, Double duringMbS, Double afterMbS,
                                FirstError firstError, Double recoveredMs, long completions, long errors,
                                List<double[]> series) {
    }

    /** @param afterInjectMs time from the first fault's injection to this error */
    public record FirstError(String status, Double afterInjectMs, String qpState) {
    }
}
