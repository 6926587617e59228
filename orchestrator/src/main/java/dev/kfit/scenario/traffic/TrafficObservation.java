package dev.kfit.scenario.traffic;

import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.scenario.pinned.PinnedUnbindObservation;
import dev.kfit.verdict.Observation;

import java.util.List;
import java.util.Map;

/**
 * What an rdma-traffic cell saw, times on the host's clock.
 *
 * @param pin              the server's registration, and the first fault raced against the pin's
 *                         release (its unbind fields; null there without faults)
 * @param faults           every fault in spec order, empty for a throughput baseline
 * @param traffic          the client's traffic, null when it reported none
 * @param workloadFinished whether server and client had both ended by the scenario's deadline
 */
public record TrafficObservation(PinnedUnbindObservation pin, List<ScenarioOutcome.FaultResult> faults,
                                 ScenarioOutcome.TrafficResult traffic, boolean workloadFinished) implements Observation {
    public TrafficObservation {
        faults = List.copyOf(faults);
    }

    @Override
    public Map<String, Object> toHistory() {
        Map<String, Object> m = pin.toHistory();
        m.put("faults", faults.size());
        m.put("traffic_reported", traffic != null);
        m.put("workload_finished", workloadFinished);
        return m;
    }
}
