package dev.kfit.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The specs users copy (and ./kfit reproduce / nightly run) must load as they are shipped. */
class ShippedSpecsTest {
    @ParameterizedTest
    @ValueSource(strings = {"reproduce.yaml", "reproduce-7.2.yaml", "traffic-faults.yaml", "nightly.yaml", "distributed.yaml",
            "designs.yaml"})
    void loads(String name) {
        Spec spec = SpecLoader.load(Path.of("..", "examples", name));
        assertThat(spec.kernels()).isNotEmpty();
        for (KernelSpec k : spec.kernels()) {
            assertThat(k.patchFiles()).allMatch(p -> p.toString().endsWith(".patch"));
        }
    }

    /** The nightly's header and the README give its size: 4 kernels × (10 unbind-latency + 5 traffic-unbind). */
    @Test
    void nightlyHasSixtyCells() {
        Spec spec = SpecLoader.load(Path.of("..", "examples", "nightly.yaml"));
        assertThat(spec.cells()).hasSize(60);
        assertThat(spec.cells()).filteredOn(c -> c.scenario().name().equals("traffic-unbind")).hasSize(20);
    }
}
