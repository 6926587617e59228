package dev.kfit.ssh;

import java.time.Duration;

/**
 * Outcome of one remote command.
 *
 * @param command    the command line exactly as sent
 * @param exitStatus null when the command timed out or ended without reporting a status
 */
public record ExecResult(String command, Integer exitStatus, String stdout, String stderr, Duration elapsed,
                         boolean timedOut) {
    public boolean ok() {
        return !timedOut && exitStatus != null && exitStatus == 0;
    }
}
