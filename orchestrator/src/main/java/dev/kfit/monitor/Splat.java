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
 */
public record Splat(SplatType type, String title, String excerpt, double timestamp) {
    public Splat {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(excerpt, "excerpt");
    }
}
