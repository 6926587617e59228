package dev.kfit.bisect;

import dev.kfit.cache.Cache;
import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.host.CommandFailedException;
import dev.kfit.host.Host;
import dev.kfit.kernel.KernelBuilder;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.run.Progress;
import dev.kfit.run.RunLayout;
import dev.kfit.run.Runner;
import dev.kfit.spec.KernelSpec;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code kfit bisect}: runs a {@link Bisection} with kfit's own runner. Each step is a run directory
 * under {@code steps/<point>/round-K/} made from a step spec ({@link StepSpecs}, kept beside it as
 * {@code round-K.yaml}): the kernel is built first (from a kept tree when one is near, see
 * {@code BuiltTrees}), and a step whose kernel does not build or whose patches do not apply is
 * untestable ({@code untestable.txt}). A flaky step gets another round. Rerun with the same {@code --out},
 * the bisection reads back every round and takes the same path, running only what is missing.
 */
public final class KernelBisect {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    /** What the command asked for. */
    public record Request(Path specFile, String kernel, String scenario, String good, String bad, Integer runs,
                          Integer maxRuns, Set<Baseline.Criterion> criteria, List<String> measurements, Path out,
                          int jobs) {
        /** The arguments that decide the bisection's path, as one line: a resumed bisection must have the same. */
        String decisive() {
            return "kernel=" + kernel + " scenario=" + scenario + " good=" + good + " bad=" + bad + " runs=" + runs
                    + " max-runs=" + maxRuns + " criteria=" + criteria + " measurements=" + measurements;
        }
    }

    private final Host host;
    private final Cache cache;
    private final Path root;
    private final Progress progress;
    private final PrintStream out;

    /** Builds a step's kernel (kfit's {@link KernelBuilder}; a fake in tests). */
    interface Builds {
        void build(KernelSpec kernel);
    }

    /** Runs a step spec's cells into a run directory, resuming it (kfit's {@link Runner}; a fake in tests). */
    interface Rounds {
        void run(Spec stepSpec, Path roundDir);
    }

    private final Builds builds;
    private final Rounds rounds;

    public KernelBisect(Host host, Cache cache, Path root, Progress progress, PrintStream out) {
        this(host, cache, root, progress, out, null, null);
    }

    /** With {@code builds} and {@code rounds} null: kfit's own builder and runner. */
    KernelBisect(Host host, Cache cache, Path root, Progress progress, PrintStream out, Builds builds, Rounds rounds) {
        this.host = host;
        this.cache = cache;
        this.root = root;
        this.progress = progress;
        this.out = out;
        this.builds = builds;
        this.rounds = rounds;
    }

    /** Runs (or resumes) the bisection; returns its log with the result. */
    public BisectLog run(Request req) {
        Spec spec = SpecLoader.load(req.specFile());
        KernelSpec kernel = spec.kernels().stream().filter(k -> k.label().equals(req.kernel())).findFirst()
                .orElseThrow(() -> new BadInputException(req.specFile() + ": no kernel labelled '" + req.kernel()
                        + "' (the spec has: " + String.join(", ", spec.kernels().stream().map(KernelSpec::label).toList()) + ")"));
        ScenarioSpec scenario = scenario(spec, req);
        if ((req.good() == null) != (req.bad() == null)) {
            throw new BadInputException("give both --good and --bad (a commit range), or neither (the kernel's patch series)");
        }
        List<Points.Point> points = req.good() == null ? Points.series(kernel) : Points.commits(kernel, host, req.good(), req.bad());
        int n = points.size() - 1;
        int minRuns = req.runs() != null ? req.runs() : spec.repetitionsOf(scenario);
        if (minRuns < 1 || (req.maxRuns() != null && req.maxRuns() < minRuns)) {
            throw new BadInputException("runs per step: need 1 <= --runs <= --max-runs, got " + minRuns + " and " + req.maxRuns());
        }
        Request effective = new Request(req.specFile(), req.kernel(), scenario.name(), req.good(), req.bad(), minRuns,
                req.maxRuns(), req.criteria(), req.measurements(), req.out(), req.jobs());
        Path dir = directory(req.out());
        BisectLog log = start(dir, spec, effective, points, req.good() == null ? "series" : "commits");
        progress.log("bisection directory " + dir);
        out.printf("bisect %s, scenario %s: %d %s, %s%n", kernel.label(), scenario.name(), n,
                req.good() == null ? "patches" : "commits " + req.good() + ".." + req.bad(),
                "runs per step " + minRuns + (req.maxRuns() == null ? "" : " to " + req.maxRuns())
                        + (minRuns < 3 ? " (3, and 5 for the ends, if latency counts)" : ""));

        Builds builder = builds;
        Rounds runner = rounds;
        if (builder == null) {
            KernelBuilder kb = new KernelBuilder(host, cache, Runner.builtinFragments(root), progress::log);
            builder = kb::build;
        }
        if (runner == null) {
            Runner r = new Runner(host, cache, root, progress, req.jobs());
            runner = (stepSpec, roundDir) -> r.run(stepSpec, RunLayout.create(roundDir));
        }
        RealSteps steps = new RealSteps(dir, spec, kernel, scenario, points, builder, runner);
        Listener listener = new Listener(dir, log, points);
        Bisection.Result r;
        try {
            r = Bisection.run(n, new Bisection.Options(minRuns, req.maxRuns(), req.criteria(), req.measurements()), steps, listener);
        } catch (BadInputException e) {
            if (e.getMessage().startsWith("the ends do not differ") || e.getMessage().contains("end cannot be tested")) {
                listener.log = listener.log.withResult(new BisectLog.ResultInfo(null, null, List.of(), false, 0, false, e.getMessage()));
                listener.log.write(dir);
            }
            throw e;
        }
        BisectLog done = listener.log.withResult(new BisectLog.ResultInfo(label(points.get(r.firstBad())),
                label(points.get(r.lastGood())), r.candidates().stream().map(i -> label(points.get(i))).toList(),
                r.exact(), r.confidence(), r.flaky(), null));
        done.write(dir);
        out.println();
        out.print(done.renderResult());
        out.println("log: " + dir.resolve(BisectLog.FILE));
        return done;
    }

