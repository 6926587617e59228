package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs of one spec on several hosts become one run directory that reports and compares like any other. */
class MergeTest {
    @TempDir
    Path tmp;

    private Path run(String name, String host, String kernel, String spec, String startedAt) throws Exception {
        RunLayout l = RunLayout.create(tmp.resolve(name));
        Files.writeString(l.spec(), spec);
        String id = kernel + ".pinned-unbind.r1";
        Files.createDirectories(l.cell(id).resolve("target"));
        Files.writeString(l.cell(id).resolve("target/console.log"), "console of " + id);
        Files.createDirectories(l.builds());
        Files.writeString(l.builds().resolve(kernel + ".log"), "build of " + kernel);
        CellResult c = new CellResult(id, kernel, "6.12.117", "debian:linux-source-6.12=6.12.117-1", List.of(), "pinned-unbind", 1,
                "PIN_REFUSED", new CellResult.Pin(false, 14), 180.0, null, List.of(), List.of(), null, Map.of(),
                "cells/" + id + "/target/console.log", Map.of("target", "cells/" + id + "/target/console.log"),
                "cells/" + id + "/history.jsonl", null, startedAt, 9.0, 1);
        new Results(new Results.RunInfo("spec.yaml", startedAt, host, "QEMU 7.2", "TCG",
                List.of(new Results.KernelInfo(kernel, "6.12.117", "debian:linux-source-6.12", List.of(), "gcc", "k-" + kernel,
                        true, 0, "builds/" + kernel + ".log")), "img"), List.of(c)).write(l.results());
        return l.dir();
    }

    @Test
    void joinsCellsBuildsAndHostsIntoOneRunWithReports() throws Exception {
        Path a = run("a", "worker-a", "6.12", "spec", "2026-11-25T02:00:00Z");
        Path b = run("b", "worker-b", "6.12-series", "spec", "2026-11-25T01:00:00Z");
        RunLayout out = new RunLayout(tmp.resolve("merged"));

        Results m = Merge.merge(out, List.of(a, b));

        assertThat(m.cells()).extracting(CellResult::id).containsExactly("6.12.pinned-unbind.r1", "6.12-series.pinned-unbind.r1");
        assertThat(m.run().host()).isEqualTo("worker-a, worker-b");
        assertThat(m.run().startedAt()).isEqualTo("2026-11-25T01:00:00Z");
        assertThat(m.run().kernels()).extracting(Results.KernelInfo::label).containsExactly("6.12", "6.12-series");
        for (CellResult c : m.cells()) { // every path in a result still leads to its file
            assertThat(out.dir().resolve(c.console())).hasContent("console of " + c.id());
        }
        assertThat(out.builds().resolve("6.12-series.log")).hasContent("build of 6.12-series");
        assertThat(Results.read(out.results()).cells()).hasSize(2);
        for (String f : new String[] {"junit.xml", "kcidb.json", "report.html", "spec.yaml"}) {
            assertThat(out.dir().resolve(f)).isNotEmptyFile();
        }
    }

    @Test
    void refusesRunsOfAnotherSpecAndTheSameCellTwice() throws Exception {
        Path a = run("a", "worker-a", "6.12", "spec", "2026-11-25T02:00:00Z");
        Path other = run("other", "worker-b", "6.12-series", "another spec", "2026-11-25T01:00:00Z");
        Path again = run("again", "worker-c", "6.12", "spec", "2026-11-25T01:00:00Z");

        assertThatThrownBy(() -> Merge.merge(new RunLayout(tmp.resolve("m1")), List.of(a, other)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("other/spec.yaml").hasMessageContaining("another spec than");
        assertThatThrownBy(() -> Merge.merge(new RunLayout(tmp.resolve("m2")), List.of(a, again)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("cell 6.12.pinned-unbind.r1 is also in");
        assertThatThrownBy(() -> Merge.merge(new RunLayout(tmp.resolve("m3")), List.of(tmp.resolve("missing"))))
                .isInstanceOf(BadInputException.class).hasMessageContaining("missing/results.json");
    }
}
