package dev.kfit.report;

import dev.kfit.error.InfraException;

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

    /** The pin's outcome as the tables show it. */
    static String pin(CellResult.Pin p) {
        return p == null || p.ok() == null ? "-" : p.ok() ? "ok" : p.errno() == null ? "refused" : "errno " + p.errno();
    }
}
