package dev.kfit.run;

import dev.kfit.host.FakeQemuHost;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.monitor.CrashWatchTest;
import dev.kfit.report.CellResult;
import dev.kfit.scenario.Scenario;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.topology.Placement;
import dev.kfit.topology.Testbed;
import dev.kfit.verdict.Checker;
import dev.kfit.verdict.Judgement;
import dev.kfit.verdict.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A kernel that oopses while it boots is judged CRASH seconds after the oops, not at the boot timeout:
 * a whole cell through CellRunner and Testbed, with fake-qemu.py playing the console (no QEMU, no guest).
 */
class CellRunnerEarlyEndTest {
    @TempDir
    Path tmp;
    private FakeQemuHost host;

    @AfterEach
    void closeHost() {
        if (host != null) {
            host.close();
        }
    }

    /** Boot lines, then 1.2 s later (the console says 1.10 s) the NVMe probe's oops, printed over half a second; then nothing. */
    static String oopsAtBoot() {
        StringBuilder s = new StringBuilder(CrashWatchTest.BOOT).append("@sleep 1.2\n");
        CrashWatchTest.NVME_OOPS.lines().forEach(l -> s.append(l).append('\n').append("@sleep 0.015\n"));
        return s.toString();
    }

    @Test
    void anOopsWhileBootingIsCrashWithinSecondsWithTheConsoleKept() throws Exception {
        Path script = Files.writeString(tmp.resolve("console.script"), oopsAtBoot());
        host = new FakeQemuHost(script);
        RunLayout layout = new RunLayout(Files.createDirectories(tmp.resolve("run")));
        CellRunner cells = new CellRunner(image(), h -> dev.kfit.vm.qemu.Accel.TCG, h -> {
            throw new AssertionError("no links in this topology");
        }, GuestSpec.DEFAULT, layout, new Progress(new PrintStream(OutputStream.nullOutputStream()), false, 100, System::nanoTime));
        TopologySpec single = TopologySpec.builtIns(GuestSpec.DEFAULT).get(0);

        long t0 = System.nanoTime();
        CellResult r = cells.run("6.12-oops.never-runs.r1", kernel(), new NeverRuns(), single, 1,
                Placement.allOn(host, List.of(TopologySpec.TARGET)));
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.CRASH.name());
        assertThat(r.error()).as("a crash is a kernel verdict, never kfit's own error").isNull();
        assertThat(seconds).as("the whole cell, boot timeout %s", "300 s").isLessThan(15);
        assertThat(r.splats()).anySatisfy(s -> {
            assertThat(s.title()).contains("nvme_probe");
            assertThat(s.timestamp()).isEqualTo(1.104211);
        });
        String console = Files.readString(layout.dir().resolve(r.console()));
        assertThat(console).as("the whole report, kept").contains("BUG: kernel NULL pointer dereference")
                .contains("---[ end trace");

        CellResult.EarlyEnd e = r.earlyEnd();
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo("crash");
        assertThat(e.phase()).isEqualTo("boot");
        assertThat(e.guest()).isEqualTo(TopologySpec.TARGET);
        assertThat(e.title()).as("read again once the report was printed").contains("nvme_probe");
        assertThat(e.consoleTimeS()).isEqualTo(1.104211);
        assertThat(e.oopsToVerdictS()).isLessThan(15.0).isGreaterThanOrEqualTo(e.seenToVerdictS());
        // The report took 0.5 s to print and settling waits for 2 s of quiet: the verdict is at least that late.
        assertThat(e.seenToVerdictS()).isGreaterThan(2.0);

