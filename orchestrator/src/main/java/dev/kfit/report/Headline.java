package dev.kfit.report;

import dev.kfit.compare.Comparison;
import dev.kfit.verdict.Verdict;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What report.html says first: how many cells on how many kernels, how many findings (and, against an
 * older run, how many of them are new), and kfit's own errors.
 *
 * @param findingsByVerdict each finding verdict seen, with its number of cells, in {@link Verdict} order
 * @param newFindings       findings in a kernel and scenario whose verdicts turned into a finding, or that
 *                          the older run did not have; null without a comparison
 * @param since             the older run compared with; null without a comparison
 * @param regressions       the comparison's regressions (verdicts, new splats, slower measurements)
 * @param otherChanges      the comparison's other changes
 */
public record Headline(int cells, int kernels, int findings, Map<String, Long> findingsByVerdict, int infraErrors,
                       int checkerErrors, Integer newFindings, String since, long regressions, long otherChanges) {
    public Headline {
        findingsByVerdict = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(findingsByVerdict));
    }

    public static Headline of(Results r, Comparison.Against against) {
        List<CellResult> cells = r.cells();
        Map<String, Long> byVerdict = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            long n = cells.stream().filter(c -> c.verdict().equals(v.name())).count();
            if (v.isFinding() && n > 0) {
                byVerdict.put(v.name(), n);
            }
        }
        int findings = (int) cells.stream().filter(c -> Verdict.isFinding(c.verdict())).count();
        Integer fresh = null;
        long regressions = 0;
        long others = 0;
        if (against != null) {
            // Comparison groups are "kernel / scenario", or the scenario alone when two single-kernel runs were compared.
            Set<String> newGroups = against.changes().stream()
                    .filter(c -> c.kind().equals("new") || c.kind().equals("verdict") && c.regression())
                    .map(Comparison.Change::group).collect(Collectors.toSet());
            fresh = (int) cells.stream().filter(c -> Verdict.isFinding(c.verdict()))
                    .filter(c -> newGroups.contains(c.kernel() + " / " + c.scenario()) || newGroups.contains(c.scenario())).count();
            regressions = against.changes().stream().filter(Comparison.Change::regression).count();
            others = against.changes().size() - regressions;
        }
        return new Headline(cells.size(), (int) cells.stream().map(CellResult::kernel).distinct().count(), findings, byVerdict,
                count(cells, Verdict.INFRA_ERROR), count(cells, Verdict.CHECKER_ERROR), fresh,
                against == null ? null : against.olderRun(), regressions, others);
    }

    private static int count(List<CellResult> cells, Verdict v) {
        return (int) cells.stream().filter(c -> c.verdict().equals(v.name())).count();
    }

    /** {@code 12 cells on 4 kernels, 3 findings (2 new since RUN), 0 infrastructure errors.} */
    public String summary() {
        return String.format(Locale.ROOT, "%s on %s, %s%s, %s%s.", plural(cells, "cell"), plural(kernels, "kernel"),
                plural(findings, "finding"), newFindings == null ? "" : " (" + newFindings + " new since " + since + ")",
                plural(infraErrors, "infrastructure error"), checkerErrors == 0 ? "" : ", " + plural(checkerErrors, "checker error"));
    }

    /** {@code Findings: 2 BLOCKED_UNTIL_RELEASE, 1 CRASH.}, or null with none. */
    public String findingsLine() {
        if (findingsByVerdict.isEmpty()) {
            return null;
        }
        return "Findings: " + findingsByVerdict.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", ")) + ".";
    }

    /** {@code Since RUN: 2 regressions, 1 other change.}, or null without a comparison. */
    public String changesLine() {
        if (since == null) {
            return null;
        }
        return "Since " + since + ": " + plural((int) regressions, "regression") + ", " + plural((int) otherChanges, "other change") + ".";
    }

    static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
