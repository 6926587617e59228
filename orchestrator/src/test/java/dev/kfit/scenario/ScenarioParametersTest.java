package dev.kfit.scenario;

import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** ScenarioSpec.parameters(): what the report shows beside each result, in the spec's own words. */
class ScenarioParametersTest {
    private static ScenarioSpec scenario(String spec, String name) {
        Spec s = SpecLoader.load(Path.of("..", "examples", spec));
        return s.scenarios().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void pinnedUnbindGivesWhatTheSpecSaidAndTheDefaultsItLeftOut() {
        // reproduce.yaml sets hold, unbind_delay and hung_task_timeout; grace, pin_size and topology are defaults.
        assertThat(scenario("reproduce.yaml", "pinned-unbind").parameters()).containsExactly(
                Map.entry("hold", "20s"), Map.entry("unbind_delay", "3s"), Map.entry("hung_task_timeout", "5s"),
                Map.entry("grace", "30s"), Map.entry("pin_size", "2M"), Map.entry("topology", "single"));
        assertThat(scenario("nightly.yaml", "unbind-latency").parameters())
                .containsEntry("hold", "12s").containsEntry("unbind_delay", "2s").containsEntry("hung_task_timeout", "3s");
    }

    @Test
    void trafficFaultsAreOneValueEach() {
        Map<String, String> p = scenario("nightly.yaml", "traffic-unbind").parameters();
        assertThat(p).containsEntry("duration", "15s").containsEntry("workload", "kfit-writer")
                .containsEntry("faults", "unbind on target at 5s, heal after 2s");
    }

    @Test
    void designsTypesGiveTheirSharedTimingAndTheirOwnKeys() {
        assertThat(scenario("designs.yaml", "dmabuf-closed-device").parameters())
                .containsEntry("close_device_after", "1s").containsKey("fault").containsKey("size");
        assertThat(scenario("designs.yaml", "vfio-ignores-requests").parameters())
                .containsEntry("hold", "20s").containsEntry("on_request", "ignore");
        assertThat(scenario("designs.yaml", "odp-peer-writes").parameters()).containsEntry("peer", "initiator");
    }

    /** Every shipped scenario of every type: keys are its type's spec keys, so a reader can look them up in the spec. */
    @Test
    void everyShippedScenarioNamesOnlyItsTypesKeysWithValues() throws IOException {
        List<Path> specs;
        try (var files = Files.list(Path.of("..", "examples"))) {
            specs = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(specs).isNotEmpty();
        java.util.Set<String> types = new java.util.TreeSet<>();
        for (Path f : specs) {
            for (ScenarioSpec s : SpecLoader.load(f).scenarios()) {
                types.add(s.type());
                assertThat(s.parameters()).as("%s: %s", f, s.name()).isNotEmpty()
                        .allSatisfy((k, v) -> assertThat(v).isNotBlank());
                assertThat(ScenarioTypes.find(s.type()).keys()).as("%s: %s", f, s.name()).containsAll(s.parameters().keySet());
            }
        }
        assertThat(types).as("the shipped specs use every type").containsExactlyInAnyOrderElementsOf(
                ScenarioTypes.ALL.stream().map(ScenarioTypes.Type::name).toList());
    }
}
