package dev.kfit.host;

import dev.kfit.error.InfraException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Waiting for the launcher's background provisioning: its status file, as kfit's launcher writes it. */
class LocalProvisioningTest {
    @TempDir
    Path dir;

    @Test
    void waitsUntilThePlaybookEndsWellAndSaysSoOnce() throws Exception {
        Path status = dir.resolve("provision.status");
        List<String> said = new ArrayList<>();
        // The playbook ends once kfit has said that it waits: written beside and renamed, as ./kfit does.
        LocalProvisioning.Outcome o = LocalProvisioning.await(LocalProvisioning.Stage.ALL, status, dir.resolve("provision.log"), Duration.ofSeconds(20), m -> {
            said.add(m);
            try {
                Files.writeString(dir.resolve("provision.status.tmp"), "0 143\n");
                Files.move(dir.resolve("provision.status.tmp"), status);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(o).isEqualTo(new LocalProvisioning.Outcome(0, 143));
        assertThat(said).singleElement().asString().contains("waiting for the rest of this host's provisioning")
                .contains(dir.resolve("provision.log").toString());
    }

    @Test
    void aFailedPlaybookIsAnInfrastructureErrorThatShowsItsLog() throws Exception {
        Path status = dir.resolve("provision.status");
        Files.writeString(status, "2 40\n");
        Path log = dir.resolve("provision.log");
        Files.writeString(log, "TASK [Install missing kfit packages]\nfatal: [localhost]: FAILED! => E: Unable to locate package qemu-system-x86\n");
        assertThatThrownBy(() -> LocalProvisioning.await(LocalProvisioning.Stage.ALL, status, log, Duration.ofSeconds(5), m -> { }))
                .isInstanceOf(InfraException.class)
                .hasMessageContaining("exited with 2").hasMessageContaining(log.toString())
                .hasMessageContaining("Unable to locate package qemu-system-x86");
    }

    @Test
    void aPlaybookThatNeverEndsIsGivenUpOnAtTheLimit() {
        Path log = dir.resolve("provision.log");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> LocalProvisioning.await(LocalProvisioning.Stage.ALL, dir.resolve("never.status"), log, Duration.ofSeconds(1), m -> { }))
                .isInstanceOf(InfraException.class).hasMessageContaining("did not finish within").hasMessageContaining(log.toString());
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
    }

    @Test
    void theToolChainsPlaybookIsNamedWhenItFailsOrIsWaitedFor() throws Exception {
        Path status = dir.resolve("toolchain.status");
        Path log = dir.resolve("provision.log");
        List<String> said = new ArrayList<>();
        assertThatThrownBy(() -> LocalProvisioning.await(LocalProvisioning.Stage.TOOLCHAIN, status, log, Duration.ofSeconds(1), said::add))
                .isInstanceOf(InfraException.class).hasMessageContaining("ansible/toolchain.yml");
        assertThat(said).singleElement().asString().contains("waiting for the build tool chain (ansible/toolchain.yml");
        Files.writeString(status, "4 12\n");
        assertThatThrownBy(() -> LocalProvisioning.await(LocalProvisioning.Stage.TOOLCHAIN, status, log, Duration.ofSeconds(5), m -> { }))
                .isInstanceOf(InfraException.class).hasMessageContaining("ansible/toolchain.yml exited with 4");
    }
}
