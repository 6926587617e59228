package dev.kfit.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfit.monitor.Splat;
import dev.kfit.monitor.SplatType;
import org.junit.jupiter.api.Test;

class SplatResultCountTest {

    @Test
    void countIsWrittenAndReadBack() throws Exception {
        CellResult.SplatResult hung = CellResult.SplatResult.of(
                new Splat(SplatType.HUNG_TASK, "INFO: task sh blocked in state D in memunmap_pages", "[ 25.6] ...", 25.6)
                        .withCount(4), "target");

        String json = Results.JSON.writeValueAsString(hung);

        JsonNode node = Results.JSON.readTree(json);
        assertThat(node.get("count").asInt()).isEqualTo(4);
        assertThat(node.get("guest").asText()).isEqualTo("target");
        assertThat(Results.JSON.readValue(json, CellResult.SplatResult.class)).isEqualTo(hung);
    }

    @Test
    void resultsWrittenBeforeCountsExistedReadAsOnePrint() throws Exception {
        String old = """
                {"type": "HUNG_TASK", "title": "INFO: task tee blocked for more than N seconds",
                 "timestamp": 145.123, "excerpt": "...", "guest": "target"}""";

        CellResult.SplatResult s = Results.JSON.readValue(old, CellResult.SplatResult.class);

        assertThat(s.count()).isEqualTo(1);
        assertThat(s).isEqualTo(new CellResult.SplatResult("HUNG_TASK",
                "INFO: task tee blocked for more than N seconds", 145.123, "...", "target"));
    }
}
