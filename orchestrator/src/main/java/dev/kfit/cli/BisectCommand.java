package dev.kfit.cli;

import dev.kfit.bisect.Baseline;
import dev.kfit.bisect.KernelBisect;
import dev.kfit.cache.Cache;
import dev.kfit.error.BadInputException;
import dev.kfit.host.LocalHost;
import dev.kfit.run.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "bisect", description = {
        "Find the first patch of a kernel's series (with --good/--bad: the first commit",
        "of its git source's range) that changes a scenario's outcome from the good",
        "end's: a new verdict, a new splat, or a significant latency change, judged",
        "like kfit compare. Steps run several times, flaky ones more; steps that do",
        "not apply, build or boot are gone around. The same --out again resumes.",
        "Exit 0 with a result, 2 when the ends do not differ or the input is wrong,",
        "3 on kfit's own failure."})
final class BisectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SPEC", description = "spec YAML file")
    Path spec;
    @Option(names = "--kernel", required = true, paramLabel = "LABEL", description = "the spec's kernel to bisect")
    String kernel;
    @Option(names = "--scenario", paramLabel = "NAME", description = "the scenario to run (needed when the spec has several)")
    String scenario;
    @Option(names = "--good", paramLabel = "REF", description = "with --bad: a commit range of the kernel's git source; the good end")
    String good;
    @Option(names = "--bad", paramLabel = "REF", description = "the bad end of the commit range")
    String bad;
    @Option(names = "--runs", paramLabel = "N", description = "runs per step (default: the scenario's repetitions; at least 3 when latency counts, 5 for the ends)")
    Integer runs;
    @Option(names = "--max-runs", paramLabel = "N", description = "runs a flaky step may get (default: twice --runs, at least 10)")
    Integer maxRuns;
    @Option(names = "--criteria", paramLabel = "C", split = ",", description = "what counts as a change: verdict, splat, latency (default: each in which the ends differ)")
    List<String> criteria;
    @Option(names = "--measurement", paramLabel = "NAME", description = "the measurement(s) the latency criterion looks at (default: those in which the ends differ)")
    List<String> measurements;
    @Option(names = "--out", paramLabel = "DIR", description = "bisection directory (default runs/bisect-<UTC time>); an existing one is resumed")
    Path out;
    @Option(names = "--jobs", paramLabel = "N", description = "cells at once (default: what the machine holds)")
    int jobs;

    @Override
    public Integer call() {
        Set<Baseline.Criterion> cs = null;
        if (criteria != null) {
            cs = EnumSet.noneOf(Baseline.Criterion.class);
            for (String c : criteria) {
                try {
                    cs.add(Baseline.Criterion.parse(c));
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("--criteria: " + e.getMessage());
                }
            }
        }
        if (jobs < 0) {
            throw new BadInputException("--jobs " + jobs + ": must be at least 1 (or absent for what the machine holds)");
        }
        KernelBisect.Request req = new KernelBisect.Request(spec, kernel, scenario, good, bad, runs, maxRuns, cs,
                measurements, out, jobs);
        try (Progress progress = Progress.toStderr(); LocalHost host = new LocalHost()) {
            new KernelBisect(host, Cache.fromEnvironment(), Main.root(), progress, System.out).run(req);
        }
        return ExitCodes.OK;
    }
}
