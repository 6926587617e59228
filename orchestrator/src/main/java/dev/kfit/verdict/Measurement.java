package dev.kfit.verdict;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named value with a unit that a scenario's checker emits ({@code unbind_ms} in ms,
 * {@code during_mb_s} in MB/s, {@code completions} as a count). Reports, compare and trend treat
 * every measurement alike: two runs compare the measurements that share a name and a unit.
 * In results.json a cell's {@code measurements} is a list of {@code {"name", "value", "unit"}}.
 *
 * @param name  snake_case, unique within a cell
 * @param value finite; a figure that was not measured (an unbind that never returned) is left out
 * @param unit  one of {@link #MS}, {@link #MB_S}, {@link #COUNT}, or another word compare treats as neutral
 */
public record Measurement(String name, double value, String unit) {
    public static final String MS = "ms";
    /** 10^6 bytes per second. */
    public static final String MB_S = "MB/s";
    public static final String COUNT = "count";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    /** Which way is worse, for compare: a slower unbind, less throughput; counts are neither. */
    public enum Better {
        LOWER, HIGHER, NEITHER
    }

    public Measurement {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("measurement name '" + name + "' is not snake_case");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("measurement " + name + " is not finite: " + value);
        }
    }

    public static Measurement ms(String name, double value) {
        return new Measurement(name, value, MS);
    }

    public static Measurement mbS(String name, double value) {
        return new Measurement(name, value, MB_S);
    }

    public static Measurement count(String name, long value) {
        return new Measurement(name, value, COUNT);
    }

    /** Which direction is better for this measurement's unit. */
    public Better better() {
        return switch (unit) {
            case MS -> Better.LOWER;
            case MB_S -> Better.HIGHER;
            default -> Better.NEITHER;
        };
    }
}
