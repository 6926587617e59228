package dev.kfit.verdict;

import java.util.List;
import java.util.Objects;

/**
 * A checker's answer for one cell.
 *
 * @param verdict      the classification
 * @param error        for kfit's own error ({@link Verdict#isKfitError()}), what went wrong; else null
 * @param measurements what was measured, in the order reports show it
 * @param columns      the results.json fields older than measurements, kept for users' scripts
 * @param notes        what the checker saw that is not a number, by name ({@code holder}, {@code peer},
 *                     {@code reason}): short sentences for reports, in the order shown
 */
public record Judgement(Verdict verdict, String error, List<Measurement> measurements, Columns columns,
                        java.util.Map<String, String> notes) {
    public Judgement {
        Objects.requireNonNull(verdict, "verdict");
        measurements = List.copyOf(measurements);
        columns = columns == null ? Columns.NONE : columns;
        notes = notes == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(notes));
    }

    public Judgement(Verdict verdict, String error, List<Measurement> measurements, Columns columns) {
        this(verdict, error, measurements, columns, null);
    }

    /** The same judgement with notes. */
    public Judgement withNotes(java.util.Map<String, String> n) {
        return new Judgement(verdict, error, measurements, columns, n);
    }

    /** A kernel verdict with its measurements. */
    public static Judgement of(Verdict verdict, List<Measurement> measurements, Columns columns) {
        return new Judgement(verdict, null, measurements, columns);
    }

    /** kfit's own error of the given kind, saying what went wrong. */
    public static Judgement kfitError(Verdict verdict, String error, List<Measurement> measurements, Columns columns) {
        if (!verdict.isKfitError()) {
            throw new IllegalArgumentException(verdict + " is not kfit's own error");
        }
        return new Judgement(verdict, Objects.requireNonNull(error, "error"), measurements, columns);
    }

    /** The same judgement under another verdict (a crash outranks what the checker said). */
    public Judgement as(Verdict v, String why) {
        return new Judgement(v, v.isKfitError() ? why : null, measurements, columns, notes);
    }

    /**
     * results.json's fields from before measurements (pin, unbind_ms, blocked_after_release_ms):
     * pinned-unbind's, and a traffic scenario's for its first fault. Null where not measured.
     *
     * @param pinOk null when the registration's outcome is unknown
     */
    public record Columns(Boolean pinOk, Integer pinErrno, Double unbindMs, Double blockedAfterReleaseMs) {
        public static final Columns NONE = new Columns(null, null, null, null);
    }
}
