package dev.kfit.cli;

import dev.kfit.cache.Cache;
import dev.kfit.compare.Comparison;
import dev.kfit.error.BadInputException;
import dev.kfit.host.Host;
import dev.kfit.host.HostEntry;
import dev.kfit.host.Inventory;
import dev.kfit.host.LocalHost;
import dev.kfit.host.SshHost;
import java.util.List;
import dev.kfit.image.GuestImage;
import dev.kfit.image.ImageBuilder;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.kernel.KernelBuilder;
import dev.kfit.prebuilt.Prebuilt;
import dev.kfit.report.Results;
import dev.kfit.report.Table;
import dev.kfit.run.CellDurations;
import dev.kfit.run.Progress;
import dev.kfit.run.RunLayout;
import dev.kfit.run.Runner;
import dev.kfit.run.Sharding;
import dev.kfit.spec.CellSpec;
import dev.kfit.spec.KernelSpec;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import dev.kfit.verdict.Verdict;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

@Command(name = "kfit", mixinStandardHelpOptions = true, version = "kfit 0.1",
        description = "kernel fault-injection testbed: build kernels, boot them in QEMU, inject faults, judge.",
        subcommands = {Main.Run.class, Main.Reproduce.class, Main.Designs.class, Main.Nightly.class, Main.Report.class, Main.Compare.class, Main.MergeRuns.class,
                Main.ShowShards.class, Main.Build.class})
