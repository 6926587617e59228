package dev.kfit.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KcidbExportTest {
    @Test
    void oneBuildPerKernelOneTestPerCellWithStatusFromTheVerdict() {
        JsonNode doc = KcidbExport.render(Cells.results(Cells.blocked(), Cells.refused(), Cells.infra()));
        assertThat(doc.at("/version/major").asInt()).isEqualTo(4);
        assertThat(doc.get("builds")).hasSize(1);
        assertThat(doc.at("/builds/0/id").asText()).isEqualTo("kfit:ab12cd");
        assertThat(doc.at("/checkouts/0/misc/kernel_version").asText()).isEqualTo("6.1.0-kfit");
        JsonNode tests = doc.get("tests");
        assertThat(tests).hasSize(3);
        assertThat(tests.get(0).get("status").asText()).isEqualTo("FAIL");
        assertThat(tests.get(0).get("build_id").asText()).isEqualTo("kfit:ab12cd");
        assertThat(tests.get(0).at("/misc/splats/0").asText()).startsWith("HUNG_TASK");
        assertThat(tests.get(1).get("status").asText()).isEqualTo("PASS");
        assertThat(tests.get(2).get("status").asText()).isEqualTo("ERROR");
        assertThat(tests.get(0).get("id").asText()).startsWith("kfit:").isNotEqualTo(tests.get(1).get("id").asText());
    }
}