    private static String label(Points.Point p) {
        return p.name() + " " + p.describe();
    }

    private static ScenarioSpec scenario(Spec spec, Request req) {
        List<String> names = spec.scenarios().stream().map(ScenarioSpec::name).toList();
        if (req.scenario() == null) {
            if (names.size() != 1) {
                throw new BadInputException(req.specFile() + " has " + names.size() + " scenarios: pick one with --scenario ("
                        + String.join(", ", names) + ")");
            }
            return spec.scenarios().get(0);
        }
        return spec.scenarios().stream().filter(s -> s.name().equals(req.scenario())).findFirst()
                .orElseThrow(() -> new BadInputException(req.specFile() + ": no scenario named '" + req.scenario()
                        + "' (the spec has: " + String.join(", ", names) + ")"));
    }

    private static Path directory(Path out) {
        Path dir = out != null ? out : Path.of("runs").resolve("bisect-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP));
        try {
            return Files.createDirectories(dir).toAbsolutePath().normalize();
        } catch (IOException e) {
            throw new InfraException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A new log, or the one of an earlier run of the same bisection (same spec, same arguments). */
    private static BisectLog start(Path dir, Spec spec, Request req, List<Points.Point> points, String mode) {
        Path specCopy = dir.resolve("spec.yaml");
        try {
            String text = Files.readString(spec.file());
            BisectLog earlier = BisectLog.read(dir);
            if (earlier != null) {
                if (!Files.isRegularFile(specCopy) || !Files.readString(specCopy).equals(text)) {
                    throw new BadInputException(dir + ": this bisection was started with another spec; use a new --out");
                }
                if (!req.decisive().equals(earlier.request())) {
                    throw new BadInputException(dir + ": this bisection was started with other arguments ("
                            + earlier.request() + "); use a new --out");
                }
            }
            Files.writeString(specCopy, text);
        } catch (IOException e) {
            throw new InfraException("cannot set up " + dir + ": " + e.getMessage(), e);
        }
        List<BisectLog.PointInfo> infos = points.stream().map(p -> new BisectLog.PointInfo(p.index(), p.name(), p.describe(),
                p.source(), p.patches().stream().map(Path::toString).toList())).toList();
        BisectLog log = new BisectLog(spec.file().toString(), req.kernel(), req.scenario(), mode, req.decisive(), infos,
                null, List.of(), null);
        log.write(dir);
        return log;
    }

    /** Prints the table and rewrites bisect.json as steps are decided. */
    private final class Listener implements Bisection.Listener {
        private final Path dir;
        private final List<Points.Point> points;
        BisectLog log;
        private int order;

        Listener(Path dir, BisectLog log, List<Points.Point> points) {
            this.dir = dir;
            this.log = log;
            this.points = points;
        }

        @Override
        public void ends(Baseline baseline, Bisection.Step good, Bisection.Step bad) {
            out.println(baseline.describe());
            out.println();
            out.print(BisectLog.tableHeader());
            BisectLog.StepInfo g = info(good);
            BisectLog.StepInfo b = info(bad);
            out.print(BisectLog.tableRow("good", g));
            out.print(BisectLog.tableRow("bad", b));
            log = log.withEnds(new BisectLog.Ends(baseline.describe(), g, b));
            log.write(dir);
        }

        @Override
        public void step(Bisection.Step step) {
            BisectLog.StepInfo s = info(step);
            out.print(BisectLog.tableRow(String.valueOf(++order), s));
            out.flush();
            log = log.withStep(s);
            log.write(dir);
        }

        private BisectLog.StepInfo info(Bisection.Step s) {
            Points.Point p = points.get(s.point());
            return new BisectLog.StepInfo(s.point(), p.name(), p.describe(), s.state().name(), s.runs(), s.valid(),
                    s.changed(), s.flaky(), s.reason(), s.changes(), "steps/" + p.name());
        }
    }

    /** Steps as kfit runs: a kernel build, then rounds of cells through the {@link Runner}. */
    private final class RealSteps implements Bisection.Steps {
        private final Path dir;
        private final Spec spec;
        private final KernelSpec kernel;
        private final ScenarioSpec scenario;
        private final List<Points.Point> points;
        private final Builds builder;
        private final Rounds runner;

        RealSteps(Path dir, Spec spec, KernelSpec kernel, ScenarioSpec scenario, List<Points.Point> points,
                  Builds builder, Rounds runner) {
            this.dir = dir;
            this.spec = spec;
            this.kernel = kernel;
            this.scenario = scenario;
            this.points = points;
            this.builder = builder;
            this.runner = runner;
        }

        @Override
        public List<CellResult> run(int point, int more) throws Bisection.Untestable {
            Points.Point p = points.get(point);
            Path stepDir = dir.resolve("steps").resolve(p.name());
            Path untestable = stepDir.resolve("untestable.txt");
            try {
                if (Files.isRegularFile(untestable)) {
                    throw new Bisection.Untestable(Files.readString(untestable).strip());
                }
                int rounds = rounds(stepDir);
                // A round cut short (kfit was killed) is finished first: the runner resumes it.
                for (int k = 1; k <= rounds; k++) {
                    if (!complete(stepDir, k)) {
                        runRound(p, stepDir, k, null);
                    }
                }
                if (more > 0) {
                    runRound(p, stepDir, rounds + 1, more);
                }
                List<CellResult> all = new ArrayList<>();
                for (int k = 1; k <= rounds(stepDir); k++) {
                    Path results = stepDir.resolve("round-" + k).resolve("results.json");
                    if (Files.isRegularFile(results)) {
                        all.addAll(Results.read(results).cells());
                    }
                }
                return all;
            } catch (IOException e) {
                throw new InfraException("cannot read " + stepDir + ": " + e.getMessage(), e);
            }
        }

        private void runRound(Points.Point p, Path stepDir, int k, Integer repetitions) throws Bisection.Untestable, IOException {
            Path specFile = stepDir.resolve("round-" + k + ".yaml");
            if (repetitions != null) {
                String label = kernel.label() + "." + p.name();
                StepSpecs.write(specFile, StepSpecs.render(spec.file(), kernel, scenario.name(), p, label, repetitions,
                        "kfit bisect " + kernel.label() + ": point " + p.index() + ", " + p.describe() + ", round " + k));
            }
            Spec stepSpec = SpecLoader.load(specFile);
            KernelSpec stepKernel = stepSpec.kernels().get(0);
            progress.phase("kernel " + stepKernel.label(), "building");
            try {
                builder.build(stepKernel);
            } catch (BadInputException | CommandFailedException e) {
                // The prefix does not apply, or the kernel does not build: this point cannot be tested.
                String why = e.getMessage().lines().findFirst().orElse(e.toString());
                Files.writeString(stepDir.resolve("untestable.txt"), why + "\n");
                throw new Bisection.Untestable(why);
            } finally {
                progress.end("kernel " + stepKernel.label());
            }
            runner.run(stepSpec, stepDir.resolve("round-" + k));
        }

        private int rounds(Path stepDir) throws IOException {
            if (!Files.isDirectory(stepDir)) {
                return 0;
            }
            try (Stream<Path> s = Files.list(stepDir)) {
                return (int) s.filter(f -> f.getFileName().toString().matches("round-[0-9]+\\.yaml")).count();
            }
        }

        /** Whether round {@code k} has a result for each of its cells (of any verdict: INFRA_ERROR is an invalid run). */
        private boolean complete(Path stepDir, int k) {
            Path results = stepDir.resolve("round-" + k).resolve("results.json");
            if (!Files.isRegularFile(results)) {
                return false;
            }
            Spec s = SpecLoader.load(stepDir.resolve("round-" + k + ".yaml"));
            return Results.read(results).cells().size() >= s.cells().size();
        }
    }
}
