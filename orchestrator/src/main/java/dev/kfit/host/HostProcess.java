package dev.kfit.host;

import java.time.Duration;

/** A process started by {@link Host#start}. Closing it kills it (and waits, bounded). */
public interface HostProcess extends AutoCloseable {
    long pid();

    boolean isAlive();

    /** Exit status if it has ended, else null. */
    Integer exitStatus();

    /** Waits at most {@code timeout} for the process to end on its own. */
    boolean waitFor(Duration timeout);

    /** SIGTERM, then SIGKILL after {@code grace}. */
    void stop(Duration grace);

    @Override
    default void close() {
        stop(Duration.ofSeconds(5));
    }
}
