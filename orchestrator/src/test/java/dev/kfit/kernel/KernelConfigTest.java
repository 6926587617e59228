package dev.kfit.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.kfit.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelConfigTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private Path rdmaFragment() throws IOException {
        return write("rdma.config", """
                # P2P DMA and the RDMA core
                CONFIG_PCI_P2PDMA=y

                CONFIG_INFINIBAND=y
                # CONFIG_MODULES is not set
                CONFIG_CMDLINE="console=ttyS0"
                """);
    }

    @Test
    void parsesSetUnsetCommentsAndBlankLinesWithTheirLocation() throws IOException {
        Path f = rdmaFragment();

        assertThat(KernelConfig.requirements(List.of(f)))
                .extracting(KernelConfig.Requirement::option, KernelConfig.Requirement::value,
                        KernelConfig.Requirement::fragment, KernelConfig.Requirement::line)
                .containsExactly(
                        tuple("CONFIG_PCI_P2PDMA", "y", f, 2),
                        tuple("CONFIG_INFINIBAND", "y", f, 4),
                        tuple("CONFIG_MODULES", "n", f, 5),
                        tuple("CONFIG_CMDLINE", "\"console=ttyS0\"", f, 6));
    }

    @Test
    void laterFragmentOverridesEarlierOneLikeMergeConfig() throws IOException {
        // merge_config.sh lets the last fragment win; requiring both values would make every build fail.
        Path base = write("base.config", "CONFIG_DEBUG_INFO=y\nCONFIG_NVME_CORE=y\n");
        Path user = write("user.config", "# CONFIG_DEBUG_INFO is not set\n");

        assertThat(KernelConfig.requirements(List.of(base, user)))
                .extracting(KernelConfig.Requirement::option, KernelConfig.Requirement::value, KernelConfig.Requirement::fragment)
                .containsExactlyInAnyOrder(
                        tuple("CONFIG_DEBUG_INFO", "n", user),
                        tuple("CONFIG_NVME_CORE", "y", base));
    }

    @Test
    void nonConfigLineIsBadInputNamingFileAndLine() throws IOException {
        Path f = write("typo.config", "CONFIG_A=y\n\nCONIFG_NVME=y\n");

        assertThatThrownBy(() -> KernelConfig.requirements(List.of(f)))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(f + ":3: ")
                .hasMessageContaining("CONIFG_NVME=y");
    }

    @Test
    void checkPassesWhenEverythingRequiredIsInTheFinalConfig() throws IOException {
        List<KernelConfig.Requirement> req = KernelConfig.requirements(List.of(rdmaFragment()));
        Path dotConfig = write(".config", """
                #
                # Automatically generated file; DO NOT EDIT.
                #
                CONFIG_CMDLINE="console=ttyS0"
                CONFIG_PCI_P2PDMA=y
                CONFIG_INFINIBAND=y
                # CONFIG_MODULES is not set
                CONFIG_64BIT=y
                """);

        KernelConfig.check(dotConfig, req); // must not throw
    }

    @Test
    void unsetRequirementIsSatisfiedByAnAbsentOption() throws IOException {
        List<KernelConfig.Requirement> req = KernelConfig.requirements(List.of(write("f.config", "# CONFIG_MODULES is not set\n")));

        KernelConfig.check(write(".config", "CONFIG_64BIT=y\n"), req); // must not throw
    }

    @Test
    void droppedOptionIsReportedWithItsFragmentAndLine() throws IOException {
        List<KernelConfig.Requirement> req = KernelConfig.requirements(List.of(rdmaFragment()));
        // olddefconfig dropped CONFIG_PCI_P2PDMA (its dependency ZONE_DEVICE was missing).
        Path dotConfig = write(".config", """
                CONFIG_CMDLINE="console=ttyS0"
                # CONFIG_PCI_P2PDMA is not set
                CONFIG_INFINIBAND=y
                # CONFIG_MODULES is not set
                """);

        assertThatThrownBy(() -> KernelConfig.check(dotConfig, req))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("CONFIG_PCI_P2PDMA=y")
                .hasMessageContaining("rdma.config:2")
                .hasMessageNotContaining("CONFIG_INFINIBAND")
                .hasMessageNotContaining("CONFIG_MODULES");
    }

    @Test
    void everyMismatchIsReportedTogether() throws IOException {
        List<KernelConfig.Requirement> req = KernelConfig.requirements(List.of(rdmaFragment()));
        // INFINIBAND became a module, MODULES got enabled, P2PDMA vanished entirely.
        Path dotConfig = write(".config", """
                CONFIG_CMDLINE="console=ttyS0"
                CONFIG_INFINIBAND=m
                CONFIG_MODULES=y
                """);

        assertThatThrownBy(() -> KernelConfig.check(dotConfig, req))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("CONFIG_PCI_P2PDMA=y (rdma.config:2")
                .hasMessageContaining("CONFIG_INFINIBAND=y (rdma.config:4, final .config has m)")
                .hasMessageContaining("CONFIG_MODULES=n (rdma.config:5, final .config has y)");
    }
}
