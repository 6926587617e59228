package dev.kfit.e2e.hosts;

import java.time.Duration;
import java.util.List;

/** What a command run on a test host (in the container, or over SSH) did. */
public record CommandResult(String host, List<String> command, int exit, String stdout, String stderr, Duration elapsed) {

    /** This result, or an error naming the host, command, exit status and output. */
    public CommandResult requireSuccess() {
        if (exit != 0) {
            throw new IllegalStateException(this.toString());
        }
        return this;
    }

    @Override
    public String toString() {
        return host + ": " + String.join(" ", command) + " exited " + exit + " after " + elapsed.toMillis() + " ms"
                + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
}
