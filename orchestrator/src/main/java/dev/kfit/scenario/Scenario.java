package dev.kfit.scenario;

import dev.kfit.guest.Guest;
import dev.kfit.verdict.PinnedUnbindObservation;

import java.time.Duration;

/**
 * Workloads and faults on a timeline in one or more guests, and what it measures. A scenario
 * only observes; the {@link dev.kfit.verdict.Classifier} judges afterwards from what it recorded.
 */
public interface Scenario {
    String name();

    /** The longest this scenario may take once guests are up; kfit's bound for the whole run. */
    Duration budget();

    /** How long after a release an operation may still take before it counts as hung. */
    Duration grace();

    PinnedUnbindObservation run(Guest target);
}
