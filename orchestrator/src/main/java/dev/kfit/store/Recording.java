package dev.kfit.store;

import dev.kfit.error.KfitException;
import dev.kfit.report.Results;
import dev.kfit.report.TrendReport;
import dev.kfit.run.RunLayout;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** What run, nightly and import do with the store: record a finished run, find the previous night, write trend.html. */
public final class Recording {
    /** The trend page a nightly writes into its run directory. */
    public static final String TREND_HTML = "trend.html";

    private Recording() {
    }

    /** The store of a run directory: {@code --db}, KFIT_DB, the config file, or the file beside the run. */
    public static StoreLocation storeOf(RunLayout run, String dbOption) {
        Path parent = run.dir().toAbsolutePath().normalize().getParent();
        return StoreLocation.resolve(dbOption, parent == null ? run.dir() : parent);
    }

    /**
     * Records a finished run. A store that cannot be reached does not undo a run: the error is printed
     * with how to record it later, and null returned.
     */
    public static ResultsStore.Recorded recordFinished(RunLayout run, String dbOption, PrintStream err) {
        StoreLocation at = null;
        try {
            String shard = run.readResults().run().shard();
            if (shard != null) {
                err.println("kfit: shard " + shard + " not recorded in the results store: kfit merge records the merged run");
                return null;
            }
            at = storeOf(run, dbOption);
            try (ResultsStore store = ResultsStore.open(at)) {
                ResultsStore.Recorded r = store.record(run);
                err.println("kfit: recorded in results store " + at + ": " + r.cells() + " cells, " + r.measurements()
                        + " measurements, " + r.splats() + " splats");
                return r;
            }
        } catch (KfitException e) {
            err.println("kfit: the run was not recorded in the results store" + (at == null ? "" : " " + at) + ": " + e.getMessage()
                    + " (record it later with: kfit import " + run.dir() + ")");
            return null;
        }
    }

    /** How many earlier runs of this machine whose directories are gone the previous-night lookup passes over. */
    static final int CANDIDATES = 50;

    /** The run a nightly compares itself with: its name (a directory, or the store's key) and its results. */
    public record Previous(String name, Results results) {
    }

    /**
     * The newest earlier run of the same spec, or night of the same nightly: from the store first (its directory when it was
     * recorded on this machine, passing over runs whose directories were deleted since; the store's
     * copy of its cells when another machine recorded it), then, when the store has none, the runs
     * beside this one ({@link RunLayout#previousOfSameSpec()}). A store that cannot be read is
     * reported and skipped.
     */
    public static Optional<Previous> previousNight(RunLayout run, String dbOption, PrintStream err) {
        Optional<Previous> fromStore = Optional.empty();
        StoreLocation at = null;
        try {
            at = storeOf(run, dbOption);
            if (at.kind() != StoreLocation.Kind.SQLITE || Files.isRegularFile(at.file())) {
                fromStore = fromStore(run, at);
            }
        } catch (KfitException e) {
            err.println("kfit: cannot look up the previous run in the results store" + (at == null ? "" : " " + at) + ": "
                    + e.getMessage() + "; looking beside the run instead");
        }
        if (fromStore.isPresent()) {
            return fromStore;
        }
        return run.previousOfSameSpec().map(l -> new Previous(l.dir().toString(), l.readResults()));
    }

