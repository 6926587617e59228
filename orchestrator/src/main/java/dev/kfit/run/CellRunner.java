package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.guest.Guest;
import dev.kfit.history.History;
import dev.kfit.host.Host;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.monitor.ConsoleParser;
import dev.kfit.monitor.Splat;
import dev.kfit.report.CellResult;
import dev.kfit.scenario.Scenario;
import dev.kfit.spec.GuestSpec;
import dev.kfit.ssh.SshSession;
import dev.kfit.ssh.SshTarget;
import dev.kfit.verdict.Classifier;
import dev.kfit.verdict.Outcome;
import dev.kfit.verdict.PinnedUnbindObservation;
import dev.kfit.verdict.Verdict;
import dev.kfit.vm.Vm;
import dev.kfit.vm.qemu.Accel;
import dev.kfit.vm.qemu.QemuConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs one cell: boots the kernel in a fresh guest, runs the scenario, stores the evidence
 * (console, history) and only then classifies. Every failure of kfit's own becomes INFRA_ERROR.
 */
public final class CellRunner {
    static final Duration BOOT_TIMEOUT = Duration.ofMinutes(5);
    static final Duration SSH_TIMEOUT = Duration.ofMinutes(2);

    private final Host host;
    private final GuestImage image;
    private final Accel accel;
    private final GuestSpec guestSpec;
    private final RunLayout layout;
    private final Consumer<String> progress;

    public CellRunner(Host host, GuestImage image, Accel accel, GuestSpec guestSpec, RunLayout layout, Consumer<String> progress) {
        this.host = host;
        this.image = image;
        this.accel = accel;
        this.guestSpec = guestSpec;
        this.layout = layout;
        this.progress = progress;
    }

    public CellResult run(String id, KernelBuild kernel, Scenario scenario, int repetition) {
        Instant started = Instant.now();
        Path dir = layout.cell(id);
        Path console = dir.resolve("console.log");
        PinnedUnbindObservation obs = null;
        String infra = null;
        long scenarioOffset = 0;
        Path privateDir = null;
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(console);
        } catch (IOException e) {
            throw new InfraException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        try (History history = new History(dir.resolve("history.jsonl"))) {
            try {
                privateDir = host.privateDir();
                QemuConfig cfg = new QemuConfig("qemu-system-x86_64", "target", accel, guestSpec.cpus(), guestSpec.memoryMb(),
                        kernel.bzImage(), image.rootfs(), List.of(), console, privateDir.resolve("qmp.sock"), freePort(),
                        guestSpec.cmbMb(), List.of());
                history.host("boot_start", Map.of("kernel", kernel.label(), "version", kernel.kernelVersion(),
                        "accel", accel.name(), "ssh_port", cfg.sshHostPort()));
                progress.accept(id + ": booting " + kernel.kernelVersion());
                try (Vm vm = Vm.start(host, cfg, dir.resolve("qemu.log"))) {
                    vm.awaitReady(BOOT_TIMEOUT);
                    history.host("booted", Map.of());
                    SshTarget target = new SshTarget("127.0.0.1", vm.sshPort(), "root", image.clientKey(), image.hostKey());
                    try (SshSession ssh = SshSession.connectWhenReady(target, SSH_TIMEOUT, Duration.ofSeconds(20), vm::isAlive);
                         Guest guest = new Guest("target", vm, ssh, history)) {
                        scenarioOffset = vm.consoleOffset();
                        history.host("scenario_start", Map.of("scenario", scenario.name(), "console_offset", scenarioOffset));
                        progress.accept(id + ": running " + scenario.name());
                        obs = scenario.run(guest);
                        history.host("scenario_end", observationMap(obs));
                    }
                    progress.accept(id + ": collecting");
                }
            } catch (BadInputException e) {
                throw e;
            } catch (InfraException e) {
                infra = e.getMessage();
                history.host("infra_error", Map.of("message", infra));
            } catch (IOException | RuntimeException e) {
                infra = e.getClass().getSimpleName() + ": " + e.getMessage();
                history.host("infra_error", Map.of("message", infra));
            } finally {
                deleteQuietly(privateDir);
            }
            // The guest is gone and its console is complete on disk: now analyse.
            List<Splat> splats = splatsOf(console, scenarioOffset);
            for (Splat s : splats) {
                history.host("splat", Map.of("type", s.type().name(), "title", s.title(), "timestamp", s.timestamp()));
            }
            Verdict verdict = Classifier.classify(obs, splats, infra, scenario.grace());
            history.host("verdict", Map.of("verdict", verdict.name()));
            return new CellResult(id, kernel.label(), kernel.kernelVersion(), kernel.source(), kernel.patches(),
                    scenario.name(), repetition, verdict.name(),
                    obs == null || obs.pin() == Outcome.INDETERMINATE ? new CellResult.Pin(null, null)
                            : new CellResult.Pin(obs.pin() == Outcome.OK, obs.pinErrno()),
                    obs == null ? null : obs.unbindMs(), obs == null ? null : obs.blockedAfterReleaseMs(),
                    splats.stream().map(s -> new CellResult.SplatResult(s.type().name(), s.title(), s.timestamp(), s.excerpt())).toList(),
                    layout.relative(console), layout.relative(dir.resolve("history.jsonl")),
                    verdict == Verdict.INFRA_ERROR ? (infra != null ? infra : "scenario ended without an observation") : null,
                    started.toString(), Duration.between(started, Instant.now()).toMillis() / 1000.0);
        }
    }

    private static Map<String, Object> observationMap(PinnedUnbindObservation o) {
        Map<String, Object> m = new HashMap<>();
        m.put("pin", o.pin().name());
        m.put("pin_errno", o.pinErrno());
        m.put("registered_ns", o.registeredNs());
        m.put("release_ns", o.releaseNs());
        m.put("unbind_start_ns", o.unbindStartNs());
        m.put("unbind_end_ns", o.unbindEndNs());
        m.put("waited_until_ns", o.waitedUntilNs());
        m.values().removeIf(java.util.Objects::isNull);
        return m;
    }

    private static List<Splat> splatsOf(Path console, long offset) {
        if (!Files.exists(console)) {
            return List.of();
        }
        try {
            return ConsoleParser.distinct(ConsoleParser.parse(console, offset));
        } catch (IOException e) {
            throw new InfraException("cannot read console " + console + ": " + e.getMessage(), e);
        }
    }

    /** An ephemeral port on loopback for the SSH forward. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            dev.kfit.cache.Cache.deleteTree(dir);
        } catch (IOException ignored) {
            // only a socket directory in /tmp
        }
    }
}
