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
        CellResult c = CellResult.builder()
                .id(id).kernel(kernel).kernelVersion("6.12.117").kernelSource("debian:linux-source-6.12=6.12.117-1")
                .patches(List.of()).scenario("pinned-unbind").repetition(1).verdict("PIN_REFUSED")
                .pin(new CellResult.Pin(false, 14)).unbindMs(180.0).splats(List.of()).faults(List.of())
                .recovery(Map.of()).console("cells/" + id + "/target/console.log")
                .consoles(Map.of("target", "cells/" + id + "/target/console.log"))
                .history("cells/" + id + "/history.jsonl").startedAt(startedAt).durationS(9.0).attempts(1)
                .build();
        new Results(new Results.RunInfo("spec.yaml", startedAt, host, "QEMU 7.2", "TCG",
                List.of(new Results.KernelInfo(kernel, "6.12.117", "debian:linux-source-6.12", List.of(), "gcc", "k-" + kernel,
                        true, 0, "builds/" + kernel + ".log")), "img"), List.of(c)).write(l.results());
        return l.dir();
    }

    private static void asNight(Path run, String name) throws Exception {
        Path f = run.resolve("results.json");
        Results r = Results.read(f);
        new Results(r.run().withNightly(name), r.cells()).write(f);
    }

    @Test
    void aMergedFanOutIsRecordedAsANightOfTheNightlyItWasNamedFor() throws Exception {
        Path a = run("a", "worker-a", "6.12", "spec", "2026-11-25T02:00:00Z");
        Path b = run("b", "worker-b", "6.12-series", "spec", "2026-11-25T01:00:00Z");

        Results plain = Merge.merge(new RunLayout(tmp.resolve("m1")), List.of(a, b)).results();
        Results named = Merge.merge(new RunLayout(tmp.resolve("m2")), List.of(a, b), "nightly.yaml").results();

        assertThat(plain.run().nightly()).isNull();
        assertThat(named.run().nightly()).isEqualTo("nightly.yaml");
        assertThat(Results.read(tmp.resolve("m2/results.json")).run().nightly()).isEqualTo("nightly.yaml");
    }

    @Test
    void runsThatAreNightsOfOneNightlyKeepItsNameOnlyWhenAllAgree() throws Exception {
        Path a = run("a", "worker-a", "6.12", "spec", "2026-11-25T02:00:00Z");
        Path b = run("b", "worker-b", "6.12-series", "spec", "2026-11-25T01:00:00Z");
        asNight(a, "nightly.yaml");
        asNight(b, "nightly.yaml");
        assertThat(Merge.merge(new RunLayout(tmp.resolve("m1")), List.of(a, b)).results().run().nightly()).isEqualTo("nightly.yaml");

        asNight(b, "other.yaml");
        assertThat(Merge.merge(new RunLayout(tmp.resolve("m2")), List.of(a, b)).results().run().nightly()).isNull();
    }

    @Test
    void joinsCellsBuildsAndHostsIntoOneRunWithReports() throws Exception {
        Path a = run("a", "worker-a", "6.12", "spec", "2026-11-25T02:00:00Z");
        Path b = run("b", "worker-b", "6.12-series", "spec", "2026-11-25T01:00:00Z");
        RunLayout out = new RunLayout(tmp.resolve("merged"));

        Results m = Merge.merge(out, List.of(a, b)).results();

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
    private Path shard(String name, String shard, List<String> specCells, String... ids) throws Exception {
        RunLayout l = RunLayout.create(tmp.resolve(name));
        Files.writeString(l.spec(), "spec");
        List<CellResult> cells = new java.util.ArrayList<>();
        for (String id : ids) {
            Files.createDirectories(l.cell(id));
            cells.add(CellResult.builder()
                    .id(id).kernel("6.12").kernelVersion("6.12.117").kernelSource("debian:linux-source-6.12")
                    .patches(List.of()).scenario("pinned-unbind").repetition(1).verdict("PIN_REFUSED")
                    .pin(new CellResult.Pin(false, 14)).unbindMs(180.0).splats(List.of()).faults(List.of())
                    .recovery(Map.of()).console("cells/" + id + "/target/console.log").consoles(Map.of())
                    .history("cells/" + id + "/history.jsonl").startedAt("t").durationS(9.0).attempts(1)
                    .build());
        }
        new Results(new Results.RunInfo("spec.yaml", "2026-11-25T01:00:00Z", "worker-" + name,
                ids.length == 0 ? "not run" : "QEMU 7.2", ids.length == 0 ? "none" : "TCG", List.of(),
                ids.length == 0 ? "none" : "img", "2 cells at once", shard, specCells), cells).write(l.results());
        return l.dir();
    }

    static final List<String> THREE = List.of("6.12.pinned-unbind.r1", "6.12.pinned-unbind.r2", "6.12.pinned-unbind.r3");

    @Test
    void shardsMergeInSpecOrderAndAnEmptyShardAddsNothingButItsHost() throws Exception {
        Path s1 = shard("s1", "1/3", THREE, "6.12.pinned-unbind.r3", "6.12.pinned-unbind.r1");
        Path s2 = shard("s2", "2/3", THREE, "6.12.pinned-unbind.r2");
        Path s3 = shard("s3", "3/3", THREE);

        Merge.Merged m = Merge.merge(new RunLayout(tmp.resolve("merged")), List.of(s2, s3, s1));

        assertThat(m.missing()).isEmpty();
        assertThat(m.note()).isNull();
        assertThat(m.results().cells()).extracting(CellResult::id).containsExactlyElementsOf(THREE);
        assertThat(m.results().run().qemu()).isEqualTo("QEMU 7.2");
        assertThat(m.results().run().host()).isEqualTo("worker-s2, worker-s3, worker-s1");
        assertThat(m.results().run().concurrency()).isEqualTo("merged from 3 run(s) on worker-s2, worker-s3, worker-s1 (shards 1/3, 2/3, 3/3)");
        assertThat(m.results().run().shard()).isNull();
    }

    @Test
    void namesTheCellsOfAShardThatDidNotComeBack() throws Exception {
        Path s1 = shard("s1", "1/3", THREE, "6.12.pinned-unbind.r1");
        Path s3 = shard("s3", "3/3", THREE, "6.12.pinned-unbind.r3");

        Merge.Merged m = Merge.merge(new RunLayout(tmp.resolve("merged")), List.of(s1, s3));

        assertThat(m.missing()).containsExactly("6.12.pinned-unbind.r2");
        assertThat(m.note()).isEqualTo("missing 1 of 3 cells of the spec: 6.12.pinned-unbind.r2"
                + " (no run of shard 2/3 was given: its worker failed?)");
        assertThat(Results.read(tmp.resolve("merged/results.json")).cells()).hasSize(2); // what came back is kept
    }

    @Test
    void refusesShardsOfDifferentSplitsOrTheSameShardTwice() throws Exception {
        Path s1 = shard("s1", "1/2", THREE, "6.12.pinned-unbind.r1");
        Path of3 = shard("of3", "2/3", THREE, "6.12.pinned-unbind.r2");
        Path again = shard("again", "1/2", THREE);
        Path whole = run("whole", "worker-w", "7.2", "spec", "2026-11-25T01:00:00Z");

        assertThatThrownBy(() -> Merge.merge(new RunLayout(tmp.resolve("m1")), List.of(s1, of3)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("of3/results.json: shard 2/3 of another split");
        assertThatThrownBy(() -> Merge.merge(new RunLayout(tmp.resolve("m2")), List.of(s1, again)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("shard 1/2 is also in");
        assertThatThrownBy(() -> Merge.merge(new RunLayout(tmp.resolve("m3")), List.of(s1, whole)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("whole/results.json: not a shard");
    }
}
