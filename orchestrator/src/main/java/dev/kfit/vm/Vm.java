package dev.kfit.vm;

import dev.kfit.host.Command;
import dev.kfit.host.Host;
import dev.kfit.host.HostProcess;
import dev.kfit.host.LocalHost;
import dev.kfit.vm.qemu.Qmp;
import dev.kfit.vm.qemu.QemuCommandLine;
import dev.kfit.vm.qemu.QemuConfig;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One QEMU guest, on the local machine or on a remote host. Its serial console reaches a local file
 * from the first byte (QEMU writes it there, or on a remote host into a file that is followed);
 * its SSH and QMP are reached on controller-side ports. Closing the Vm stops QEMU (QMP quit, then
 * kill) and keeps the console.
 */
public final class Vm implements AutoCloseable {
    /** Printed by the guest's init once sshd is listening. */
    public static final String READY_MARKER = "kfit-init: ready";
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    /** How often a boot wait looks at the console: every poll's delay adds to boot-to-SSH. */
    static final Duration READY_POLL = Duration.ofMillis(50);

    private final Host host;
    private final QemuConfig config;
    private final HostProcess process;
    private final Path qemuLog;
    private final Path console;
    private final AutoCloseable consoleFollower;
    private final java.time.Instant startedAt;
    private Qmp qmp;
    private int sshPort;

    private Vm(Host host, QemuConfig config, HostProcess process, Path qemuLog, Path console, AutoCloseable follower,
               java.time.Instant startedAt) {
        this.startedAt = startedAt;
        this.host = host;
        this.config = config;
        this.process = process;
        this.qemuLog = qemuLog;
        this.console = console;
        this.consoleFollower = follower;
    }

    /**
     * Starts QEMU on {@code host}, whose paths in {@code config} are the host's; the console is copied
     * into {@code localConsole} as it is written (on this machine QEMU writes it there itself). Returns
     * once the process runs, not once the guest is up: see {@link #awaitReady}.
     */
    public static Vm start(Host host, QemuConfig config, Path qemuLog, Path localConsole) {
        List<String> argv = QemuCommandLine.build(config);
        try {
            Files.createDirectories(localConsole.toAbsolutePath().getParent());
            if (host.isLocal()) {
                Files.deleteIfExists(config.qmpSocket());
            }
            Files.writeString(qemuLog, "# on " + host.name() + "\n" + String.join(" ", argv) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BootException("guest " + config.name() + ": cannot prepare " + qemuLog + ": " + e, localConsole);
        }
        java.time.Instant startedAt = java.time.Instant.now(); // before QEMU: the guest's clock starts later
        HostProcess p = host.start(new Command(argv, null, Map.of(), Duration.ofDays(1), qemuLog));
        AutoCloseable follower;
        try {
            follower = host.follow(config.consoleLog(), localConsole);
        } catch (RuntimeException e) {
            p.stop(Duration.ofSeconds(3));
            throw e;
        }
        return new Vm(host, config, p, qemuLog, localConsole, follower, startedAt);
    }

    /** When kfit asked for QEMU to be started: the guest's printk clock began at or after this. */
    public java.time.Instant startedAt() {
        return startedAt;
    }

    public Host host() {
        return host;
    }

    public String name() {
        return config.name();
    }

    public QemuConfig config() {
        return config;
    }

    /** The console on this machine. */
    public Path console() {
        return console;
    }

    /** The controller-side port that reaches the guest's sshd. */
    public synchronized int sshPort() {
        if (sshPort == 0) {
            sshPort = host.forward(config.sshHostPort());
        }
        return sshPort;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits at most {@code timeout} for QEMU to have exited; true if it has. */
    public boolean awaitExit(Duration timeout) {
        return process.waitFor(timeout);
    }

    /** Size of the console so far: scenarios remember it to parse only what they caused. */
    public long consoleOffset() {
        try {
            return Files.size(console);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Waits until init reports readiness on the console. Fails at once if QEMU exits, and after
     * {@code timeout} otherwise; the error carries the console's tail.
     */
    public void awaitReady(Duration timeout) {
        awaitReady(timeout, () -> { });
    }

    /**
     * {@link #awaitReady(Duration)}, running {@code check} on every poll (every {@link #READY_POLL}): a check that
     * throws ends the wait with its exception (the testbed's: a crashed kernel, a silent console).
     */
    public void awaitReady(Duration timeout, Runnable check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (consoleContains(READY_MARKER)) {
                return;
            }
            check.run();
            if (!process.isAlive()) {
                throw new BootException("guest " + name() + ": QEMU exited with status " + process.exitStatus()
                        + " before the guest was ready\n" + LocalHost.tail(qemuLog, 2000)
                        + "\n--- console tail ---\n" + LocalHost.tail(console(), 3000), console());
            }
            process.waitFor(READY_POLL);
        }
        throw new BootException("guest " + name() + ": not ready after " + timeout.toSeconds() + " s (no '"
                + READY_MARKER + "' on the console)\n--- console tail ---\n" + LocalHost.tail(console(), 3000), console());
    }

    /** The QMP connection, opened on first use. */
    public synchronized Qmp qmp() {
        if (qmp == null) {
            qmp = config.qmpPort() > 0 ? Qmp.connect(host.forward(config.qmpPort()), QMP_TIMEOUT)
                    : Qmp.connect(config.qmpSocket(), QMP_TIMEOUT);
        }
        return qmp;
    }

    private boolean consoleContains(String marker) {
        try (RandomAccessFile f = new RandomAccessFile(console().toFile(), "r")) {
            byte[] b = new byte[(int) Math.min(f.length(), 4 << 20)];
            f.readFully(b);
            return new String(b, StandardCharsets.ISO_8859_1).contains(marker);
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the guest: QMP quit if QEMU still answers, else SIGTERM/SIGKILL. Always bounded. */
    @Override
    public synchronized void close() {
        try {
            if (process.isAlive()) {
                try {
                    qmp().execute("quit", Map.of(), Duration.ofSeconds(3));
                } catch (RuntimeException wedged) {
                    // fall through to the signal below
                }
                process.waitFor(Duration.ofSeconds(5));
            }
        } finally {
            if (qmp != null) {
                qmp.close();
            }
            process.stop(Duration.ofSeconds(3));
            try {
                consoleFollower.close();
            } catch (Exception e) {
                // the console has what reached it; the cell's analysis reads that
            }
            try {
                if (host.isLocal()) {
                    Files.deleteIfExists(config.qmpSocket());
                }
            } catch (IOException ignored) {
                // the private run directory goes away with the run
            }
        }
    }
}
