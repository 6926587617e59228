package dev.kfit.spec;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A link impairment as netem describes one, applied per direction by kfit-link (the hosts have no
 * sch_netem). Every frame waits {@code delay} ± a uniform {@code jitter}; {@code lossPercent} of them
 * are dropped, {@code duplicatePercent} sent twice, and {@code reorderPercent} sent at once, ahead of
 * the delayed ones.
 *
 * <p>Bounds: delay 0..{@link #MAX_DELAY}; jitter 0..delay (a larger one would clip at zero and skew
 * the mean); percentages 0..100; reordering needs a delay, since only delayed frames can be
 * overtaken. Times are applied with microsecond resolution, percentages in parts per million.
 */
public record Netem(Duration delay, Duration jitter, double lossPercent, double duplicatePercent,
                    double reorderPercent) {
    public static final Duration MAX_DELAY = Duration.ofSeconds(60);
    public static final Netem NONE = new Netem(Duration.ZERO, Duration.ZERO, 0, 0, 0);

    /** @throws IllegalArgumentException naming the value out of range */
    public Netem {
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(jitter, "jitter");
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("delay must be between 0 and 60s, got " + SpecValues.format(delay));
        }
        if (jitter.isNegative() || jitter.compareTo(delay) > 0) {
            throw new IllegalArgumentException("jitter must be between 0 and the delay (" + SpecValues.format(delay)
                    + "), got " + SpecValues.format(jitter));
        }
        percent("loss", lossPercent);
        percent("duplicate", duplicatePercent);
        percent("reorder", reorderPercent);
        if (reorderPercent > 0 && delay.isZero()) {
            throw new IllegalArgumentException("reorder needs a delay: only delayed frames can be overtaken");
        }
    }

    private static void percent(String what, double p) {
        if (!(p >= 0 && p <= 100)) { // also refuses NaN
            throw new IllegalArgumentException(what + " must be between 0% and 100%, got " + p + "%");
        }
    }

    /** Whether it changes nothing. */
    public boolean isNone() {
        return delay.isZero() && lossPercent == 0 && duplicatePercent == 0 && reorderPercent == 0;
    }

    /** kfit-link's control command for it. */
    public String command() {
        return String.format(Locale.ROOT, "netem delay_us=%d jitter_us=%d loss_ppm=%d dup_ppm=%d reorder_ppm=%d",
                delay.toNanos() / 1000, jitter.toNanos() / 1000, ppm(lossPercent), ppm(duplicatePercent),
                ppm(reorderPercent));
    }

    static long ppm(double percent) {
        return Math.round(percent * 10_000);
    }

    /** For messages and the history: "delay 50ms jitter 10ms loss 5% duplicate 1% reorder 2%". */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (!delay.isZero()) {
            b.append("delay ").append(SpecValues.format(delay));
        }
        if (!jitter.isZero()) {
            b.append(" jitter ").append(SpecValues.format(jitter));
        }
        append(b, "loss", lossPercent);
        append(b, "duplicate", duplicatePercent);
        append(b, "reorder", reorderPercent);
        return b.length() == 0 ? "none" : b.toString().strip();
    }

    private static void append(StringBuilder b, String what, double p) {
        if (p > 0) {
            b.append(' ').append(what).append(' ')
                    .append(java.math.BigDecimal.valueOf(p).stripTrailingZeros().toPlainString()).append('%');
        }
    }
}
