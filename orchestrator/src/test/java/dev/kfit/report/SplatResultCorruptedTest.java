package dev.kfit.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfit.monitor.ConsoleParser;
import dev.kfit.monitor.Splat;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A report whose log was cut or interleaved says so in results.json, from the console to the file. */
class SplatResultCorruptedTest {

    @Test
    void aCutReportIsWrittenCorruptedAndAWholeOneIsNot() throws Exception {
        // The console ends in the middle of the warning's stack trace.
        CellResult.SplatResult cut = only("console-kinds/cut-warning-console-ends.log");
        // The same warning, printed whole.
        CellResult.SplatResult whole = only("console/warn-gup-longterm-p2pdma.log");

        JsonNode cutJson = Results.JSON.readTree(Results.JSON.writeValueAsString(cut));
        JsonNode wholeJson = Results.JSON.readTree(Results.JSON.writeValueAsString(whole));

        assertThat(cutJson.get("corrupted").isBoolean()).isTrue();
        assertThat(cutJson.get("corrupted").asBoolean()).as(cutJson.toPrettyString()).isTrue();
        assertThat(wholeJson.get("corrupted").asBoolean()).as(wholeJson.toPrettyString()).isFalse();
        assertThat(Results.JSON.readValue(Results.JSON.writeValueAsString(cut), CellResult.SplatResult.class))
                .isEqualTo(cut);
    }

    @Test
    void resultsWrittenBeforeTheFlagExistedReadAsWhole() throws Exception {
        String old = """
                {"type": "WARNING", "title": "WARNING in is_valid_gup_args", "timestamp": 12.5,
                 "excerpt": "...", "guest": "target", "count": 1}""";

        CellResult.SplatResult s = Results.JSON.readValue(old, CellResult.SplatResult.class);

        assertThat(s.corrupted()).isFalse();
        assertThat(s).isEqualTo(new CellResult.SplatResult("WARNING", "WARNING in is_valid_gup_args", 12.5, "...",
                "target"));
    }

    private static CellResult.SplatResult only(String resource) throws Exception {
        URL url = SplatResultCorruptedTest.class.getClassLoader().getResource(resource);
        assertThat(url).as(resource).isNotNull();
        List<Splat> splats = ConsoleParser.distinct(ConsoleParser.parse(Path.of(url.toURI()), 0));
        assertThat(splats).as(resource).hasSize(1);
        return CellResult.SplatResult.of(splats.get(0), "target");
    }
}
