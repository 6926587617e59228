package dev.kfit.ssh;

import java.time.Duration;
import java.util.Locale;

final class Durations {
    private Durations() {
    }

    /** "3s", "1.5s": short enough for one-line error messages. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
}
