package dev.kfit.run;

import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.TopologySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CapacityTest {
    private static final GuestSpec GUEST = GuestSpec.DEFAULT; // 2 vCPUs, 1 GiB, 64 MiB CMB

    private static Capacity.Cost single() {
        return Scheduler.cost(TopologySpec.builtIns(GUEST).stream().filter(t -> t.name().equals(TopologySpec.SINGLE)).findFirst().orElseThrow(), GUEST);
    }

    private static Capacity.Cost pair() {
        return Scheduler.cost(TopologySpec.builtIns(GUEST).stream().filter(t -> t.name().equals(TopologySpec.PAIR)).findFirst().orElseThrow(), GUEST);
    }

    @Test
    void aCellCostsItsGuestsVcpusAndMemoryPlusQemu() {
        assertThat(single()).isEqualTo(new Capacity.Cost(2, 1024 + 64 + Capacity.QEMU_OVERHEAD_MB));
        assertThat(pair().cpus()).isEqualTo(4);
    }

    @Test
    void onTwoCoresTwoVcpuGuestsRunOneAtATime() throws Exception {
        Capacity c = Capacity.ofMachine(2, 23_000);
        assertThat(c.acquire(single(), Duration.ofMillis(10))).isTrue();
        assertThat(c.acquire(single(), Duration.ofMillis(50))).as("a second guest would share the cores").isFalse();
        c.release(single());
        // Too big for the machine, yet it runs: alone.
        assertThat(c.acquire(pair(), Duration.ofMillis(10))).isTrue();
    }

    @Test
    void onSixteenCoresMemoryBecomesTheLimit() throws Exception {
        long perGuest = single().memoryMb();
        Capacity c = Capacity.ofMachine(16, Capacity.HOST_RESERVE_MB + 3 * perGuest);
        for (int i = 0; i < 3; i++) {
            assertThat(c.acquire(single(), Duration.ofMillis(10))).isTrue();
        }
        assertThat(c.fits(single())).isFalse();
    }

    @Test
    void aReleaseWakesAWaitingCell() throws Exception {
        Capacity c = Capacity.ofJobs(1);
        assertThat(c.acquire(pair(), Duration.ofMillis(10))).isTrue();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
            }
            c.release(pair());
        });
        t.start();
        assertThat(c.acquire(pair(), Duration.ofSeconds(10))).isTrue();
        t.join();
    }

    @Test
    void jobsOverridesTheMachine() throws Exception {
        Capacity c = Capacity.ofJobs(3);
        for (int i = 0; i < 3; i++) {
            assertThat(c.acquire(pair(), Duration.ofMillis(10))).isTrue();
        }
        assertThat(c.fits(single())).isFalse();
        assertThat(c.describe()).contains("3 cell(s)");
    }

    @Test
    void readsMemAvailable(@TempDir Path tmp) throws Exception {
        Path meminfo = tmp.resolve("meminfo");
        Files.writeString(meminfo, "MemTotal:       24000000 kB\nMemFree:        1000 kB\nMemAvailable:   23552000 kB\n");
        assertThat(dev.kfit.host.LocalHost.memAvailableMb(meminfo)).isEqualTo(23_000);
        assertThat(dev.kfit.host.LocalHost.memAvailableMb(tmp.resolve("missing"))).isZero();
    }
}
