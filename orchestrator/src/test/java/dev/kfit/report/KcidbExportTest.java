package dev.kfit.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.verdict.Measurement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

class KcidbExportTest {
    @TempDir
    Path dir;

    /** results.json of real runs of this project (reproduce on 7.2; the bench on 6.12 with a traffic scenario). */
    static Results fixture(String name) throws Exception {
        Path f = Path.of(KcidbExportTest.class.getResource("/results/" + name + ".json").toURI());
        return Results.read(f);
    }

    /** A real run with a retried INFRA_ERROR cell and a checker error added, so every status is there. */
    private static Results withErrors(Results r) {
        List<CellResult> cells = new ArrayList<>(r.cells());
        CellResult base = r.cells().get(0);
        cells.add(CellResult.builder()
                .id(base.kernel() + ".pinned-unbind.r2").kernel(base.kernel()).kernelVersion(base.kernelVersion())
                .kernelSource(base.kernelSource()).patches(base.patches()).scenario("pinned-unbind").repetition(2)
                .verdict("INFRA_ERROR").pin(new CellResult.Pin(null, null)).splats(List.of()).faults(List.of())
                .recovery(java.util.Map.of()).console("cells/x/target/console.log")
                .consoles(java.util.Map.of("target", "cells/x/target/console.log")).history("cells/x/history.jsonl")
                .error("SshException: connection refused by 127.0.0.1:40022 (\u0000 in the output)")
                .startedAt("2026-11-30T13:07:00.1Z").durationS(300.25).attempts(3).measurements(List.of())
                .build());
        cells.add(CellResult.builder()
                .id(base.kernel() + ".pinned-unbind.r3").kernel(base.kernel()).kernelVersion(base.kernelVersion())
                .kernelSource(base.kernelSource()).patches(base.patches()).scenario("pinned-unbind").repetition(3)
                .verdict("CHECKER_ERROR").splats(List.of()).faults(List.of()).console("cells/y/target/console.log")
                .history("cells/y/history.jsonl").error("NullPointerException in PinnedUnbindChecker")
                .startedAt("2026-11-30T13:08:00Z").durationS(20).attempts(1)
                .measurements(List.of(Measurement.ms("unbind_ms", 150)))
                .build());
        return new Results(r.run(), cells);
    }

    @Test
    void realRunsConformToKcidbV53WithAndWithoutLinksToTheRunsFiles() throws Exception {
        for (String name : List.of("reproduce-7.2", "bench-one-host")) {
            Results r = withErrors(fixture(name));
            assertThat(KcidbV53Rules.problems(KcidbExport.render(r))).as(name).isEmpty();
            assertThat(KcidbV53Rules.problems(KcidbExport.render(r, dir))).as(name + " with links").isEmpty();
            assertThat(KcidbV53Rules.problems(KcidbExport.render(Cells.results(Cells.blocked(), Cells.refused(), Cells.infra()), dir)))
                    .isEmpty();
        }
    }

    @Test
    void theRulesCatchWhatKcidbRejects() {
        ObjectNode doc = KcidbExport.render(Cells.results(Cells.blocked()));
        ((ObjectNode) doc.at("/builds/0")).put("valid", true);
        ((ObjectNode) doc.at("/tests/0")).put("status", "INFRA_ERROR");
        ((ObjectNode) doc.at("/tests/0")).put("id", "no-origin");
        ((ObjectNode) doc.at("/tests/0/number")).put("prefix", "si");
        ((ObjectNode) doc.at("/checkouts/0")).remove("origin");
        ((ObjectNode) doc.at("/checkouts/0")).putNull("comment");
        ((ObjectNode) doc.at("/version")).put("minor", 4);
        assertThat(KcidbV53Rules.problems(doc)).hasSize(7)
                .anyMatch(p -> p.contains("'valid' is not a field of a build"))
                .anyMatch(p -> p.contains("INFRA_ERROR"))
                .anyMatch(p -> p.contains("'no-origin' is not an id"))
                .anyMatch(p -> p.contains("prefix"))
                .anyMatch(p -> p.contains("needs 'origin'"))
                .anyMatch(p -> p.contains("null"))
                .anyMatch(p -> p.contains("outside 0..3"));
    }

