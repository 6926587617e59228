package dev.kfit.cli;

import dev.kfit.cache.Cache;
import dev.kfit.error.BadInputException;
import dev.kfit.host.LocalHost;
import dev.kfit.report.Results;
import dev.kfit.report.Table;
import dev.kfit.run.RunLayout;
import dev.kfit.run.Runner;
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
        subcommands = {Main.Run.class, Main.Reproduce.class, Main.Nightly.class, Main.Report.class, Main.Compare.class})
public final class Main {
    @Option(names = "--stacktrace", description = "print the stack trace of an error", scope = CommandLine.ScopeType.INHERIT)
    boolean stacktrace;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
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

    static int runSpec(Path specFile, Path out) {
        Spec spec = SpecLoader.load(specFile);
        Instant t0 = Instant.now();
        RunLayout layout = RunLayout.create(out);
        System.err.println("kfit: run directory " + layout.dir());
        Results results;
        try (LocalHost host = new LocalHost()) {
            results = new Runner(host, Cache.fromEnvironment(), root(), msg -> System.err.println("kfit: " + msg))
                    .run(spec, layout);
        }
        System.out.print(Table.render(results));
        System.out.printf("%nresults: %s (%d s)%n", layout.results(), Duration.between(t0, Instant.now()).toSeconds());
        boolean infra = results.cells().stream().anyMatch(c -> c.verdict().equals(Verdict.INFRA_ERROR.name()));
        return infra ? ExitCodes.INFRA : ExitCodes.OK;
    }

    @Command(name = "run", description = "Run the kernels and scenarios a spec names.")
    static final class Run implements Callable<Integer> {
        @Parameters(paramLabel = "SPEC", description = "spec YAML file")
        Path spec;
        @Option(names = "--out", paramLabel = "DIR", description = "run directory (default runs/<UTC time>)")
        Path out;

        @Override
        public Integer call() {
            return runSpec(spec, out);
        }
    }

    @Command(name = "reproduce", description = "Reproduce the P2PDMA unbind hang: examples/reproduce.yaml.")
    static final class Reproduce implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "DIR", description = "run directory (default runs/<UTC time>)")
        Path out;

        @Override
        public Integer call() {
            return runSpec(builtin("examples/reproduce.yaml"), out);
        }
    }

    @Command(name = "nightly", description = "Run the nightly matrix: examples/nightly.yaml (4 kernels x 2 scenarios x 10).")
    static final class Nightly implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "DIR", description = "run directory (default runs/<UTC time>); an existing one is resumed")
        Path out;

        @Override
        public Integer call() {
            return runSpec(builtin("examples/nightly.yaml"), out);
        }
    }

    static Path builtin(String relative) {
        Path spec = root().resolve(relative);
        if (!Files.isRegularFile(spec)) {
            throw new BadInputException(spec + ": built-in spec missing from this checkout");
        }
        return spec;
    }

    @Command(name = "compare", description = "Compare two run directories; exit 1 when the newer one regressed.")
    static final class Compare implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "OLD_RUN")
        Path older;
        @Parameters(index = "1", paramLabel = "NEW_RUN")
        Path newer;

        @Override
        public Integer call() {
            var changes = dev.kfit.compare.Comparison.compare(read(older), read(newer));
            System.out.print(dev.kfit.compare.Comparison.render(changes));
            return changes.stream().anyMatch(dev.kfit.compare.Comparison.Change::regression) ? ExitCodes.REGRESSION : ExitCodes.OK;
        }

        private static Results read(Path run) {
            Path file = run.resolve("results.json");
            if (!Files.isRegularFile(file)) {
                throw new BadInputException(file + ": no such file (not a kfit run directory?)");
            }
            return Results.read(file);
        }
    }

    @Command(name = "report", description = "Rebuild a run directory's reports (junit.xml, kcidb.json, report.html) from its results and print its table.")
    static final class Report implements Callable<Integer> {
        @Parameters(paramLabel = "RUN", description = "run directory")
        Path run;

        @Override
        public Integer call() {
            Path file = run.resolve("results.json");
            if (!Files.isRegularFile(file)) {
                throw new BadInputException(file + ": no such file (not a kfit run directory?)");
            }
            Results results = Results.read(file);
            dev.kfit.report.JunitReport.write(results, run.resolve("junit.xml"));
            dev.kfit.report.KcidbExport.write(results, run.resolve("kcidb.json"));
            dev.kfit.report.HtmlReport.write(results, run.resolve("report.html"));
            System.out.print(Table.render(results));
            return ExitCodes.OK;
        }
    }
}
