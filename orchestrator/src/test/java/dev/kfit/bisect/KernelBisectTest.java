package dev.kfit.bisect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfit.error.BadInputException;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.run.Progress;
import dev.kfit.spec.Spec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The driver with a fake builder and runner: step specs, rounds, untestable steps, bisect.json, the table, resuming. */
class KernelBisectTest {
    @TempDir
    Path tmp;
    final List<String> built = new ArrayList<>();
    final List<String> rounds = new ArrayList<>();

    private Path spec() throws Exception {
        Path series = Files.createDirectories(tmp.resolve("series"));
        for (String p : List.of("0001-a.patch", "0002-b.patch", "0003-c.patch", "0004-d.patch", "0005-e.patch")) {
            Files.writeString(series.resolve(p), "--- a/x\n+++ b/x\n");
        }
        return Files.writeString(tmp.resolve("spec.yaml"), """
                kernels:
                  - label: s
                    source: debian:linux-source-6.12
                    patches: [series]
                scenarios:
                  - name: pinned-unbind
                    hold: 20s
                """);
    }

    /** Point k blocks the unbind from 3 on; point 2's prefix "does not apply". */
    private KernelBisect bisect(PrintStream out) {
        KernelBisect.Builds builds = k -> {
            built.add(k.label());
            if (k.label().endsWith(".p2")) {
                throw new BadInputException("patch 0002-b.patch does not apply to 6.12.117");
            }
        };
        KernelBisect.Rounds run = (Spec stepSpec, Path dir) -> {
            String label = stepSpec.kernels().get(0).label();
            rounds.add(label);
            int point = Integer.parseInt(label.substring(label.lastIndexOf(".p") + 2));
            List<CellResult> cells = new ArrayList<>();
            for (int i = 0; i < stepSpec.cells().size(); i++) {
                cells.add(point >= 3 ? Cells.blocked(10_000 + i) : Cells.refused(150 + i));
            }
            try {
                Files.createDirectories(dir);
                Files.copy(stepSpec.file(), dir.resolve("spec.yaml"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            new Results(new Results.RunInfo("spec.yaml", "now", "h", "q", "TCG", List.of(), "img"), cells).write(dir.resolve("results.json"));
        };
        return new KernelBisect(null, null, tmp, Progress.toStderr(), out, builds, run);
    }

    private KernelBisect.Request request(Path spec, Path out) {
        return new KernelBisect.Request(spec, "s", null, null, null, null, null, null, null, out, 0);
    }

    @Test
    void bisectsThroughStepRunsLogsEveryStepAndResumesWithoutRunningAgain() throws Exception {
        Path spec = spec();
        Path out = tmp.resolve("out");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        BisectLog log = bisect(new PrintStream(text, true)).run(request(spec, out));

        String printed = text.toString();
        if (Boolean.getBoolean("kfit.printBisect")) {
            System.err.println(printed);
        }
        assertThat(printed).startsWith("bisect s, scenario pinned-unbind: 5 patches, runs per step 1 (3, and 5 for the ends, if latency counts)\n")
                .contains("good end: PIN_REFUSED x5, no splat, unbind_ms median 152 ms")
                .contains("STEP POINT")
                .contains("first bad: one of these (untested steps next to it):\n  p2 0002-b.patch\n  p3 0003-c.patch\n")
                .contains("kernels: 5 (2 ends, 3 steps, 1 could not be tested; a binary search over 4 points between"
                        + " the ends needs at most 3)");
        assertThat(log.result().candidates()).containsExactly("p2 0002-b.patch", "p3 0003-c.patch");
        assertThat(log.result().lastGood()).isEqualTo("p1 0001-a.patch");
        assertThat(log.steps()).extracting(BisectLog.StepInfo::name).containsExactly("p2", "p3", "p1");
        assertThat(log.steps().get(0).reason()).isEqualTo("untestable: patch 0002-b.patch does not apply to 6.12.117");
        // Latency counts (the ends differ in it too): the ends run 5 times, steps 3.
        assertThat(log.steps().get(1).runs()).isEqualTo(3);
        assertThat(Files.readString(out.resolve("steps/p2/untestable.txt"))).startsWith("patch 0002-b.patch does not apply");
        assertThat(out.resolve("steps/p3/round-1.yaml")).exists();
        assertThat(out.resolve("steps/p0/round-1/results.json")).exists();
        assertThat(Files.readString(out.resolve("spec.yaml"))).isEqualTo(Files.readString(spec));
        JsonNode json = Results.JSON.readTree(out.resolve(BisectLog.FILE).toFile());
        assertThat(json.get("result").get("first_bad").asText()).isEqualTo("p3 0003-c.patch");
        assertThat(json.get("ends").get("described").asText()).contains("bad end:  BLOCKED_UNTIL_RELEASE x5");
        assertThat(json.get("points")).hasSize(6);
        assertThat(rounds).containsExactly("s.p0", "s.p5", "s.p3", "s.p1");

        // The same command again: everything is read back, nothing is built or run.
        built.clear();
        rounds.clear();
        BisectLog again = bisect(new PrintStream(new ByteArrayOutputStream(), true)).run(request(spec, out));
        assertThat(built).isEmpty();
        assertThat(rounds).isEmpty();
        assertThat(again.result()).isEqualTo(log.result());
        assertThat(again.steps()).isEqualTo(log.steps());
    }

    @Test
    void aRoundCutShortIsFinishedWhenResumed() throws Exception {
        Path spec = spec();
        Path out = tmp.resolve("out");
        bisect(new PrintStream(new ByteArrayOutputStream(), true)).run(request(spec, out));
        // As if kfit had been killed during p1's round: its results are gone.
        Files.delete(out.resolve("steps/p1/round-1/results.json"));
        Files.delete(out.resolve("steps/p1/round-1/spec.yaml"));
        rounds.clear();
        BisectLog again = bisect(new PrintStream(new ByteArrayOutputStream(), true)).run(request(spec, out));
        assertThat(rounds).containsExactly("s.p1");
        assertThat(again.result().candidates()).containsExactly("p2 0002-b.patch", "p3 0003-c.patch");
    }
}
