package dev.kfit.scenario;

import dev.kfit.scenario.dmabuf.DmabufUnbind;
import dev.kfit.scenario.odp.OdpUnbind;
import dev.kfit.scenario.vfio.VfioUnbind;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** examples/designs.yaml and the designs types' spec errors. */
class DesignsSpecTest {
    @TempDir
    Path dir;

    @Test
    void theDesignsSpecRunsEachMechanismOnBothKernels() {
        Spec s = SpecLoader.load(Path.of("..", "examples", "designs.yaml"));
        assertThat(s.cells()).hasSize(42);
        VfioUnbind ignore = (VfioUnbind) s.scenarios().stream().filter(x -> x.name().equals("vfio-ignores-requests")).findFirst().orElseThrow();
        assertThat(ignore.onRequest()).isEqualTo("ignore");
        assertThat(ignore.timing().hold()).isEqualTo(Duration.ofSeconds(20));
        DmabufUnbind closed = (DmabufUnbind) s.scenarios().stream().filter(x -> x.name().equals("dmabuf-closed-device")).findFirst().orElseThrow();
        assertThat(closed.closeDeviceAfter()).isEqualTo(Duration.ofSeconds(1));
        OdpUnbind peer = (OdpUnbind) s.scenarios().stream().filter(x -> x.name().equals("odp-peer-writes")).findFirst().orElseThrow();
        assertThat(peer.peer()).isEqualTo("initiator");
    }

    private Path spec(String scenarios) throws IOException {
        Path f = dir.resolve("spec.yaml");
        Files.writeString(f, "kernels:\n  - label: a\n    source: debian:linux-source-6.12\n"
                + "topologies:\n  - name: io\n    guests:\n      - {name: target, cmb: 64M, iommu: true}\n"
                + "scenarios:\n" + scenarios);
        return f;
    }

    @Test
    void vfioNeedsAGuestWithAnIommuAndSaysSoAtItsLine() throws IOException {
        Path f = spec("  - name: v\n    type: vfio-unbind\n");
        assertThatThrownBy(() -> SpecLoader.load(f)).hasMessageStartingWith(f + ":")
                .hasMessageContaining("needs guest 'target' to have an IOMMU (iommu: true)");
        assertThat(SpecLoader.load(spec("  - name: v\n    type: vfio-unbind\n    topology: io\n")).scenarios()).hasSize(1);
    }

    @Test
    void badValuesAreNamed() throws IOException {
        Path a = spec("  - name: v\n    type: vfio-unbind\n    topology: io\n    on_request: maybe\n");
        assertThatThrownBy(() -> SpecLoader.load(a)).hasMessageContaining("on_request must be one of ignore, release, got 'maybe'");
        Path b = spec("  - name: o\n    type: odp-unbind\n    peer: nobody\n");
        assertThatThrownBy(() -> SpecLoader.load(b)).hasMessageContaining("peer must be another guest of topology 'single'");
        Path c = spec("  - name: d\n    type: dmabuf-unbind\n    topology: io\n    close_device_after: 5s\n");
        assertThatThrownBy(() -> SpecLoader.load(c)).hasMessageContaining("close_device_after (5s) must be greater than 0"
                + " and less than unbind_delay (3s)");
        Path e = spec("  - name: o\n    type: odp-unbind\n    fault: hot-unplug\n");
        assertThatThrownBy(() -> SpecLoader.load(e)).hasMessageContaining("fault must be one of unbind, pci-remove, got 'hot-unplug'");
    }
}