    @Test
    void statusFollowsTheVerdictsKindFindingFailKfitErrorErrorOtherwisePass() throws Exception {
        JsonNode doc = KcidbExport.render(withErrors(fixture("reproduce-7.2")));
        assertThat(doc.at("/version/major").asInt()).isEqualTo(5);
        assertThat(doc.at("/version/minor").asInt()).isEqualTo(3);
        assertThat(main(doc, "7.2.pinned-unbind.r1").get("status").asText()).isEqualTo("PASS");
        assertThat(main(doc, "7.2-series.pinned-unbind.r1").get("status").asText()).isEqualTo("FAIL");
        assertThat(main(doc, "7.2.pinned-unbind.r2").get("status").asText()).isEqualTo("ERROR"); // INFRA_ERROR
        assertThat(main(doc, "7.2.pinned-unbind.r3").get("status").asText()).isEqualTo("ERROR"); // CHECKER_ERROR
        assertThat(doc.at("/builds/0/status").asText()).isEqualTo("PASS");
        assertThat(doc.get("builds")).allSatisfy(b -> assertThat(b.has("valid")).isFalse());
    }

    @Test
    void aVerdictThisKfitDoesNotKnowHasNoStatusRatherThanAPass() {
        CellResult c = Cells.refused();
        CellResult odd = c.toBuilder().verdict("SOMETHING_NEWER").build();
        JsonNode t = KcidbExport.render(Cells.results(odd)).at("/tests/0");
        assertThat(t.has("status")).isFalse();
        assertThat(t.at("/misc/verdict").asText()).isEqualTo("SOMETHING_NEWER");
    }

    @Test
    void eachMeasurementIsANumberTheFirstUnbindOnTheCellsTestTheOthersOnTestsOfTheirOwn() throws Exception {
        JsonNode doc = KcidbExport.render(fixture("reproduce-7.2"));
        JsonNode t = main(doc, "7.2-series.pinned-unbind.r1");
        assertThat(t.get("path").asText()).isEqualTo("kfit.pinned_unbind");
        assertThat(t.at("/number/value").asDouble()).isEqualTo(17.058235502);
        assertThat(t.at("/number/unit").asText()).isEqualTo("s");
        assertThat(t.at("/number/prefix").asText()).isEqualTo("metric");
        List<JsonNode> extra = tests(doc).stream().filter(x -> x.get("id").asText().startsWith(t.get("id").asText() + ".")).toList();
        assertThat(extra).hasSize(1);
        JsonNode blocked = extra.get(0);
        assertThat(blocked.get("path").asText()).isEqualTo("kfit.pinned_unbind.blocked_after_release_ms");
        assertThat(blocked.get("status").asText()).isEqualTo("DONE");
        assertThat(blocked.at("/number/value").asDouble()).isEqualTo(0.054475407);
        assertThat(blocked.get("build_id").asText()).isEqualTo(t.get("build_id").asText());

        JsonNode traffic = main(KcidbExport.render(fixture("bench-one-host")), "6.12-series.traffic-unbind.r1");
        assertThat(traffic.at("/number/value").asDouble()).isEqualTo(24.045096427); // unbind_ms, though not listed first
        JsonNode bench = KcidbExport.render(fixture("bench-one-host"));
        JsonNode during = tests(bench).stream().filter(x -> x.get("path").asText().equals("kfit.traffic_unbind.during_mb_s"))
                .findFirst().orElseThrow();
        assertThat(during.at("/number/unit").asText()).isEqualTo("B/s");
        assertThat(during.at("/number/value").asDouble()).isBetween(3.0e6, 4.0e6);
        JsonNode completions = tests(bench).stream().filter(x -> x.get("path").asText().endsWith(".completions")).findFirst().orElseThrow();
        assertThat(completions.get("number").has("unit")).isFalse(); // a count is dimensionless
    }

