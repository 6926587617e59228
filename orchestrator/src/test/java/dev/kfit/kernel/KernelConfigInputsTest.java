package dev.kfit.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What decides whether an incremental build may keep its tree's .config. */
class KernelConfigInputsTest {
    @TempDir
    Path dir;
    Path tree;
    Path fragment;

    @BeforeEach
    void aSmallTree() throws Exception {
        // The fragment lives beside the tree, as kfit's does, but inside the test's own directory.
        tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("drivers/nvme/host"));
        Files.createDirectories(tree.resolve("kernel/configs"));
        Files.writeString(tree.resolve("Kconfig"), "source \"drivers/nvme/host/Kconfig\"\n");
        Files.writeString(tree.resolve("drivers/nvme/host/Kconfig"), "config BLK_DEV_NVME\n\ttristate \"NVMe\"\n");
        Files.writeString(tree.resolve("drivers/nvme/host/pci.c"), "int x;\n");
        Files.writeString(tree.resolve("kernel/configs/tiny.config"), "# CONFIG_KERNEL_GZIP is not set\n");
        fragment = Files.writeString(dir.resolve("kfit.config"), "CONFIG_BLK_DEV_NVME=y\n");
    }

    private String inputs() throws Exception {
        return KernelBuilder.configInputs(tree, List.of(fragment), "gcc 12.2.0");
    }

    @Test
    void aPatchToCodeKeepsTheConfiguration() throws Exception {
        String before = inputs();
        Files.writeString(tree.resolve("drivers/nvme/host/pci.c"), "int x = 1;\n");
        Files.writeString(tree.resolve(".config"), "CONFIG_BLK_DEV_NVME=y\n");
        assertThat(inputs()).isEqualTo(before);
    }

    @Test
    void aPatchToAKconfigFileOrANewOneRedoesIt() throws Exception {
        String before = inputs();
        Files.writeString(tree.resolve("drivers/nvme/host/Kconfig"), "config BLK_DEV_NVME\n\ttristate \"NVMe\"\n\tdefault y\n");
        String changed = inputs();
        assertThat(changed).isNotEqualTo(before);
        Files.writeString(tree.resolve("drivers/nvme/host/Kconfig.p2p"), "config NVME_P2P\n\tbool\n");
        assertThat(inputs()).isNotEqualTo(changed);
    }

    @Test
    void anotherFragmentTinyConfigOrCompilerRedoesIt() throws Exception {
        String before = inputs();
        assertThat(KernelBuilder.configInputs(tree, List.of(fragment), "gcc 13.1.0")).isNotEqualTo(before);
        Files.writeString(tree.resolve("kernel/configs/tiny.config"), "# CONFIG_KERNEL_XZ is not set\n");
        String tiny = inputs();
        assertThat(tiny).isNotEqualTo(before);
        Files.writeString(fragment, "CONFIG_BLK_DEV_NVME=y\nCONFIG_PCI_P2PDMA=y\n");
        assertThat(inputs()).isNotEqualTo(tiny);
    }
}
