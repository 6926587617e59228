package dev.kfit.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfit.verdict.Measurement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MeasurementsInResultsTest {
    @TempDir
    Path dir;

    static CellResult measured() {
        return Cells.blocked().withMeasurements(List.of(Measurement.ms("unbind_ms", 17050.0),
                Measurement.ms("blocked_after_release_ms", 50.0), Measurement.mbS("during_mb_s", 812.25),
                Measurement.count("requests_sent", 1200)));
    }

    @Test
    void measurementsRoundTripBesideTheOlderFields() throws IOException {
        Results r = Cells.results(measured(), Cells.refused().withMeasurements(List.of()));
        Path file = dir.resolve("results.json");
        r.write(file);

        assertThat(Results.read(file)).isEqualTo(r);
        JsonNode cell = Results.JSON.readTree(file.toFile()).get("cells").get(0);
        assertThat(cell.get("measurements").get(2).get("name").asText()).isEqualTo("during_mb_s");
        assertThat(cell.get("measurements").get(2).get("value").asDouble()).isEqualTo(812.25);
        assertThat(cell.get("measurements").get(2).get("unit").asText()).isEqualTo("MB/s");
        // What users' scripts read is still there.
        assertThat(cell.get("unbind_ms").asDouble()).isEqualTo(17050.0);
        assertThat(cell.get("blocked_after_release_ms").asDouble()).isEqualTo(50.0);
        assertThat(cell.get("pin").get("ok").asBoolean()).isTrue();
    }

    @Test
    void aResultsJsonFromBeforeMeasurementsLoadsAndFallsBackToUnbindMs() throws IOException {
        Path file = dir.resolve("results.json");
        Cells.results(Cells.blocked(), Cells.refused()).write(file);
        // Written by a kfit that knew neither hosts nor measurements: the keys are absent, not null.
        JsonNode root = Results.JSON.readTree(file.toFile());
        for (JsonNode c : root.get("cells")) {
            ((ObjectNode) c).remove(List.of("measurements", "hosts"));
        }
        Files.writeString(file, Results.JSON.writeValueAsString(root));
        assertThat(Files.readString(file)).doesNotContain("measurements");

        Results old = Results.read(file);
        assertThat(old.cells().get(0).measurements()).isNull();
        assertThat(old.cells().get(0).measured()).containsExactly(Measurement.ms("unbind_ms", 17050.0));
        assertThat(Table.render(old)).contains("17.05 s");
    }

    @Test
    void tablesShowTheMeasurementsTheirColumnsDoNotAlreadyShow() {
        String table = Table.render(Cells.results(measured()));
        assertThat(table).contains("OTHER MEASUREMENTS").contains("during_mb_s 812.3 MB/s, requests_sent 1200")
                .doesNotContain("unbind_ms 17.05 s");
        assertThat(HtmlReport.render(Cells.results(measured()))).contains("during_mb_s 812.3 MB/s");
    }
}
