package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A killed run, rerun into the same directory, keeps what it finished and redoes the rest. */
class ResumeTest {
    static final String SPEC = """
            kernels:
              - label: k
                source: debian:linux-source-6.12
            scenarios:
              - name: pinned-unbind
            repetitions: 3
            """;

    @TempDir
    Path tmp;

    private static CellResult cell(String id, String verdict) {
        return CellResult.builder()
                .id(id).kernel("k").kernelVersion("6.12.117").kernelSource("debian:linux-source-6.12=6.12.117-1")
                .patches(List.of()).scenario("pinned-unbind").repetition(1).verdict(verdict)
                .pin(new CellResult.Pin(null, null)).splats(List.of()).faults(List.of()).recovery(Map.of())
                .console("cells/" + id + "/target/console.log").consoles(Map.of())
                .history("cells/" + id + "/history.jsonl").error(verdict.equals("INFRA_ERROR") ? "boot failed" : null)
                .startedAt("2026-11-25T10:00:00Z").durationS(40.0).attempts(1)
                .build();
    }

    @Test
    void keepsCellsWithAKernelVerdictAndRedoesInfraErrors() throws Exception {
        Path specFile = tmp.resolve("s.yaml");
        Files.writeString(specFile, SPEC);
        Spec spec = SpecLoader.load(specFile);
        RunLayout layout = RunLayout.create(tmp.resolve("run"));
        Files.writeString(layout.spec(), SPEC);
        new Results(new Results.RunInfo("spec.yaml", "t", "h", "q", "TCG", List.of(), "i"),
                List.of(cell("k.pinned-unbind.r1", "BLOCKED_UNTIL_RELEASE"), cell("k.pinned-unbind.r2", "INFRA_ERROR")))
                .write(layout.results());

        assertThat(Runner.finishedEarlier(spec, layout)).containsOnlyKeys("k.pinned-unbind.r1");
    }

    @Test
    void aFreshDirectoryHasNothingToResume() throws Exception {
        Path specFile = tmp.resolve("s.yaml");
        Files.writeString(specFile, SPEC);
        assertThat(Runner.finishedEarlier(SpecLoader.load(specFile), RunLayout.create(tmp.resolve("new")))).isEmpty();
    }

    @Test
    void anotherSpecMayNotContinueARun() throws Exception {
        Path specFile = tmp.resolve("s.yaml");
        Files.writeString(specFile, SPEC.replace("repetitions: 3", "repetitions: 4"));
        RunLayout layout = RunLayout.create(tmp.resolve("run"));
        Files.writeString(layout.spec(), SPEC);
        new Results(new Results.RunInfo("spec.yaml", "t", "h", "q", "TCG", List.of(), "i"), List.of()).write(layout.results());

        assertThatThrownBy(() -> Runner.finishedEarlier(SpecLoader.load(specFile), layout))
                .isInstanceOf(BadInputException.class).hasMessageContaining("another spec");
    }
    @Test
    void anEmptyShardStillWritesItsRunAndDropsCellsOfOtherShards() throws Exception {
        Path specFile = tmp.resolve("s.yaml");
        Files.writeString(specFile, SPEC);
        Spec spec = SpecLoader.load(specFile);
        RunLayout layout = RunLayout.create(tmp.resolve("run"));
        Files.writeString(layout.spec(), SPEC);
        // an earlier play split differently and gave this directory r1
        new Results(new Results.RunInfo("spec.yaml", "t", "h", "q", "TCG", List.of(), "i"),
                List.of(cell("k.pinned-unbind.r1", "BLOCKED_UNTIL_RELEASE"))).write(layout.results());
        Sharding.Shard empty = Sharding.split(spec.cells(), 5, CellDurations.model(spec)).get(4);
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();

        // no host, cache or QEMU needed: nothing boots
        Results r = new Runner(null, null, tmp, new Progress(new java.io.PrintStream(log, true), false, 100, System::nanoTime), 1)
                .run(spec, empty, layout);

        assertThat(r.cells()).isEmpty();
        Results onDisk = Results.read(layout.results());
        assertThat(onDisk.run().shard()).isEqualTo("5/5");
        assertThat(onDisk.run().specCells()).containsExactly("k.pinned-unbind.r1", "k.pinned-unbind.r2", "k.pinned-unbind.r3");
        assertThat(onDisk.cells()).isEmpty();
        assertThat(log.toString()).contains("1 cell(s) of an earlier run of this directory are not in shard 5/5")
                .contains("shard 5/5 has no cells (3 cells in all)");
    }
}