public final class Main {
    @Option(names = "--stacktrace", description = "print the stack trace of an error", scope = CommandLine.ScopeType.INHERIT)
    boolean stacktrace;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.addSubcommand(new Trend()).addSubcommand(new Import()); // the results store's history (dev.kfit.store)
        cl.addSubcommand(new BisectCommand()).addSubcommand(new SummaryCommand()); // dev.kfit.bisect, report.Summary
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            boolean trace = ((Main) cmd.getCommandSpec().root().userObject()).stacktrace;
            System.err.println("kfit: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (trace) {
                e.printStackTrace();
            }
            return ExitCodes.of(e);
        });
        cl.setParameterExceptionHandler((e, a) -> {
            System.err.println("kfit: " + e.getMessage());
            e.getCommandLine().usage(System.err);
            return ExitCodes.BAD_INPUT;
        });
        return cl.execute(args);
    }

    /** The kfit checkout: set by the launcher, else the working directory. */
    static Path root() {
        return Path.of(System.getProperty("kfit.root", ".")).toAbsolutePath().normalize();
    }

    /** How a run shares the machine and how big it is; the same for run, reproduce and nightly. */
    static final class RunOptions {
        @Option(names = "--out", paramLabel = "DIR", description = "run directory (default runs/<UTC time>); an existing one is resumed: finished cells are kept")
        Path out;
        @Option(names = "--jobs", paramLabel = "N", description = "cells at once (default: as many as the cores and memory hold, one core per guest vCPU)")
        int jobs;
        @Option(names = "--repetitions", paramLabel = "N", description = "run every scenario N times instead of what the spec says (a quick look at a big spec)")
        Integer repetitions;
        @Option(names = "--kernels", paramLabel = "LABEL", split = ",", description = "only these kernels of the spec (comma-separated labels)")
        java.util.List<String> kernels;
        @Option(names = "--shard", paramLabel = "I/N", description = {"only shard I (1-based) of the cells split into N of about equal expected time,",
                "after --kernels and --repetitions; N workers with the same arguments run all cells once (see kfit shard)"})
        String shard;
        @Option(names = "--hosts", paramLabel = "INVENTORY", description = {"run the cells on the hosts of this Ansible inventory (group kfit_hosts),",
                "reached over SSH; kernels and the guest image are built here once and shipped by content key"})
        Path hosts;
        @Option(names = "--durations", paramLabel = "RUN", description = "with --shard: expect each cell to take as long as in this earlier run of the spec (mean per kernel and scenario)")
        Path durations;
        @Option(names = "--prebuilt", paramLabel = "DIR", description = {"build nothing: take the guest image and kernels from DIR (made by kfit build SPEC --export DIR);",
                "refused when DIR lacks a kernel the cells need or was built from other sources, patches or fragments"})
        Path prebuilt;
        @Option(names = "--db", paramLabel = "URL", description = {"results store the finished run is recorded in: jdbc:postgresql://HOST/DB or a file",
                "(default: $KFIT_DB, ~/.config/kfit/db.conf, else kfit-results.db beside the run directory)"})
        String db;
    }

    /** The spec as a run sees it: {@code --repetitions} and then {@code --kernels} applied. */
    static Spec selected(Path specFile, Integer repetitions, java.util.List<String> kernels) {
        Spec spec = SpecLoader.load(specFile);
        if (repetitions != null) {
            if (repetitions < 1 || repetitions > 1000) {
                throw new BadInputException("--repetitions " + repetitions + ": must be between 1 and 1000");
            }
            spec = spec.withRepetitions(repetitions);
        }
        if (kernels != null) {
            spec = spec.withKernels(kernels);
        }
        return spec;
    }

    /** The SSH hosts of a run: connected together (an unreachable one fails the run before it starts), closed together. */
    static final class RemoteHosts implements AutoCloseable {
        private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
        private final List<SshHost> hosts = new java.util.ArrayList<>();

        List<Host> connect(List<HostEntry> entries, Progress progress) {
            for (HostEntry e : entries) {
                hosts.add(SshHost.connect(e, CONNECT_TIMEOUT));
                progress.log("host " + e.name() + " (" + e.sshAddress() + ") connected");
            }
            return List.copyOf(hosts);
        }

        @Override
        public void close() {
            for (SshHost h : hosts) {
                h.close();
            }
        }
    }

    /** Expected cell durations for a split: measured in {@code durationsRun} when given, else the model. */
    static CellDurations durations(Spec spec, Path durationsRun) {
        return durationsRun == null ? CellDurations.model(spec)
                : CellDurations.measured(spec, new RunLayout(durationsRun.toAbsolutePath().normalize()).readResults());
    }

    /** Runs a spec into a run directory; returns the run's layout and results for callers that go on (nightly). */
    record Ran(RunLayout layout, Results results) {
    }

    static Ran runSpec(Path specFile, RunOptions o) {
        return runSpec(specFile, o, null);
    }

    /** @param nightly the nightly's name for {@code kfit nightly} (its runs find their previous night by it), else null */
    static Ran runSpec(Path specFile, RunOptions o, String nightly) {
        // Option mistakes fail before the spec is read and long before any build.
        Sharding.Index index = o.shard == null ? null : Sharding.Index.parse("--shard", o.shard);
        if (o.durations != null && index == null) {
            throw new BadInputException("--durations " + o.durations + ": only used to split cells, give --shard I/N too");
        }
        Spec spec = selected(specFile, o.repetitions, o.kernels);
        Sharding.Shard shard = index == null ? null
                : Sharding.split(spec.cells(), index.count(), durations(spec, o.durations)).get(index.index() - 1);
        if (o.jobs < 0) {
            throw new BadInputException("--jobs " + o.jobs + ": must be at least 1 (or absent for what the machine holds)");
        }
        // A prebuilt directory that does not fit the cells is refused before the run directory is made.
        Prebuilt.Artefacts prebuilt = null;
        if (o.prebuilt != null) {
            java.util.List<CellSpec> plan = shard == null ? spec.cells() : shard.specs();
            java.util.List<KernelSpec> needed = spec.kernels().stream()
                    .filter(k -> plan.stream().anyMatch(c -> c.kernel().equals(k))).toList();
            prebuilt = Prebuilt.take(o.prebuilt, needed, root().resolve("guest-images"), Runner.builtinFragments(root()));
        }
        Instant t0 = Instant.now();
        List<HostEntry> entries = o.hosts == null ? null : Inventory.read(o.hosts);
        Results results;
        RunLayout layout;
        try (Progress progress = Progress.toStderr(); LocalHost host = new LocalHost(); RemoteHosts remote = new RemoteHosts()) {
            // An unreachable host or a wrong host key fails before anything is created or built.
            List<Host> runHosts = entries == null ? List.of(host) : remote.connect(entries, progress);
            layout = RunLayout.create(o.out);
            progress.log("run directory " + layout.dir());
            Runner runner = new Runner(host, runHosts, Cache.fromEnvironment(), root(), progress, o.jobs);
            if (prebuilt != null) {
                runner = runner.withPrebuilt(prebuilt);
            }
            if (nightly != null) {
                runner = runner.withNightly(nightly);
            }
            if (shard == null) {
                results = runner.run(spec, layout);
            } else {
                progress.log("shard " + shard.index() + ": " + shard.cells().size() + " of " + shard.allCells().size()
                        + " cells, expected " + Sharding.seconds(shard.total()) + " of cell time");
                results = runner.run(spec, shard, layout);
            }
        }
        dev.kfit.store.Recording.recordFinished(layout, o.db, System.err);
        // Recorded now: the page can show the store's trend with this run in it.
        dev.kfit.store.Recording.writeReport(layout, results, null, o.db);
        System.out.print(Table.render(results));
        System.out.printf("%nresults: %s (%d s)%n", layout.results(), Duration.between(t0, Instant.now()).toSeconds());
        return new Ran(layout, results);
    }

    static int exitCode(Results results) {
        boolean infra = results.cells().stream().anyMatch(c -> Verdict.isKfitError(c.verdict()));
        return infra ? ExitCodes.INFRA : ExitCodes.OK;
    }

    @Command(name = "run", description = "Run the kernels and scenarios a spec names.")
    static final class Run implements Callable<Integer> {
        @Parameters(paramLabel = "SPEC", description = "spec YAML file")
        Path spec;
        @CommandLine.Mixin
        RunOptions options = new RunOptions();

        @Override
        public Integer call() {
            return exitCode(runSpec(spec, options).results());
        }
    }

    @Command(name = "reproduce", description = "Reproduce the P2PDMA unbind hang: examples/reproduce.yaml.")
    static final class Reproduce implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions options = new RunOptions();

        @Override
        public Integer call() {
            return exitCode(runSpec(builtin("examples/reproduce.yaml"), options).results());
        }
    }

    @Command(name = "designs", description = {"Which designs let an unbind finish: examples/designs.yaml (the long-term pin,",
            "on-demand paging, VFIO with two holders, revocable dma-buf, on 6.12 and 7.2); the report opens with",
            "the table mechanism x kernel."})
    static final class Designs implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions options = new RunOptions();

        @Override
        public Integer call() {
            return exitCode(runSpec(builtin("examples/designs.yaml"), options).results());
        }
    }

    @Command(name = "nightly", description = {"Run the nightly matrix, examples/nightly.yaml (4 kernels x (10 + 5) = 60 cells),",
            "then compare it with the previous night: the newest earlier run of the same nightly (spec file name) or the same spec,",
            "in the results store, else beside it. Exit 1 when that comparison finds a regression, 3 when cells ended in INFRA_ERROR."})
    static final class Nightly implements Callable<Integer> {
        @CommandLine.Mixin
        RunOptions options = new RunOptions();
        @Option(names = "--against", paramLabel = "RUN", description = "compare with this run directory instead of the newest earlier nightly")
        Path against;
        @Option(names = "--spec", paramLabel = "FILE", description = {"run this nightly spec instead of examples/nightly.yaml; its file name is the",
                "nightly's name: nights of one name compare with each other even when the file changed (a patch added tonight)"})
        Path spec;

        @Override
        public Integer call() {
            // A wrong --against fails now, not after an hour of cells.
            Results older = against == null ? null : readResults(against);
            Path file = spec != null ? spec : builtin("examples/nightly.yaml");
            if (!Files.isRegularFile(file)) {
                throw new BadInputException("--spec " + file + ": no such file");
            }
            Ran ran = runSpec(file, options, file.getFileName().toString());
            Path trend = dev.kfit.store.Recording.writeTrend(ran.layout(), ran.results(), options.db, System.err);
            if (trend != null) {
                System.out.println("trend: " + trend);
            }
            // The results store first (also runs recorded by other machines), then the runs beside this one.
            java.util.Optional<dev.kfit.store.Recording.Previous> previous = against != null
                    ? java.util.Optional.of(new dev.kfit.store.Recording.Previous(against.toAbsolutePath().toString(), older))
                    : dev.kfit.store.Recording.previousNight(ran.layout(), options.db, System.err);
            if (previous.isEmpty()) {
                System.out.println("no earlier nightly beside " + ran.layout().dir() + " or in the results store to compare with");
                return exitCode(ran.results());
            }
            older = previous.get().results();
            Comparison.Against cmp = new Comparison.Against(previous.get().name(), Comparison.compare(older, ran.results()));
            writeComparison(ran.layout(), cmp);
            dev.kfit.store.Recording.writeReport(ran.layout(), ran.results(), cmp, options.db);
            System.out.println("\ncompared with " + cmp.olderRun() + ":");
            System.out.print(Comparison.render(cmp.changes()));
            if (cmp.changes().stream().anyMatch(Comparison.Change::regression)) {
                return ExitCodes.REGRESSION; // the news of the night, even when some cells also failed
            }
            return exitCode(ran.results());
        }
    }

    /** comparison.json in a run directory: what its report's comparison section shows; kfit report keeps it. */
    static final String COMPARISON = "comparison.json";

    static void writeComparison(RunLayout layout, Comparison.Against cmp) {
        try {
            dev.kfit.report.ReportFiles.writeAtomically(layout.dir().resolve(COMPARISON), Results.JSON.writeValueAsString(cmp));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new dev.kfit.error.InfraException("cannot write " + COMPARISON + ": " + e.getMessage(), e);
        }
    }

    static Comparison.Against readComparison(Path run) {
        Path file = run.resolve(COMPARISON);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Results.JSON.readValue(file.toFile(), Comparison.Against.class);
        } catch (java.io.IOException e) {
            throw new BadInputException(file + ": not a kfit comparison: " + e.getMessage());
        }
    }

    static Results readResults(Path run) {
        return new RunLayout(run).readResults();
    }

    static Path builtin(String relative) {
        Path spec = root().resolve(relative);
        if (!Files.isRegularFile(spec)) {
            throw new BadInputException(spec + ": built-in spec missing from this checkout");
        }
        return spec;
    }

    @Command(name = "compare", description = {"Compare two run directories; exit 1 when the newer one regressed.",
            "With --old-kernel/--new-kernel, compare one kernel of each (e.g. unpatched against patched, even within one run)."})
    static final class Compare implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "OLD_RUN")
        Path older;
        @Parameters(index = "1", paramLabel = "NEW_RUN")
        Path newer;
        @Option(names = "--old-kernel", paramLabel = "LABEL", description = "only this kernel's cells of OLD_RUN")
        String oldKernel;
        @Option(names = "--new-kernel", paramLabel = "LABEL", description = "only this kernel's cells of NEW_RUN")
        String newKernel;

        @Override
        public Integer call() {
            Results a = only(readResults(older), oldKernel, older);
            Results b = only(readResults(newer), newKernel, newer);
            var changes = Comparison.compare(a, b);
            System.out.print(Comparison.render(changes));
            return changes.stream().anyMatch(Comparison.Change::regression) ? ExitCodes.REGRESSION : ExitCodes.OK;
        }

        private static Results only(Results r, String kernel, Path run) {
            if (kernel == null) {
                return r;
            }
            var cells = r.cells().stream().filter(c -> c.kernel().equals(kernel)).toList();
            if (cells.isEmpty()) {
                throw new BadInputException(run.resolve("results.json") + ": no cells of kernel '" + kernel + "' (it has: "
                        + String.join(", ", r.cells().stream().map(dev.kfit.report.CellResult::kernel).distinct().toList()) + ")");
            }
            return new Results(r.run(), cells);
        }
    }

    @Command(name = "merge", description = {"Join run directories of one spec run on several hosts into one (ansible/fanout.yml does this).",
            "OUT gets their cells, builds, one results.json and the reports."})
    static final class MergeRuns implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "OUT", description = "the merged run directory (created)")
        Path out;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "RUN", description = "run directories to join")
        java.util.List<Path> runs;
        @Option(names = "--db", paramLabel = "URL", description = "results store the merged run is recorded in (default as for run)")
        String db;
        @Option(names = "--nightly", paramLabel = "NAME", description = {"record the merged run as a night of this nightly (a fanned-out",
                "nightly: ansible/fanout.yml -e nightly=NAME); default: the name the runs carry, if all carry the same"})
        String nightly;

        @Override
        public Integer call() {
            if (Files.exists(out.resolve("results.json"))) {
                throw new BadInputException(out.resolve("results.json") + ": already exists; merge into a new directory");
            }
            RunLayout layout = new RunLayout(out.toAbsolutePath().normalize());
            dev.kfit.run.Merge.Merged merged = dev.kfit.run.Merge.merge(layout, runs, nightly);
            dev.kfit.store.Recording.recordFinished(layout, db, System.err);
            System.out.print(Table.render(merged.results()));
            System.out.printf("%nresults: %s%n", out.resolve("results.json"));
            if (merged.note() != null) {
                System.err.println("kfit: " + merged.note());
                return ExitCodes.INFRA; // a worker's cells are lost: the machinery failed, not a kernel
            }
            return exitCode(merged.results());
        }
    }

    @Command(name = "shard", description = {"Show how `kfit run SPEC --shard I/N` splits the spec's cells over N workers:",
            "each shard's cells with their expected durations and its total, longest expected cell first to the least loaded shard."})
    static final class ShowShards implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SPEC", description = "spec YAML file")
        Path spec;
        @Parameters(index = "1", paramLabel = "N", description = "number of shards (workers)")
        int count;
        @Option(names = "--durations", paramLabel = "RUN", description = "expect each cell to take as long as in this earlier run of the spec")
        Path durations;
        @Option(names = "--repetitions", paramLabel = "N", description = "as given to kfit run")
        Integer repetitions;
        @Option(names = "--kernels", paramLabel = "LABEL", split = ",", description = "as given to kfit run")
        java.util.List<String> kernels;

        @Override
        public Integer call() {
            Sharding.checkCount("N", count);
            Spec s = selected(spec, repetitions, kernels);
            System.out.print(Sharding.render(Sharding.split(s.cells(), count, durations(s, durations))));
            return ExitCodes.OK;
        }
    }

    @Command(name = "build", description = {"Build (or find in the cache) the guest image and the spec's kernels on this machine, without running cells.",
            "With --export DIR, write them and DIR/prebuilt.json for kfit run SPEC --prebuilt DIR on machines that build nothing."})
    static final class Build implements Callable<Integer> {
        @Parameters(paramLabel = "SPEC", description = "spec YAML file")
        Path spec;
        @Option(names = "--kernels", paramLabel = "LABEL", split = ",", description = "only these kernels of the spec (comma-separated labels)")
        java.util.List<String> kernels;
        @Option(names = "--export", paramLabel = "DIR", description = "write the artefacts and prebuilt.json here (an earlier export there is replaced)")
        Path export;

        @Override
        public Integer call() {
            Spec s = selected(spec, null, kernels);
            if (export != null) {
                Prebuilt.checkReplaceable(export);   // now, not after an hour of kernel builds
            }
            Path root = root();
            try (Progress progress = Progress.toStderr(); LocalHost host = new LocalHost()) {
                Cache cache = Cache.fromEnvironment();
                GuestImage image = new ImageBuilder(host, cache, root.resolve("guest-images"), progress::log).build();
                KernelBuilder kb = new KernelBuilder(host, cache, Runner.builtinFragments(root), progress::log);
                java.util.List<Prebuilt.Built> built = new java.util.ArrayList<>();
                for (KernelSpec k : s.kernels()) {
                    progress.phase("kernel " + k.label(), "building");
                    KernelBuild b = kb.build(k);
                    progress.end("kernel " + k.label());
                    built.add(new Prebuilt.Built(k, b));
                    System.out.printf("kernel %s: %s, key %s%s%n", k.label(), b.kernelVersion(), b.cacheKey(), b.cached() ? " (cached)" : "");
                }
                System.out.printf("guest image: key %s%s%n", image.cacheKey(), image.cached() ? " (cached)" : "");
                if (export != null) {
                    Prebuilt.export(export, s.file(), image, built, Runner.builtinFragments(root));
                    System.out.printf("exported: %s%n", export.toAbsolutePath().normalize().resolve(Prebuilt.MANIFEST));
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "trend", description = {"The results store's history: per kernel line, kernel, scenario and measurement, the median and spread",
            "per run, kernel version and verdict changes, each splat title's first and last run. Writes an HTML page, prints a summary."})
    static final class Trend implements Callable<Integer> {
        @Option(names = "--since", paramLabel = "DATE", description = "only runs started on or after DATE (YYYY-MM-DD, UTC)")
        String since;
        @Option(names = "--kernel", paramLabel = "L", description = "only this kernel line (e.g. debian:linux-source-6.12) or kernel label (6.12-series)")
        String kernel;
        @Option(names = "--scenario", paramLabel = "S", description = "only this scenario")
        String scenario;
        @Option(names = "--db", paramLabel = "URL", description = "results store (default: $KFIT_DB, ~/.config/kfit/db.conf, else runs/kfit-results.db)")
        String db;
        @Option(names = "--html", paramLabel = "FILE", description = "where to write the page (default trend.html)")
        Path html = Path.of("trend.html");

        @Override
        public Integer call() {
            var query = new dev.kfit.store.ResultsStore.Query(since, kernel, scenario);
            var at = dev.kfit.store.StoreLocation.resolve(db, Path.of("runs").toAbsolutePath());
            if (at.file() != null && !Files.isRegularFile(at.file())) {
                throw new BadInputException(at.file() + ": no results store (run kfit run or nightly, kfit import RUN..., or give --db)");
            }
            try (var store = dev.kfit.store.ResultsStore.open(at)) {
                var trend = store.trend(query);
                dev.kfit.report.TrendReport.write(trend, "kfit trend", html);
                System.out.print(dev.kfit.store.TrendText.render(trend));
                System.out.printf("%ntrend: %s (from %s)%n", html.toAbsolutePath(), at);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "import", description = {"Record finished run directories in the results store (again: a run is never recorded twice).",
            "Default store: kfit-results.db beside each run, unless --db, $KFIT_DB or ~/.config/kfit/db.conf names one."})
    static final class Import implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "RUN", description = "run directories")
        java.util.List<Path> runs;
        @Option(names = "--db", paramLabel = "URL", description = "results store: jdbc:postgresql://HOST/DB or a file")
        String db;

        @Override
        public Integer call() {
            java.util.List<RunLayout> layouts = runs.stream().map(r -> new RunLayout(r.toAbsolutePath().normalize())).toList();
            layouts.forEach(RunLayout::readResults); // a mistyped directory fails before anything is written
            for (RunLayout l : layouts) {
                try (var store = dev.kfit.store.ResultsStore.open(dev.kfit.store.Recording.storeOf(l, db))) {
                    var r = store.record(l);
                    System.out.printf("%s: %d cells, %d measurements, %d splats%s -> %s%n", l.dir(), r.cells(), r.measurements(), r.splats(),
                            r.replaced() ? " (replaced its earlier record)" : "", store.location());
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "report", description = "Rebuild a run directory's reports (junit.xml, kcidb.json, report.html) from its results and print its table.")
    static final class Report implements Callable<Integer> {
        @Parameters(paramLabel = "RUN", description = "run directory")
        Path run;
        @Option(names = "--db", paramLabel = "URL", description = "results store for the page's trend (default: $KFIT_DB, ~/.config/kfit/db.conf, else kfit-results.db beside the run)")
        String db;

        @Override
        public Integer call() {
            Results results = readResults(run);
            dev.kfit.report.JunitReport.write(results, run.resolve("junit.xml"));
            dev.kfit.report.KcidbExport.write(results, run.resolve("kcidb.json"));
            dev.kfit.store.Recording.writeReport(new RunLayout(run.toAbsolutePath().normalize()), results, readComparison(run), db);
            System.out.print(Table.render(results));
            return ExitCodes.OK;
        }
    }
}
