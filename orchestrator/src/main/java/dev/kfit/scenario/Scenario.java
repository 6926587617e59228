package dev.kfit.scenario;

import dev.kfit.topology.Testbed;
import dev.kfit.verdict.Checker;

/**
 * Workloads and faults on a timeline in the guests of a topology, and what it measures. A
 * scenario only observes; its type's {@link #checker()} judges afterwards, once the evidence is stored.
 * Each type lives in its own package with its spec, observation and checker, registered in
 * {@link ScenarioTypes}.
 */
public interface Scenario {
    String name();

    /** The topology whose guests it runs in. */
    String topology();

    /** The judge of what {@link #run} observed. */
    Checker checker();

    ScenarioOutcome run(Testbed testbed);

    /** Whether its links must go through kfit's link relay even within one host (it injects link faults). */
    default boolean needsLinkRelays() {
        return false;
    }
}
