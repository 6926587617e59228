package dev.kfit.bisect;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.report.ReportFiles;
import dev.kfit.report.Results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * bisect.json in a bisection's directory: what was asked, the points, the ends, every step in the order
 * it was tested, and the result; rewritten atomically after every step.
 *
 * @param request the command's arguments that decide the path (a rerun with others is refused)
 * @param mode    {@code series} or {@code commits}
 */
public record BisectLog(String spec, String kernel, String scenario, String mode, String request, List<PointInfo> points,
                        Ends ends, List<StepInfo> steps, ResultInfo result) {
    public static final String FILE = "bisect.json";

    public BisectLog {
        points = List.copyOf(points);
        steps = List.copyOf(steps);
    }

    public record PointInfo(int index, String name, String describe, String source, List<String> patches) {
    }

    /** A decided point; {@code dir} is its directory relative to the bisection's. */
    public record StepInfo(int point, String name, String describe, String state, int runs, int valid, int changed,
                           boolean flaky, String reason, List<String> changes, String dir) {
    }

    public record Ends(String described, StepInfo good, StepInfo bad) {
    }

    /**
     * @param refused why the bisection did not start (the ends do not differ), else null
     */
    public record ResultInfo(String firstBad, String lastGood, List<String> candidates, boolean exact, double confidence,
                             boolean flaky, String refused) {
    }

    public BisectLog withEnds(Ends e) {
        return new BisectLog(spec, kernel, scenario, mode, request, points, e, List.of(), null);
    }

    public BisectLog withStep(StepInfo s) {
        List<StepInfo> all = new ArrayList<>(steps);
        all.add(s);
        return new BisectLog(spec, kernel, scenario, mode, request, points, ends, all, result);
    }

    public BisectLog withResult(ResultInfo r) {
        return new BisectLog(spec, kernel, scenario, mode, request, points, ends, steps, r);
    }

    public void write(Path dir) {
        try {
            ReportFiles.writeAtomically(dir.resolve(FILE), Results.JSON.writeValueAsString(this));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InfraException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** The log in {@code dir}, or null when there is none. */
    public static BisectLog read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return Results.JSON.readValue(f.toFile(), BisectLog.class);
        } catch (IOException e) {
            throw new BadInputException(f + ": not a kfit bisection log: " + e.getMessage());
        }
    }

    /** The result in a few lines, 72 columns at most where the names allow. */
    public String renderResult() {
        if (result == null) {
            return "no result yet\n";
        }
        if (result.refused() != null) {
            return "refused: " + result.refused() + "\n";
        }
        StringBuilder sb = new StringBuilder();
        if (result.exact()) {
            sb.append("first bad: ").append(result.firstBad()).append('\n');
        } else {
            sb.append("first bad: one of these (untested steps next to it):\n");
            result.candidates().forEach(c -> sb.append("  ").append(c).append('\n'));
        }
        sb.append("last good: ").append(result.lastGood()).append('\n');
        sb.append(String.format(Locale.ROOT, "confidence: %.2f%s%s%n", result.confidence(),
                result.confidence() >= StepRule.CONFIDENT ? "" : " (low)", result.flaky() ? ", flaky" : ""));
        sb.append(kernelsTested()).append('\n');
        return sb.toString();
    }

    /**
     * How many kernels the bisection needed, beside what a binary search over its points costs: the two
     * ends plus about log2 of the points between them, more when steps could not be tested.
     */
    String kernelsTested() {
        int between = points.size() - 2;
        int bound = between <= 0 ? 0 : 32 - Integer.numberOfLeadingZeros(between);
        long untestable = steps.stream().filter(s -> "SKIP".equals(s.state())).count();
        return String.format(Locale.ROOT, "kernels: %d (2 ends, %d steps%s; a binary search over %d points between"
                        + " the ends needs at most %d)", (ends == null ? 0 : 2) + steps.size(), steps.size(),
                untestable == 0 ? "" : ", " + untestable + " could not be tested", Math.max(between, 0), bound);
    }

    /** The header of the table printed as the bisection goes. */
    public static String tableHeader() {
        return String.format(Locale.ROOT, "%-4s %-14s %-5s %-8s %-6s %s%n", "STEP", "POINT", "RUNS", "CHANGED", "RESULT", "WHAT");
    }

    public static String tableRow(String step, StepInfo s) {
        String what = s.describe() + (s.reason() == null ? "" : " [" + s.reason() + "]");
        return String.format(Locale.ROOT, "%-4s %-14s %-5d %-8s %-6s %s%n", step, s.name(), s.runs(),
                s.valid() == 0 ? "-" : s.changed() + "/" + s.valid(), s.state().toLowerCase(Locale.ROOT)
                        + (s.flaky() ? "*" : ""), what);
    }
}
