package dev.kfit.report;

import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The run at a glance: one row per scenario and kernel (in the order the cells ran) with the verdicts
 * and how often each came, the fault's latency over the repetitions (median and range of the cell's
 * first measurement in ms), and what the holder, a peer and a refusing kernel said (the checkers'
 * notes, most frequent first). Any scenario type fills it from its measurements and notes alone.
 */
public final class Overview {
    private Overview() {
    }

    /**
     * One scenario on one kernel.
     *
     * @param latencyName the measurement summarised ({@code unbind_ms}, {@code pci_remove_ms}), or null
     */
    public record Row(String scenario, String kernel, String verdicts, boolean finding, boolean kfitError,
                      String latencyName, Double medianMs, Double minMs, Double maxMs, int cells, String holder,
                      String peer, String reason) {
    }

    public static List<Row> rows(Results r) {
        Map<List<String>, List<CellResult>> groups = new LinkedHashMap<>();
        for (CellResult c : r.cells()) {
            groups.computeIfAbsent(List.of(c.scenario(), c.kernel()), k -> new ArrayList<>()).add(c);
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<List<String>, List<CellResult>> g : groups.entrySet()) {
            List<CellResult> cells = g.getValue();
            Map<String, Long> counts = cells.stream().collect(Collectors.groupingBy(CellResult::verdict, LinkedHashMap::new,
                    Collectors.counting()));
            String verdicts = counts.entrySet().stream().map(e -> e.getKey() + (cells.size() > 1 ? " \u00d7" + e.getValue() : ""))
                    .collect(Collectors.joining(", "));
            String name = cells.stream().flatMap(c -> c.measured().stream()).filter(m -> Measurement.MS.equals(m.unit()))
                    .map(Measurement::name).findFirst().orElse(null);
            List<Double> v = name == null ? List.of() : cells.stream().flatMap(c -> c.measured().stream())
                    .filter(m -> m.name().equals(name)).map(Measurement::value).sorted().toList();
            rows.add(new Row(g.getKey().get(0), g.getKey().get(1), verdicts,
                    counts.keySet().stream().anyMatch(Verdict::isFinding), counts.keySet().stream().anyMatch(Verdict::isKfitError),
                    name, v.isEmpty() ? null : median(v), v.isEmpty() ? null : v.get(0), v.isEmpty() ? null : v.get(v.size() - 1),
                    cells.size(), common(cells, "holder"), common(cells, "peer"), common(cells, "reason")));
        }
        return rows;
    }

    /** Whether the overview says more than the cell table: several scenarios or kernels, or repetitions. */
    public static boolean worthShowing(Results r) {
        return rows(r).size() < r.cells().size() || rows(r).stream().anyMatch(x -> x.holder() != null || x.reason() != null);
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** The most frequent note of that name, with how many of the cells said it when they differ. */
    private static String common(List<CellResult> cells, String note) {
        Map<String, Long> said = cells.stream().map(c -> c.notes() == null ? null : c.notes().get(note))
                .filter(java.util.Objects::nonNull).collect(Collectors.groupingBy(Function.identity(), LinkedHashMap::new,
                        Collectors.counting()));
        if (said.isEmpty()) {
            return null;
        }
        Map.Entry<String, Long> top = said.entrySet().stream().max(Comparator.comparingLong(Map.Entry::getValue)).get();
        return said.size() == 1 ? top.getKey() : top.getKey() + " (" + top.getValue() + " of " + cells.size() + ")";
    }

    /** "12.3 s (11.9-12.8, n=3)" or "-". */
    public static String latency(Row row) {
        if (row.medianMs() == null) {
            return "-";
        }
        String med = ms(row.medianMs());
        return row.minMs().equals(row.maxMs()) ? med : med + " (" + ms(row.minMs()) + "\u2013" + ms(row.maxMs()) + ")";
    }

    private static String ms(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.2f s", v / 1000) : String.format(Locale.ROOT, "%.1f ms", v);
    }

    /** The plain-text overview for the terminal. */
    public static String render(Results r) {
        List<String[]> t = new ArrayList<>();
        t.add(new String[] {"SCENARIO", "KERNEL", "VERDICT", "LATENCY (MEDIAN, RANGE)", "HOLDER / REASON", "PEER"});
        for (Row x : rows(r)) {
            String lat = x.latencyName() == null ? "-" : x.latencyName() + " " + latency(x);
            t.add(new String[] {x.scenario(), x.kernel(), x.verdicts(), lat,
                    x.reason() != null ? x.reason() : x.holder() == null ? "-" : x.holder(), x.peer() == null ? "-" : x.peer()});
        }
        int[] w = new int[t.get(0).length];
        for (String[] row : t) {
            for (int i = 0; i < row.length; i++) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : t) {
            for (int i = 0; i < row.length; i++) {
                sb.append(i == row.length - 1 ? row[i] : String.format("%-" + w[i] + "s  ", row[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