    static Optional<Previous> fromStore(RunLayout run, StoreLocation at) {
        if (!Files.isRegularFile(run.spec())) {
            return Optional.empty();
        }
        String spec;
        try {
            spec = Files.readString(run.spec());
        } catch (IOException e) {
            throw new StoreException("cannot read " + run.spec() + ": " + e.getMessage(), e);
        }
        Results.RunInfo info = Files.isRegularFile(run.results()) ? run.readResults().run() : null;
        String startedAt = info != null ? info.startedAt() : "9999";
        ResultsStore.Lineage lineage = new ResultsStore.Lineage(ResultsStore.sha256(spec), info == null ? null : info.nightly());
        try (ResultsStore store = ResultsStore.open(at)) {
            for (ResultsStore.StoredRun p : store.earlier(lineage, startedAt, ResultsStore.runKey(run.dir()), CANDIDATES)) {
                if (!p.recordedOn().equals(ResultsStore.machine())) {
                    // Another machine's run (a shared server): the store's copy of its cells.
                    return Optional.of(new Previous(p.runKey() + " (from the results store " + at + ")", store.results(p.runKey())));
                }
                RunLayout local = new RunLayout(Path.of(p.dir()));
                if (Files.isRegularFile(local.results())) {
                    return Optional.of(new Previous(p.dir(), local.readResults()));
                }
                // Recorded here, but its directory was deleted since: whoever deleted it did not want it
                // compared with; the next older run is the previous night.
            }
            return Optional.empty();
        }
    }

    /**
     * Writes {@code run/trend.html}: the store's history of the kernel lines, kernels and scenarios
     * this run has. Returns the file, or null (reported) when the store could not be read.
     */
    public static Path writeTrend(RunLayout run, Results results, String dbOption, PrintStream err) {
        Path file = run.dir().resolve(TREND_HTML);
        try {
            TrendReport.write(trendOf(run, results, dbOption), "kfit trend: " + run.dir().getFileName(), file);
            return file;
        } catch (KfitException e) {
            err.println("kfit: no " + TREND_HTML + ": " + e.getMessage());
            return null;
        }
    }

    /** The store's history of the kernels (labels) and scenarios this run has; throws when the store cannot be read. */
    public static Trend trendOf(RunLayout run, Results results, String dbOption) {
        try (ResultsStore store = ResultsStore.open(storeOf(run, dbOption))) {
            Set<String> kernels = results.cells().stream().map(c -> c.kernel()).collect(Collectors.toSet());
            Set<String> scenarios = results.cells().stream().map(c -> c.scenario()).collect(Collectors.toSet());
            return only(store.trend(ResultsStore.Query.all()), kernels, scenarios);
        }
    }

    /**
     * What report.html shows besides the results: the comparison (null for none) and the store's trend
     * of this run's kernels and scenarios. A store that is missing or cannot be read costs the page its
     * trend, not the run: the page says why in its place.
     */
    public static dev.kfit.report.HtmlReport.Context reportContext(RunLayout run, Results results,
                                                                   dev.kfit.compare.Comparison.Against against, String dbOption) {
        StoreLocation at = null;
        try {
            at = storeOf(run, dbOption);
            if (at.kind() == StoreLocation.Kind.SQLITE && !Files.isRegularFile(at.file())) {
                return new dev.kfit.report.HtmlReport.Context(against, null, "No trend: there is no results store at " + at + ".");
            }
            return new dev.kfit.report.HtmlReport.Context(against, trendOf(run, results, dbOption), null);
        } catch (KfitException e) {
            return new dev.kfit.report.HtmlReport.Context(against, null, "No trend: the results store" + (at == null ? "" : " " + at)
                    + " could not be read: " + e.getMessage());
        }
    }

    /** Writes {@code run/report.html} with {@link #reportContext}. */
    public static void writeReport(RunLayout run, Results results, dev.kfit.compare.Comparison.Against against, String dbOption) {
        dev.kfit.report.HtmlReport.write(results, reportContext(run, results, against, dbOption), run.dir().resolve("report.html"));
    }

    /** The part of a trend about these kernels (labels) and scenarios. */
    public static Trend only(Trend t, Set<String> kernels, Set<String> scenarios) {
        java.util.function.Predicate<Trend.Line> in = l -> kernels.contains(l.kernel()) && scenarios.contains(l.scenario());
        return new Trend(t.series().stream().filter(s -> in.test(s.line())).toList(),
                t.versions().stream().filter(v -> kernels.contains(v.kernel())).toList(),
                t.verdicts().stream().filter(v -> in.test(v.line())).toList(),
                t.splats().stream().filter(s -> in.test(s.line())).toList());
    }
}
