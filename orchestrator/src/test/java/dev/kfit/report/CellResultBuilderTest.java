package dev.kfit.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.verdict.Measurement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** CellResult.Builder sets each field it names, and only that one; results.json keeps its keys. */
class CellResultBuilderTest {
    @TempDir
    Path dir;

    /** Every field set, none to a default, so that a field the builder dropped or swapped would show. */
    private static CellResult full() {
        return CellResult.builder()
                .id("k.traffic-unbind.r2").kernel("k").kernelVersion("6.12.117").kernelSource("debian:linux-source-6.12")
                .patches(List.of("p.patch")).scenario("traffic-unbind").repetition(2).verdict("BLOCKED_UNTIL_RELEASE")
                .pin(new CellResult.Pin(true, null)).unbindMs(24600.0).blockedAfterReleaseMs(54.0)
                .splats(List.of(new CellResult.SplatResult("HUNG_TASK", "INFO: task x blocked", 15.8, "...", "target")))
                .faults(List.of(new ScenarioOutcome.FaultResult("unbind", "target", 8800.0, 24600.0, 36700.0, true, true,
                        "OK", null)))
                .traffic(new ScenarioOutcome.TrafficResult("kfit-writer", 4.5, 4.4, 4.6, null, 2100.0, 1368, 0, List.of()))
                .recovery(Map.of("rebind", "ok")).console("cells/c/target/console.log")
                .consoles(Map.of("target", "cells/c/target/console.log")).history("cells/c/history.jsonl")
                .error("not an error, set to be seen").startedAt("2026-11-25T12:00:00Z").durationS(58.0).attempts(3)
                .hosts(Map.of("target", "lab1")).measurements(List.of(Measurement.ms("unbind_ms", 24600.0)))
                .notes(Map.of("holder", "released")).earlyEnd(CellResult.EarlyEnd.noOutput("target", 60.2))
                .phases(new CellResult.CellPhases(5.2, 50.1, 0.6)).parameters(Map.of("hold", "20s"))
                .build();
    }

    @Test
    void toBuilderCopiesEveryField() throws Exception {
        CellResult c = full();
        for (RecordComponent rc : CellResult.class.getRecordComponents()) {
            Object v = rc.getAccessor().invoke(c);
            assertThat(v).as(rc.getName()).isNotNull().isNotEqualTo(0).isNotEqualTo(0.0);
        }
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(c.withAttempts(1)).isEqualTo(c.toBuilder().attempts(1).build()).isNotEqualTo(c);
    }

    @Test
    void whatIsNotSetIsNullOrZero() throws Exception {
        CellResult c = CellResult.builder().id("x").build();
        assertThat(c.id()).isEqualTo("x");
        assertThat(c.repetition()).isZero();
        assertThat(c.durationS()).isZero();
        assertThat(c.attempts()).isZero();
        for (RecordComponent rc : CellResult.class.getRecordComponents()) {
            if (!rc.getType().isPrimitive() && !rc.getName().equals("id")) {
                assertThat(rc.getAccessor().invoke(c)).as(rc.getName()).isNull();
            }
        }
    }

    @Test
    void resultsJsonHasTheSameSnakeCaseKeysAndReadsBackEqual() throws Exception {
        Path file = dir.resolve("results.json");
        Results r = Cells.results(full());
        r.write(file);

        JsonNode cell = new ObjectMapper().readTree(file.toFile()).get("cells").get(0);
        List<String> keys = new ArrayList<>();
        cell.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("id", "kernel", "kernel_version", "kernel_source", "patches", "scenario",
                "repetition", "verdict", "pin", "unbind_ms", "blocked_after_release_ms", "splats", "faults", "traffic",
                "recovery", "console", "consoles", "history", "error", "started_at", "duration_s", "attempts", "hosts",
                "measurements", "notes", "early_end", "phases", "parameters");
        assertThat(Results.read(file)).isEqualTo(r);
    }
}
