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
}
