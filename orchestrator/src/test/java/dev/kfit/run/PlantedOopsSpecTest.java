package dev.kfit.run;

import dev.kfit.spec.KernelSpec;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** PlantedOopsIT's spec loads as shipped, and its one patch is the planted oops in nvme_probe. */
class PlantedOopsSpecTest {
    @Test
    void theSpecOfTheCrashWatchEndToEndTestLoads() throws Exception {
        Spec spec = SpecLoader.load(Path.of("..", "tests", "specs", "planted-oops.yaml"));
        assertThat(spec.cells()).hasSize(1);
        KernelSpec k = spec.kernels().get(0);
        assertThat(k.label()).isEqualTo("6.12-planted-oops");
        assertThat(k.patchFiles()).singleElement().satisfies(p -> {
            assertThat(p.getFileName().toString()).endsWith(".patch");
            assertThat(Files.readString(p)).contains("+++ b/drivers/nvme/host/pci.c").contains("volatile int *volatile planted = NULL;");
        });
    }
}
