package dev.kfit.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** results.json's phases and early ends: new fields only, old files still load, report.html lists them. */
class PhasesInResultsTest {
    @TempDir
    Path dir;

    static Results timed() {
        CellResult crashed = Cells.refused().withEarlyEnd(new CellResult.EarlyEnd("crash", "boot", "target", "BUG",
                        "BUG: kernel NULL pointer dereference in nvme_probe", 1.104211, 8.46, 7.68, null))
                .withPhases(new CellResult.CellPhases(5.2, null, 0.6));
        CellResult silent = Cells.infra().withEarlyEnd(CellResult.EarlyEnd.noOutput("target", 60.2))
                .withPhases(new CellResult.CellPhases(61.0, null, 0.4));
        CellResult plain = Cells.blocked().withPhases(new CellResult.CellPhases(6.1, 21.3, 0.8));
        Results r = Cells.results(plain, crashed, silent);
        return new Results(r.run().withPhases(new Results.RunPhases(null, 95.0, 0.4, true, List.of(
                new Results.KernelPhase("k61", 3.1, 0.2, true), new Results.KernelPhase("k66", 2.0, 1048.0, false)),
                1.5, 104.0)), r.cells());
    }

    @Test
    void phasesAndEarlyEndsRoundTripAsSnakeCase() throws Exception {
        Path file = dir.resolve("results.json");
        Results r = timed();
        r.write(file);
        assertThat(Results.read(file)).isEqualTo(r);

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode run = root.get("run").get("phases");
        assertThat(run.get("image_s").asDouble()).isEqualTo(0.4);
        assertThat(run.get("provision_beside_s").asDouble()).isEqualTo(95.0);
        assertThat(run.get("kernels").get(1).get("build_s").asDouble()).isEqualTo(1048.0);
        assertThat(run.get("kernels").get(1).get("cached").asBoolean()).isFalse();
        assertThat(run.get("kernels").get(0).get("fetch_s").asDouble()).isEqualTo(3.1);
        assertThat(run.get("cells_s").asDouble()).isEqualTo(104.0);
        JsonNode crashed = root.get("cells").get(1);
        assertThat(crashed.get("early_end").get("oops_to_verdict_s").asDouble()).isEqualTo(8.46);
        assertThat(crashed.get("early_end").get("console_time_s").asDouble()).isEqualTo(1.104211);
        assertThat(crashed.get("early_end").has("quiet_s")).as("absent, not null").isFalse();
        assertThat(crashed.get("phases").get("boot_s").asDouble()).isEqualTo(5.2);
        assertThat(root.get("cells").get(2).get("early_end").get("reason").asText()).isEqualTo("no_output");
        assertThat(root.get("cells").get(0).has("early_end")).as("nothing ended it early").isFalse();
        // The fields scripts read are all still there.
        assertThat(crashed.has("verdict")).isTrue();
        assertThat(crashed.has("console")).isTrue();
        assertThat(crashed.has("duration_s")).isTrue();
    }

    @Test
    void aResultsFileFromBeforePhasesStillLoads() throws Exception {
        Path file = dir.resolve("results.json");
        String old = """
                {"run": {"spec": "spec.yaml", "started_at": "2026-11-25T10:00:00Z", "host": "h", "qemu": "QEMU 7.2",
                         "accel": "TCG", "kernels": [], "guest_image": "img (cached)", "concurrency": "one cell at a time"},
                 "cells": [{"id": "k.pinned-unbind.r1", "kernel": "k", "kernel_version": "6.12.117", "kernel_source": "s",
                            "patches": [], "scenario": "pinned-unbind", "repetition": 1, "verdict": "PIN_REFUSED",
                            "pin": {"ok": false, "errno": 14}, "unbind_ms": 120.0, "blocked_after_release_ms": null,
                            "splats": [], "faults": [], "traffic": null, "recovery": {}, "console": "c", "consoles": {},
                            "history": "h", "error": null, "started_at": "2026-11-25T10:00:01Z", "duration_s": 30.0,
                            "attempts": 1, "hosts": {"target": "localhost"}, "measurements": []}]}
                """;
        Files.writeString(file, old);
        Results r = Results.read(file);
        assertThat(r.run().phases()).isNull();
        assertThat(r.cells().get(0).phases()).isNull();
        assertThat(r.cells().get(0).earlyEnd()).isNull();
        assertThat(HtmlReport.render(r)).doesNotContain("Where the time went");
    }

    @Test
    void theReportSaysWhereTheTimeWent() {
        String html = HtmlReport.render(timed());
        int start = html.indexOf("<h2>Where the time went</h2>");
        assertThat(start).isPositive();
        String list = html.substring(start, html.indexOf("</ul>", start));
        assertThat(list).contains("provision: not known").contains("and 95.0 s more beside the builds").contains("guest image: 0.4 s (cached)")
                .contains("kernel k61: fetch 3.1 s, build 0.2 s (cached)").contains("kernel k66: fetch 2.0 s, build 1048 s")
                .contains("accelerator probe: 1.5 s").contains("cells: 104 s")
                .contains("in the 3 cells: boot 72.3 s, scenario 21.3 s, collecting 1.8 s")
                .contains("k61-pinned-unbind-r2: BUG on target ended the boot; verdict 8.5 s after it")
                .contains("k66-pinned-unbind-r1: target printed nothing for 60 s while booting (no-output limit)");
    }
}
