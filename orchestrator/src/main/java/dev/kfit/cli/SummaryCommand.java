package dev.kfit.cli;

import dev.kfit.report.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "summary", description = {"Print a cell of a run (or a bisection's result) as plain text of at most",
        "72 columns for a mailing-list reply: kernel, patches, scenario, verdict and",
        "times, the trace, a reproducer."})
final class SummaryCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "run directory, or a bisection's directory")
    Path run;
    @Parameters(index = "1", arity = "0..1", paramLabel = "CELL", description = "cell id (default: the first cell with a finding, else the first)")
    String cell;

    @Override
    public Integer call() {
        System.out.print(Summary.of(run.toAbsolutePath().normalize(), cell, Main.root()));
        return ExitCodes.OK;
    }
}