    @Test
    void theSplatsTraceIsTheLogExcerptAndKfitsErrorTooWithinKcidbsLimit() throws Exception {
        JsonNode doc = KcidbExport.render(withErrors(fixture("reproduce-7.2")));
        assertThat(main(doc, "7.2-series.pinned-unbind.r1").get("log_excerpt").asText())
                .startsWith("HUNG_TASK on target: INFO: task kfit-guest blocked in state D in memunmap_pages\n")
                .contains("memunmap_pages+0x3a/0x17b").contains("unbind_store");
        assertThat(main(doc, "7.2.pinned-unbind.r2").get("log_excerpt").asText()).contains("connection refused").doesNotContain("\u0000");
        assertThat(main(doc, "7.2.pinned-unbind.r1").has("log_excerpt")).isFalse(); // nothing to show

        CellResult c = Cells.blocked();
        String huge = "x".repeat(40_000);
        CellResult big = c.toBuilder().splats(List.of(new CellResult.SplatResult("BUG", "BUG: huge", 1.0, huge, "target")))
                .build();
        String excerpt = KcidbExport.logExcerpt(big);
        assertThat(excerpt.length()).isEqualTo(KcidbExport.LOG_EXCERPT_MAX);
        assertThat(excerpt).startsWith("BUG on target: BUG: huge\nxxx").endsWith("console log ...]\n");
    }

    @Test
    void aCachedBuildKeepsItsIdAndStartTimeAcrossRunsAndItsCheckoutNamesThePatchset() throws Exception {
        Path p1 = Files.writeString(dir.resolve("0001-kernfs.patch"), "a\n");
        Path p2 = Files.writeString(dir.resolve("0002-gup.patch"), "b\n");
        KernelBuild built = new KernelBuild("6.12-series", "27648e9a3b0fef49885e489e", "6.12.117",
                "debian:linux-source-6.12=6.12.117-1", List.of("0001-kernfs.patch", "0002-gup.patch"), "gcc", null, null, null,
                false, 83.1, "2026-11-29T08:00:00.5Z", List.of(KernelBuild.AppliedPatch.of(p1), KernelBuild.AppliedPatch.of(p2)));
        JsonNode first = KcidbExport.render(run("2026-11-29T08:00:00Z", Results.KernelInfo.of(built, "builds/6.12-series.log")), dir);
        JsonNode second = KcidbExport.render(run("2026-11-30T13:05:45Z", Results.KernelInfo.of(built.asCached(), "builds/6.12-series.log")), dir);
        assertThat(KcidbV53Rules.problems(first)).isEmpty();
        assertThat(KcidbV53Rules.problems(second)).isEmpty();
        for (String field : List.of("/builds/0/id", "/builds/0/start_time", "/builds/0/checkout_id", "/checkouts/0/id",
                "/checkouts/0/start_time", "/checkouts/0/patchset_hash")) {
            assertThat(second.at(field).asText()).as(field).isEqualTo(first.at(field).asText()).isNotEmpty();
        }
        assertThat(second.at("/builds/0/id").asText()).isEqualTo("kfit:27648e9a3b0fef49885e489e");
        assertThat(second.at("/builds/0/start_time").asText()).isEqualTo("2026-11-29T08:00:00.5Z");
        // sha256sum 0001-kernfs.patch 0002-gup.patch | cut -c-64 | sha256sum | cut -c-64
        assertThat(second.at("/checkouts/0/patchset_hash").asText())
                .isEqualTo("7b77b1b66500ed66bdb3e5f10e78f55ab6d4b404fa676ec1bee2ab5b31346a80");
        assertThat(second.at("/checkouts/0/patchset_files/0/name").asText()).isEqualTo("0001-kernfs.patch");
        assertThat(second.at("/checkouts/0/patchset_files/1/url").asText()).isEqualTo(p2.toUri().toString());
        assertThat(second.at("/builds/0/misc/cached_in_this_run").asBoolean()).isTrue();
        assertThat(first.at("/tests/0/id").asText()).isEqualTo(second.at("/tests/0/id").asText()); // the same cell run
    }

    @Test
    void resultsJsonCarriesTheBuildsStartAndPatchsetSoKfitReportCanRenderThemAgain() throws Exception {
        Path p1 = Files.writeString(dir.resolve("0001-kernfs.patch"), "a\n");
        KernelBuild built = new KernelBuild("6.12-series", "27648e9a3b0fef49885e489e", "6.12.117",
                "debian:linux-source-6.12=6.12.117-1", List.of("0001-kernfs.patch"), "gcc", null, null, null,
                true, 83.1, "2026-11-29T08:00:00.5Z", List.of(KernelBuild.AppliedPatch.of(p1)));
        Results r = run("2026-11-30T13:05:45Z", Results.KernelInfo.of(built, "builds/6.12-series.log"));
        r.write(dir.resolve("results.json"));
        JsonNode onDisk = new ObjectMapper().readTree(dir.resolve("results.json").toFile()).at("/run/kernels/0");
        assertThat(onDisk.get("built_at").asText()).isEqualTo("2026-11-29T08:00:00.5Z");
        assertThat(onDisk.get("patchset_hash").asText()).isEqualTo(built.patchsetHash());
        assertThat(onDisk.at("/patchset/0/sha256").asText()).hasSize(64);
        assertThat(onDisk.get("cache_key").asText()).isEqualTo("27648e9a3b0fef49885e489e"); // the fields scripts read stay
        Results back = Results.read(dir.resolve("results.json"));
        assertThat(KcidbExport.render(back, dir)).isEqualTo(KcidbExport.render(r, dir));
    }

