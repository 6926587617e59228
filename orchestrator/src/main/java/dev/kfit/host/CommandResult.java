package dev.kfit.host;

import java.time.Duration;
import java.util.List;

/** How a {@link Command} ended. {@code output} is the captured output, or its tail when logged to a file. */
public record CommandResult(List<String> argv, Integer exitStatus, String output, Duration elapsed, boolean timedOut) {
    public boolean ok() {
        return !timedOut && exitStatus != null && exitStatus == 0;
    }
}
