package dev.kfit.monitor;

import java.util.Objects;

/**
 * One kernel report found on the console.
 *
 * @param type      what kind of report it is
 * @param title     normalised title (no addresses, pids, CPUs, seconds or offsets), equal for the
 *                  same bug across runs; {@code (type, title)} is the deduplication key
 * @param excerpt   the report's lines, printk timestamps kept, at most
 *                  {@link ConsoleParser#MAX_EXCERPT_LINES} lines, joined with '\n'
 * @param timestamp printk time in seconds of the excerpt's first line, NaN if it has none
 * @param count     how many times the console printed this report: 1 from {@link ConsoleParser#parse},
 *                  the number of prints merged into one by {@link ConsoleParser#distinct} (a hung task
 *                  is reported again every check interval)
 * @param corrupted the report's log was cut (the console ended, or the machine rebooted, before the
 *                  report did) or interleaved (another report started before its stack trace ended):
 *                  its title may name the wrong function; after {@code distinct}, true only when
 *                  every merged print was corrupted
 */
public record Splat(SplatType type, String title, String excerpt, double timestamp, int count, boolean corrupted) {
    public Splat {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(excerpt, "excerpt");
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
    }

    /** A report printed once, whole. */
    public Splat(SplatType type, String title, String excerpt, double timestamp) {
        this(type, title, excerpt, timestamp, 1, false);
    }

    /** The same report, printed {@code n} times. */
    public Splat withCount(int n) {
        return new Splat(type, title, excerpt, timestamp, n, corrupted);
    }
}
