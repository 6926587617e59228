package dev.kfit.spec;

import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the spec's scalar values; they throw {@link SpecProblem}, the caller adds file and line. */
public final class SpecValues {
    private SpecValues() {
    }

    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)?");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)([KMGkmg])?");
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,9}");
    public static final long MIB = 1024 * 1024;

    /** {@code 20s}, {@code 500ms}, {@code 2m}, {@code 1h}, {@code 1.5s}; a bare number means seconds. */
    public static Duration duration(String text) {
        if (text.startsWith("-") && DURATION.matcher(text.substring(1)).matches()) {
            throw new SpecProblem("negative duration '" + text + "'");
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new SpecProblem("malformed duration '" + text + "' (expected e.g. 20s, 500ms, 2m)");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        long unitNanos = switch (unit) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitNanos));
        try {
            return Duration.ofNanos(nanos.longValueExact());
        } catch (ArithmeticException e) {
            // Either finer than a nanosecond or beyond ~292 years: neither is a sensible setting.
            throw new SpecProblem("malformed duration '" + text + "' (expected e.g. 20s, 500ms, 2m)");
        }
    }

    /** Short form for messages: "3s", "1.5s", "500ms". */
    public static String format(Duration d) {
        if (d.toNanos() % 1_000_000 != 0) {
            return d.toNanos() + "ns";
        }
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms < 1000 ? ms + "ms" : BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
    }

    /** Bytes: {@code 4096}, {@code 4K}, {@code 2M}, {@code 1G} (binary units). */
    public static long size(String text) {
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new SpecProblem("malformed size '" + text + "' (expected e.g. 4096, 2M, 1G)");
        }
        long unit = m.group(2) == null ? 1 : switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 1024L;
            case "M" -> MIB;
            default -> 1024 * MIB;
        };
        try {
            return Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (ArithmeticException | NumberFormatException e) {
            throw new SpecProblem("size '" + text + "' is too large");
        }
    }

    /**
     * Whole MiB with an explicit unit ({@code 512M}, {@code 1G}): a bare {@code 1024} could mean bytes
     * or MiB, so it is refused rather than guessed.
     */
    static int sizeMb(String key, String text) {
        Matcher m = SIZE.matcher(text);
        if (m.matches() && m.group(2) == null) {
            throw new SpecProblem(key + " '" + text + "' needs a unit (e.g. 512M, 1G)");
        }
        long bytes = size(text);
        if (bytes <= 0 || bytes % MIB != 0 || bytes / MIB > Integer.MAX_VALUE) {
            throw new SpecProblem(key + " must be a positive whole number of MiB, got '" + text + "'");
        }
        return (int) (bytes / MIB);
    }

    /** Short form for messages: "64K", "2M", "1G", or bytes when no binary unit divides evenly. */
    public static String formatSize(long bytes) {
        if (bytes != 0 && bytes % (1024 * MIB) == 0) {
            return bytes / (1024 * MIB) + "G";
        }
        if (bytes != 0 && bytes % MIB == 0) {
            return bytes / MIB + "M";
        }
        if (bytes != 0 && bytes % 1024 == 0) {
            return bytes / 1024 + "K";
        }
        return Long.toString(bytes);
    }

    static final long PAGE = 4096;

    /** Pinned memory is registered page by page, so {@code pin_size} is a positive multiple of 4 KiB. */
    public static long pinSize(String text) {
        long bytes = size(text);
        if (bytes <= 0 || bytes % PAGE != 0) {
            throw new SpecProblem("pin_size must be a positive multiple of 4096, got '" + text + "'");
        }
        return bytes;
    }

    /** The kernel's hung_task_timeout_secs takes whole seconds, and 0 disables the detector. */
    public static Duration hungTaskTimeout(String text) {
        Duration d = duration(text);
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new SpecProblem("hung_task_timeout must be at least 1s, got " + format(d));
        }
        if (d.toNanos() % 1_000_000_000L != 0) {
            throw new SpecProblem("hung_task_timeout must be whole seconds"
                    + " (the kernel's hung_task_timeout_secs), got " + format(d));
        }
        return d;
    }

    private static final Pattern PERCENT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)%");

    /**
     * {@code 5%}, {@code 0.5%}, 0..100. The sign is required: a bare {@code 0.05} could mean 5% or 0.05%,
     * so it is refused rather than guessed.
     */
    static double percent(String key, String text) {
        if (text.startsWith("-") && PERCENT.matcher(text.substring(1)).matches()) {
            throw new SpecProblem(key + " must be between 0% and 100%, got " + text);
        }
        Matcher m = PERCENT.matcher(text);
        if (!m.matches()) {
            throw new SpecProblem("malformed percentage '" + text + "' for " + key + " (expected e.g. 5%, 0.5%)");
        }
        double p = Double.parseDouble(m.group(1));
        if (p > 100) {
            throw new SpecProblem(key + " must be between 0% and 100%, got " + text);
        }
        return p;
    }

    static int integer(String key, String text, int min, int max) {
        if (!INTEGER.matcher(text).matches()) {
            throw new SpecProblem(key + " must be a whole number, got '" + text + "'");
        }
        int value = Integer.parseInt(text);
        if (value < min || value > max) {
            throw new SpecProblem(key + " must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** Relative paths are relative to the spec file's directory, so a spec works from any cwd. */
    static Path resolve(Path baseDir, String text) {
        if (text.isEmpty()) {
            throw new SpecProblem("empty path");
        }
        try {
            return baseDir.resolve(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new SpecProblem("invalid path '" + text + "': " + e.getReason());
        }
    }
}
