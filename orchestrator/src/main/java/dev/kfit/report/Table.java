package dev.kfit.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The terminal summary of a run: one row per cell. */
public final class Table {
    private Table() {
    }

    public static String render(Results results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KERNEL", "VERSION", "SCENARIO", "REP", "VERDICT", "PIN", "UNBIND", "AFTER RELEASE", "SPLATS"});
        for (CellResult c : results.cells()) {
            String pin = c.pin() == null || c.pin().ok() == null ? "-"
                    : c.pin().ok() ? "ok" : c.pin().errno() == null ? "refused" : "errno " + c.pin().errno();
            String splats = c.splats().isEmpty() ? "-" : c.splats().size() + ": " + c.splats().get(0).type()
                    + " " + c.splats().get(0).title();
            rows.add(new String[] {c.kernel(), nz(c.kernelVersion()), c.scenario(), Integer.toString(c.repetition()),
                    c.verdict(), pin, ms(c.unbindMs()), ms(c.blockedAfterReleaseMs()), splats});
        }
        int[] w = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                sb.append(i == r.length - 1 ? r[i] : String.format("%-" + w[i] + "s  ", r[i]));
            }
            sb.append('\n');
        }
        for (CellResult c : results.cells()) {
            if (c.error() != null) {
                sb.append("\n").append(c.id()).append(": ").append(c.error().lines().findFirst().orElse("")).append('\n');
            }
        }
        return sb.toString();
    }

    private static String ms(Double v) {
        return v == null ? "-" : v >= 1000 ? String.format(Locale.ROOT, "%.2f s", v / 1000) : String.format(Locale.ROOT, "%.0f ms", v);
    }

    private static String nz(String s) {
        return s == null ? "-" : s;
    }
}
