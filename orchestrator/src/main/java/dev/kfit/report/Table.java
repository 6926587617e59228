package dev.kfit.report;

import java.util.ArrayList;
import java.util.List;

/** The terminal summary of a run: one row per cell. */
public final class Table {
    private Table() {
    }

    public static String render(Results results) {
        List<String[]> rows = new ArrayList<>();
        // Where the guests ran matters only once some ran off this machine (--hosts).
        boolean hosts = results.cells().stream().anyMatch(c -> c.hosts() != null
                && c.hosts().values().stream().anyMatch(h -> !h.equals("localhost")));
        rows.add(new String[] {"KERNEL", "VERSION", "SCENARIO", "REP", "VERDICT", "PIN", "UNBIND", "AFTER RELEASE", "OTHER MEASUREMENTS", "SPLATS"});
        if (hosts) {
            rows.set(0, insertHosts(rows.get(0), "HOSTS"));
        }
        for (CellResult c : results.cells()) {
            String pin = ReportFiles.pin(c.pin());
            String splats = c.splats().isEmpty() ? "-" : c.splats().size() + ": " + c.splats().get(0).type()
                    + " " + c.splats().get(0).title();
            String[] row = {c.kernel(), nz(c.kernelVersion()), c.scenario(), Integer.toString(c.repetition()),
                    c.verdict(), pin, ReportFiles.ms(c.unbindMs()), ReportFiles.ms(c.blockedAfterReleaseMs()),
                    ReportFiles.otherMeasurements(c), splats};
            rows.add(hosts ? insertHosts(row, c.hosts() == null ? "-" : String.join(",", new java.util.LinkedHashSet<>(c.hosts().values()))) : row);
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
        if (Overview.worthShowing(results)) {
            sb.append('\n').append(Overview.render(results));
        }
        for (CellResult c : results.cells()) {
            if (c.error() != null) {
                sb.append("\n").append(c.id()).append(": ").append(c.error().lines().findFirst().orElse("")).append('\n');
            }
        }
        return sb.toString();
    }


    /** The hosts column goes after REP: next to the cell it names, before the wide columns. */
    private static String[] insertHosts(String[] row, String hosts) {
        List<String> l = new ArrayList<>(List.of(row));
        l.add(4, hosts);
        return l.toArray(new String[0]);
    }

    private static String nz(String s) {
        return s == null ? "-" : s;
    }
}
