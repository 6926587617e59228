package dev.kfit.verdict;

import java.util.Map;

/**
 * What one scenario type observed, as a record of its own (for example pinned-unbind's
 * {@code PinnedUnbindObservation}); only that type's {@link Checker} knows its shape.
 */
public interface Observation {
    /** The observation as the history's {@code scenario_end} event, stored before any checker looks at it. */
    Map<String, Object> toHistory();
}
