package dev.kfit.store;

import java.util.List;

/**
 * What the store holds about kernel lines over time, as {@link ResultsStore#trend} computes it from
 * its queries and {@code report/TrendReport} draws it. Runs are ordered by their start time; a
 * "date" is a run's start, ISO-8601 UTC.
 *
 * @param series   one per kernel line, kernel, scenario and measurement: a point per run
 * @param versions kernel version changes, per kernel line and kernel
 * @param verdicts verdict changes, per kernel line, kernel and scenario
 * @param splats   first and last appearance of each splat title, per kernel line, kernel and scenario
 */
public record Trend(List<Series> series, List<VersionChange> versions, List<VerdictChange> verdicts, List<SplatSpan> splats) {
    public Trend {
        series = List.copyOf(series);
        versions = List.copyOf(versions);
        verdicts = List.copyOf(verdicts);
        splats = List.copyOf(splats);
    }

    /**
     * A kernel line (the kernel's source, e.g. {@code debian:linux-source-6.12}), the kernel's label
     * in the spec (plain and patched kernels of one line are kept apart) and the scenario.
     */
    public record Line(String kernelLine, String kernel, String scenario) {
        public String title() {
            return kernelLine.equals(kernel) ? kernel + " · " + scenario : kernelLine + " · " + kernel + " · " + scenario;
        }
    }

    /** @param runs every run of the line, in order, with or without this measurement: the x axis */
    public record Series(Line line, String measurement, String unit, List<RunRef> runs, List<Point> points) {
        public Series {
            runs = List.copyOf(runs);
            points = List.copyOf(points);
        }
    }

    /** A run as a position on a line's axis: its start and the kernel version it ran. */
    public record RunRef(String runKey, String startedAt, String kernelVersion) {
        /** The start as "YYYY-MM-DD HH:MM" (UTC). */
        public String date() {
            return startedAt.length() >= 16 ? startedAt.substring(0, 10) + " " + startedAt.substring(11, 16) : startedAt;
        }
    }

    /** The distribution of one measurement over a run's repetitions of a cell. */
    public record Point(RunRef run, int n, double min, double q1, double median, double q3, double max) {
    }

    /** The kernel of a line ran {@code to} from {@code at} on, {@code from} before. */
    public record VersionChange(String kernelLine, String kernel, RunRef at, String from, String to) {
    }

    /**
     * The set of kernel verdicts of a line changed between two runs with kernel verdicts
     * (INFRA_ERROR is no verdict about the kernel). {@code from}/{@code to} read like
     * "BLOCKED_UNTIL_RELEASE 9, HUNG 1".
     */
    public record VerdictChange(Line line, RunRef before, RunRef at, String from, String to) {
    }

    /**
     * A splat title's life on a line: the first and last run that printed it, in how many runs.
     * {@code present} when the line's newest run printed it too.
     */
    public record SplatSpan(Line line, String type, String title, RunRef first, RunRef last, int runs, boolean present) {
    }
}
