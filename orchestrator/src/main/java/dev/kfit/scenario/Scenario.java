package dev.kfit.scenario;

import dev.kfit.topology.Testbed;

import java.time.Duration;

/**
 * Workloads and faults on a timeline in the guests of a topology, and what it measures. A
 * scenario only observes; the {@link dev.kfit.verdict.Classifier} judges afterwards.
 */
public interface Scenario {
    String name();

    /** The topology whose guests it runs in. */
    String topology();

    /** How long after a release an operation may still take before it counts as hung. */
    Duration grace();

    ScenarioOutcome run(Testbed testbed);

    /** Whether its links must go through kfit's link relay even within one host (it injects link faults). */
    default boolean needsLinkRelays() {
        return false;
    }
}
