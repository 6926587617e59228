package dev.kfit.store;

import java.util.List;

/**
 * What the store holds about kernel lines over time, as {@link ResultsStore#trend} computes it from
 * its queries and {@code report/TrendReport} draws it. Runs are ordered by their start time; a
 * "date" is a run's start, ISO-8601 UTC.
 *
 * @param series   one per kernel line, kernel, scenario and measurement: a point per run
 * @param versions kernel build changes (version or patches), per kernel line and kernel
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

    /**
     * A run as a position on a line's axis: its start and the kernel build it ran.
     *
     * @param patchset KCIDB's patchset hash of the kernel's patches ("" for none); null when not recorded
     * @param patches  the patches' file names, in order; null when not recorded
     */
    public record RunRef(String runKey, String startedAt, String kernelVersion, String patchset, List<String> patches) {
        public RunRef {
            patches = patches == null ? null : List.copyOf(patches);
        }

        public RunRef(String runKey, String startedAt, String kernelVersion) {
            this(runKey, startedAt, kernelVersion, null, null);
        }

        /** The start as "YYYY-MM-DD HH:MM" (UTC). */
        public String date() {
            return startedAt.length() >= 16 ? startedAt.substring(0, 10) + " " + startedAt.substring(11, 16) : startedAt;
        }
    }

    /** The distribution of one measurement over a run's repetitions of a cell. */
    public record Point(RunRef run, int n, double min, double q1, double median, double q3, double max) {
    }

    /**
     * The kernel of a line was built differently from {@code at} on: another version ({@code from} and
     * {@code to} differ), other patches on the same version, or both. {@code added}/{@code removed}: patch
     * file names the build gained and lost (a patch whose contents changed under the same name is in
     * neither: {@link #patchesChanged()} still says so).
     */
    public record VersionChange(String kernelLine, String kernel, RunRef at, String from, String to,
                                List<String> added, List<String> removed, boolean patchesChanged) {
        public VersionChange {
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }

        public VersionChange(String kernelLine, String kernel, RunRef at, String from, String to) {
            this(kernelLine, kernel, at, from, to, List.of(), List.of(), false);
        }

        public boolean versionChanged() {
            return !from.equals(to);
        }

        /** The patch part in a few characters, for a chart's label: "patches +1", "patches +2 -1", "patches changed". */
        public String patchLabel() {
            if (!patchesChanged) {
                return "";
            }
            if (added.isEmpty() && removed.isEmpty()) {
                return "patches changed";
            }
            return "patches" + (added.isEmpty() ? "" : " +" + added.size()) + (removed.isEmpty() ? "" : " -" + removed.size());
        }

        /** The patch change in words: "patches +0001-x.patch -0002-y.patch", "patch contents changed"; "" when none. */
        public String patchDescription() {
            if (!patchesChanged) {
                return "";
            }
            List<String> p = new java.util.ArrayList<>();
            added.forEach(n -> p.add("+" + n));
            removed.forEach(n -> p.add("-" + n));
            return p.isEmpty() ? "patch contents changed" : "patches " + String.join(" ", p);
        }

        /** The change in words: "6.12.117 -> 6.12.118", the patch change, or both joined by "; ". */
        public String describe() {
            return describe(" -> ");
        }

        /** As {@link #describe()}, with {@code arrow} between the versions (the page has a real arrow). */
        public String describe(String arrow) {
            if (!versionChanged()) {
                return patchDescription();
            }
            return from + arrow + to + (patchesChanged ? "; " + patchDescription() : "");
        }
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
