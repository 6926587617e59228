package dev.kfit.topology;

import dev.kfit.history.History;
import dev.kfit.host.FakeQemuHost;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.monitor.CrashWatchTest;
import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.vm.GuestCrashedException;
import dev.kfit.vm.NoConsoleOutputException;
import dev.kfit.vm.qemu.Accel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The boot's waits end early on a crash and on a silent console; fake-qemu.py plays the console. */
class TestbedEarlyEndTest {
    @TempDir
    Path tmp;
    private FakeQemuHost host;

    @AfterEach
    void closeHost() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void aCrashOnAPairEndsTheBootOnceTheReportIsPrinted() throws Exception {
        // Two linked guests (both play this console): the crash ends the wait, the second guest is stopped too.
        StringBuilder s = new StringBuilder(CrashWatchTest.BOOT).append("@sleep 0.3\n");
        CrashWatchTest.NVME_OOPS.lines().forEach(l -> s.append(l).append('\n').append("@sleep 0.03\n"));
        GuestCrashedException e = boot(s.toString(), TopologySpec.builtIns(GuestSpec.DEFAULT).get(1), Testbed.NO_OUTPUT_LIMIT,
                GuestCrashedException.class);
        assertThat(e.phase()).isEqualTo("boot");
        assertThat(e.getMessage()).contains("crashed").contains("nvme_probe");
        // Settled: the last line of the report (printed ~1 s after its first) is on disk when the wait ends.
        assertThat(Files.readString(e.console())).contains("---[ end trace");
        assertThat(Files.readString(tmp.resolve("cell/history.jsonl"))).contains("\"crash_seen\"");
    }

    @Test
    void aPanicAfterWhichQemuExitsIsACrashNotAnExitedQemu() throws Exception {
        GuestCrashedException e = boot(CrashWatchTest.BOOT + "@sleep 0.5\n"
                        + "[    1.200000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009\n"
                        + "[    1.200500] ---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009 ]---\n"
                        + "@exit 0\n",
                TopologySpec.builtIns(GuestSpec.DEFAULT).get(0), Testbed.NO_OUTPUT_LIMIT, GuestCrashedException.class);
        assertThat(e.crash().splat().type().name()).isEqualTo("PANIC");
        assertThat(e.phase()).isEqualTo("boot");
    }

    @Test
    void aBootingGuestThatFallsSilentIsGivenUpAtTheNoOutputLimit() throws Exception {
        long t0 = System.nanoTime();
        NoConsoleOutputException e = boot(CrashWatchTest.BOOT, TopologySpec.builtIns(GuestSpec.DEFAULT).get(0),
                Duration.ofSeconds(2), NoConsoleOutputException.class);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).isBetween(2.0, 10.0);
        assertThat(e.getMessage()).startsWith(NoConsoleOutputException.NAME + ": guest target printed nothing")
                .contains("no-output limit 2 s");
        assertThat(e.guest()).isEqualTo(TopologySpec.TARGET);
        assertThat(Files.readString(e.console())).as("kept").contains("nvme nvme0: pci function");
        assertThat(Files.readString(tmp.resolve("cell/history.jsonl"))).contains("\"no_output\"");
    }

    private <T extends Throwable> T boot(String console, TopologySpec topology, Duration noOutputLimit, Class<T> expected)
            throws IOException {
        host = new FakeQemuHost(Files.writeString(tmp.resolve("console.script"), console));
        Path bz = Files.writeString(tmp.resolve("bzImage"), "not a kernel");
        KernelBuild kernel = new KernelBuild("k", "key", "6.12.117", "src", List.of(), "gcc", bz, bz, bz, true, 1.0);
        GuestImage image = new GuestImage("img", bz, bz, bz, bz, bz, true);
        Path cell = Files.createDirectories(tmp.resolve("cell"));
        BootContext ctx = new BootContext(kernel, image, GuestSpec.DEFAULT, h -> Accel.TCG, h -> {
            throw new AssertionError("no relays here");
        }, false);
        try (History history = new History(cell.resolve("history.jsonl"))) {
            return catchThrowableOfType(() -> Testbed.boot(Placement.allOn(host, topology.guests().stream()
                    .map(dev.kfit.spec.GuestRole::name).toList()), topology, ctx, cell, history, m -> { }, noOutputLimit), expected);
        }
    }
}
