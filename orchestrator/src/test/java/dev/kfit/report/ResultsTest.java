package dev.kfit.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.error.InfraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryField() {
        Results r = Cells.results(Cells.blocked(), Cells.refused(), Cells.infra());
        Path file = dir.resolve("results.json");

        r.write(file);

        // Record equality covers every component, including the NaN splat timestamp and null fields.
        assertThat(Results.read(file)).isEqualTo(r);
    }

    @Test
    void keysOnDiskAreSnakeCase() throws IOException {
        Path file = dir.resolve("results.json");
        Cells.results(Cells.blocked(), Cells.refused()).write(file);

        // Read with a plain mapper, as jq or a notebook would.
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode blocked = root.get("cells").get(0);
        JsonNode refused = root.get("cells").get(1);

        assertThat(blocked.get("kernel_version").asText()).isEqualTo("6.1.0-kfit");
        assertThat(blocked.get("unbind_ms").asDouble()).isEqualTo(17050.0);
        assertThat(blocked.get("blocked_after_release_ms").asDouble()).isEqualTo(50.0);
        assertThat(blocked.get("repetition").asInt()).isEqualTo(1);
        assertThat(blocked.get("pin").get("ok").asBoolean()).isTrue();
        assertThat(blocked.get("splats").get(0).get("type").asText()).isEqualTo("HUNG_TASK");
        assertThat(blocked.get("splats").get(0).get("title").asText()).isEqualTo("INFO: task tee blocked for more than N seconds");
        assertThat(refused.get("pin").get("ok").asBoolean()).isFalse();
        assertThat(refused.get("pin").get("errno").asInt()).isEqualTo(14);
        // Absent values are explicit nulls, so consumers see a stable set of keys.
        assertThat(refused.has("blocked_after_release_ms")).isTrue();
        assertThat(refused.get("blocked_after_release_ms").isNull()).isTrue();
        assertThat(root.get("run").get("kernels").get(0).has("kernel_version")).isTrue();
        assertThat(root.get("run").has("started_at")).isTrue();
        assertThat(Files.readString(file)).doesNotContain("kernelVersion", "unbindMs", "blockedAfterReleaseMs", "startedAt");
    }

    @Test
    void rewriteReplacesTheFileAndLeavesNoTemporary() throws IOException {
        Path file = dir.resolve("results.json");

        // Rewritten after every cell: the last write wins, and nothing half-written is left beside it.
        Cells.results(Cells.blocked()).write(file);
        Cells.results(Cells.blocked(), Cells.refused()).write(file);

        assertThat(Results.read(file).cells()).containsExactly(Cells.blocked(), Cells.refused());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("results.json");
        }
    }

    @Test
    void readingAMissingFileIsAnInfraError() {
        Path missing = dir.resolve("nope.json");

        assertThatThrownBy(() -> Results.read(missing)).isInstanceOf(InfraException.class).hasMessageContaining(missing.toString());
    }
}