        assertThat(r.phases().bootS()).isNotNull().isLessThan(15.0);
        assertThat(r.phases().scenarioS()).as("the scenario never started").isNull();
        assertThat(r.phases().collectS()).isNotNull();
        assertThat(Files.readString(layout.dir().resolve(r.history()))).contains("\"crash_seen\"").contains("\"boot_start\"");
        assertThat(Testbed.NO_OUTPUT_LIMIT).isPositive();
    }

    /** The guest boots (an in-process sshd answers for it); 3 s into the scenario its kernel oopses. */
    @Test
    void anOopsWhileTheScenarioRunsEndsItAndIsCrash() throws Exception {
        java.security.KeyPair hostKey = dev.kfit.ssh.InProcessSshd.newEd25519();
        java.security.KeyPair clientKey = dev.kfit.ssh.InProcessSshd.newEd25519();
        try (Sshd sshd = new Sshd(hostKey)) {
            String console = CrashWatchTest.BOOT + "kfit-init: ready\n@sleep 3\n"
                    + CrashWatchTest.NVME_OOPS.replace("[    1.1", "[   41.1");
            host = new FakeQemuHost(Files.writeString(tmp.resolve("console.script"), console), sshd.port());
            Path rootfs = Files.writeString(tmp.resolve("rootfs.ext4"), "not a file system");
            Path client = dev.kfit.ssh.InProcessSshd.writePrivateKey(clientKey, tmp.resolve("id_ed25519"));
            Path pinned = Files.writeString(tmp.resolve("host_key.pub"),
                    org.apache.sshd.common.config.keys.PublicKeyEntry.toString(hostKey.getPublic()) + " root@guest\n");
            GuestImage image = new GuestImage("img", rootfs, client, pinned, rootfs, rootfs, true);
            RunLayout layout = new RunLayout(Files.createDirectories(tmp.resolve("run")));
            CellRunner cells = new CellRunner(image, h -> dev.kfit.vm.qemu.Accel.TCG, h -> {
                throw new AssertionError("no links in this topology");
            }, GuestSpec.DEFAULT, layout, new Progress(new PrintStream(OutputStream.nullOutputStream()), false, 100, System::nanoTime));
            Holds scenario = new Holds();

            long t0 = System.nanoTime();
            CellResult r = cells.run("6.12-oops.holds.r1", kernel(), scenario, TopologySpec.builtIns(GuestSpec.DEFAULT).get(0), 1,
                    Placement.allOn(host, List.of(TopologySpec.TARGET)));
            double seconds = (System.nanoTime() - t0) / 1e9;

            assertThat(r.verdict()).as(r.toString()).isEqualTo(Verdict.CRASH.name());
            assertThat(r.error()).isNull();
            assertThat(scenario.started).as("the scenario ran").isTrue();
            assertThat(scenario.interrupted).as("and was stopped, not waited for (it would hold 10 min)").isTrue();
            assertThat(seconds).isLessThan(20);
            CellResult.EarlyEnd e = r.earlyEnd();
            assertThat(e.phase()).isEqualTo("scenario");
            assertThat(e.consoleTimeS()).isEqualTo(41.104211);
            assertThat(e.title()).contains("nvme_probe");
            assertThat(e.seenToVerdictS()).isLessThan(15.0);
            assertThat(r.phases().scenarioS()).isBetween(2.5, 15.0);
            assertThat(r.splats()).anySatisfy(s -> assertThat(s.timestamp()).isEqualTo(41.104211));
            assertThat(Files.readString(layout.dir().resolve(r.history()))).contains("\"ssh_ready\"").contains("\"scenario_start\"")
                    .contains("\"crash_seen\"").doesNotContain("scenario_abandoned");
        }
    }

    private KernelBuild kernel() throws IOException {
        Path bz = Files.writeString(tmp.resolve("bzImage"), "not a kernel");
        return new KernelBuild("6.12-oops", "key", "6.12.117", "debian:linux-source-6.12=6.12.117-1",
                List.of("0001-nvme-planted-oops.patch"), "gcc", bz, bz, bz, true, 1.0);
    }

    private GuestImage image() throws IOException {
        Path f = Files.writeString(tmp.resolve("rootfs.ext4"), "not a file system");
        return new GuestImage("img", f, f, f, f, f, true);
    }

    /** An in-process sshd for the guest: any client key (the test's own), no commands. */
    private static final class Sshd extends dev.kfit.ssh.InProcessSshd {
        Sshd(java.security.KeyPair hostKey) throws IOException {
            super(0, org.apache.sshd.common.keyprovider.KeyPairProvider.wrap(hostKey));
            server.setPublickeyAuthenticator((user, key, session) -> true);
            server.start();
        }
    }

    /** A scenario that holds for ten minutes, unless interrupted. */
    private static final class Holds implements Scenario {
        volatile boolean started;
        volatile boolean interrupted;

        @Override
        public String name() {
            return "holds";
        }

        @Override
        public String topology() {
            return TopologySpec.SINGLE;
        }

        @Override
        public Checker checker() {
            return (o, s) -> Judgement.of(Verdict.PROMPT, List.of(), null);
        }

        @Override
        public ScenarioOutcome run(Testbed testbed) {
            started = true;
            try {
                Thread.sleep(600_000);
            } catch (InterruptedException e) {
                interrupted = true;
                throw new dev.kfit.error.InfraException("interrupted", e);
            }
            throw new AssertionError("held ten minutes");
        }
    }

    /** The scenario of a kernel that never finishes booting. */
    private static final class NeverRuns implements Scenario {
        @Override
        public String name() {
            return "never-runs";
        }

        @Override
        public String topology() {
            return TopologySpec.SINGLE;
        }

        @Override
        public Checker checker() {
            return (o, s) -> Judgement.of(Verdict.PROMPT, List.of(), null);
        }

        @Override
        public ScenarioOutcome run(Testbed testbed) {
            throw new AssertionError("the guest never booted; the scenario must not run");
        }
    }
}
