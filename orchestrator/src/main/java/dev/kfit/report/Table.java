package dev.kfit.report;

import java.util.ArrayList;
import java.util.List;

/** The terminal summary of a run: one row per cell. */
public final class Table {
    private Table() {
    }

    public static String render(Results results) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KERNEL", "VERSION", "SCENARIO", "REP", "VERDICT", "PIN", "UNBIND", "AFTER RELEASE", "OTHER MEASUREMENTS", "SPLATS"});
        for (CellResult c : results.cells()) {
            String pin = ReportFiles.pin(c.pin());
            String splats = c.splats().isEmpty() ? "-" : c.splats().size() + ": " + c.splats().get(0).type()
                    + " " + c.splats().get(0).title();
            rows.add(new String[] {c.kernel(), nz(c.kernelVersion()), c.scenario(), Integer.toString(c.repetition()),
                    c.verdict(), pin, ReportFiles.ms(c.unbindMs()), ReportFiles.ms(c.blockedAfterReleaseMs()),
                    ReportFiles.otherMeasurements(c), splats});
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


    private static String nz(String s) {
        return s == null ? "-" : s;
    }
}