    @Test
    void aKernelWithoutPatchesHasTheEmptyPatchsetHashAndAnOldResultsFileNoneAtAll() throws Exception {
        KernelBuild plain = new KernelBuild("6.12", "a59dc901cab10144f3d6e9b5", "6.12.117", "debian:linux-source-6.12=6.12.117-1",
                List.of(), "gcc", null, null, null, true, 1694.2, "2026-11-28T10:00:00Z", List.of());
        JsonNode doc = KcidbExport.render(run("2026-11-30T13:05:45Z", Results.KernelInfo.of(plain, "builds/6.12.log")));
        assertThat(doc.at("/checkouts/0/patchset_hash").isTextual()).isTrue();
        assertThat(doc.at("/checkouts/0/patchset_hash").asText()).isEmpty();
        assertThat(doc.at("/checkouts/0/tree_name").asText()).isEqualTo("debian:linux-source-6.12");

        JsonNode old = KcidbExport.render(fixture("reproduce-7.2"));
        assertThat(old.at("/checkouts/0").has("patchset_hash")).isFalse();
        assertThat(old.at("/builds/0").has("start_time")).as("not the run's start: unknown").isFalse();
        assertThat(old.at("/builds/0/id").asText()).isEqualTo("kfit:72bf4164698510affb18ad30");
    }

    @Test
    void writtenInTheRunDirectoryItLinksTheConsoleHistoryAndBuildLog() throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(run.resolve("builds"));
        Files.writeString(run.resolve("builds/7.2.config"), "CONFIG_X=y\n");
        KcidbExport.write(fixture("reproduce-7.2"), run.resolve("kcidb.json"));
        JsonNode doc = new ObjectMapper().readTree(run.resolve("kcidb.json").toFile());
        assertThat(KcidbV53Rules.problems(doc)).isEmpty();
        JsonNode t = main(doc, "7.2-series.pinned-unbind.r1");
        assertThat(t.get("log_url").asText()).isEqualTo(run.resolve("cells/7.2-series.pinned-unbind.r1/target/console.log").toUri().toString());
        assertThat(t.at("/output_files/0/name").asText()).isEqualTo("history.jsonl");
        assertThat(doc.at("/builds/0/log_url").asText()).isEqualTo(run.resolve("builds/7.2.log").toUri().toString());
        assertThat(doc.at("/builds/0/config_url").asText()).endsWith("/builds/7.2.config");
        assertThat(doc.at("/builds/1").has("config_url")).isFalse(); // not copied: no link to nothing
        assertThat(run.resolve("kcidb.json.tmp")).doesNotExist();
    }

    private static Results run(String startedAt, Results.KernelInfo k) {
        CellResult c = Cells.blocked();
        CellResult cell = c.toBuilder()
                .id("6.12-series.pinned-unbind.r1").kernel(k.label()).kernelVersion(k.kernelVersion())
                .kernelSource(k.source()).patches(k.patches()).startedAt("2026-11-29T08:10:00Z").durationS(40)
                .build();
        return new Results(new Results.RunInfo("spec.yaml", startedAt, "vm", "QEMU emulator version 7.2.22", "TCG", List.of(k),
                "img"), List.of(cell));
    }

    private static List<JsonNode> tests(JsonNode doc) {
        return StreamSupport.stream(doc.get("tests").spliterator(), false).toList();
    }

    /** The cell's own test (not one of its further measurements). */
    private static JsonNode main(JsonNode doc, String cell) {
        return tests(doc).stream().filter(t -> t.at("/misc/cell").asText().equals(cell) && t.at("/misc/attempts").isInt())
                .findFirst().orElseThrow(() -> new AssertionError("no test for " + cell));
    }
}
