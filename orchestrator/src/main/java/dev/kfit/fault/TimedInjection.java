package dev.kfit.fault;

import dev.kfit.history.History;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An injection done by kfit itself on the host's timeline (not in a guest): timed from before
 * {@code action} to its return, recorded as {@code fault_inject}, or as {@code fault_inject_failed}
 * when it throws a {@code failure}; the timing is returned either way.
 */
final class TimedInjection {
    private TimedInjection() {
    }

    /**
     * @param injected the fault_inject event, given what {@code action} returned
     * @param failed   the fault_inject_failed event, given the failure (any other exception propagates)
     */
    static <T, E extends RuntimeException> FaultTiming run(History history, Class<E> failure, Supplier<T> action,
                                                           Function<T, Map<String, Object>> injected,
                                                           Function<E, Map<String, Object>> failed) {
        long t0 = System.nanoTime();
        try {
            T result = action.get();
            long t1 = System.nanoTime();
            history.host("fault_inject", injected.apply(result));
            return new FaultTiming(t0, t1, (t1 - t0) / 1e6, true, null, null, null);
        } catch (RuntimeException e) {
            if (!failure.isInstance(e)) {
                throw e;
            }
            long t1 = System.nanoTime();
            history.host("fault_inject_failed", failed.apply(failure.cast(e)));
            return new FaultTiming(t0, t1, (t1 - t0) / 1e6, false, null, null, e.getMessage());
        }
    }
}
