package dev.kfit.report;

import dev.kfit.error.InfraException;
import dev.kfit.verdict.Measurement;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writing a run's files: a reader (a CI page, a rerun, Ctrl-C) never sees half of one. */
public final class ReportFiles {
    private ReportFiles() {
    }

    public static void writeAtomically(Path file, String text) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new InfraException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** A duration in milliseconds as the tables show it: "120 ms", "17.05 s", "-" when unknown. */
    static String ms(Double v) {
        return v == null ? "-" : v >= 1000 ? String.format(java.util.Locale.ROOT, "%.2f s", v / 1000)
                : String.format(java.util.Locale.ROOT, "%.0f ms", v);
    }

    /** A measurement's value in its unit as the tables show it: "17.05 s", "812.3 MB/s", "42". */
    static String value(Measurement m) {
        return switch (m.unit()) {
            case Measurement.MS -> ms(m.value());
            case Measurement.MB_S -> String.format(java.util.Locale.ROOT, "%.1f MB/s", m.value());
            case Measurement.COUNT -> String.format(java.util.Locale.ROOT, "%.0f", m.value());
            default -> String.format(java.util.Locale.ROOT, "%.3g %s", m.value(), m.unit());
        };
    }

    /**
     * The measurements besides those the tables give columns of their own (unbind_ms,
     * blocked_after_release_ms), as "name value, ...", or "-".
     */
    static String otherMeasurements(CellResult c) {
        String s = String.join(", ", c.measured().stream()
                .filter(m -> !m.name().equals("unbind_ms") && !m.name().equals("blocked_after_release_ms"))
                .map(m -> m.name() + " " + value(m)).toList());
        return s.isEmpty() ? "-" : s;
    }

    /** The pin's outcome as the tables show it. */
    static String pin(CellResult.Pin p) {
        return p == null || p.ok() == null ? "-" : p.ok() ? "ok" : p.errno() == null ? "refused" : "errno " + p.errno();
    }
}
