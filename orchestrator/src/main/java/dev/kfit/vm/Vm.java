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
 * One QEMU guest. Its serial console is written to a file from the first byte; closing the Vm
 * stops QEMU (QMP quit, then kill) and keeps the console.
 */
public final class Vm implements AutoCloseable {
    /** Printed by the guest's init once sshd is listening. */
    public static final String READY_MARKER = "kfit-init: ready";
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

    private final QemuConfig config;
    private final HostProcess process;
    private final Path qemuLog;
    private Qmp qmp;

    private Vm(QemuConfig config, HostProcess process, Path qemuLog) {
        this.config = config;
        this.process = process;
        this.qemuLog = qemuLog;
    }

    /** Starts QEMU; returns once the process runs (not once the guest is up: see {@link #awaitReady}). */
    public static Vm start(Host host, QemuConfig config, Path qemuLog) {
        List<String> argv = QemuCommandLine.build(config);
        try {
            Files.createDirectories(config.consoleLog().toAbsolutePath().getParent());
            Files.deleteIfExists(config.qmpSocket());
            Files.writeString(qemuLog, String.join(" ", argv) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BootException("guest " + config.name() + ": cannot prepare " + qemuLog + ": " + e, config.consoleLog());
        }
        HostProcess p = host.start(new Command(argv, null, Map.of(), Duration.ofDays(1), qemuLog));
        return new Vm(config, p, qemuLog);
    }

    public String name() {
        return config.name();
    }

    public QemuConfig config() {
        return config;
    }

    public Path console() {
        return config.consoleLog();
    }

    public int sshPort() {
        return config.sshHostPort();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Size of the console so far: scenarios remember it to parse only what they caused. */
    public long consoleOffset() {
        try {
            return Files.size(config.consoleLog());
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Waits until init reports readiness on the console. Fails at once if QEMU exits, and after
     * {@code timeout} otherwise; the error carries the console's tail.
     */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (consoleContains(READY_MARKER)) {
                return;
            }
            if (!process.isAlive()) {
                throw new BootException("guest " + name() + ": QEMU exited with status " + process.exitStatus()
                        + " before the guest was ready\n" + LocalHost.tail(qemuLog, 2000)
                        + "\n--- console tail ---\n" + LocalHost.tail(console(), 3000), console());
            }
            process.waitFor(Duration.ofMillis(250));
        }
        throw new BootException("guest " + name() + ": not ready after " + timeout.toSeconds() + " s (no '"
                + READY_MARKER + "' on the console)\n--- console tail ---\n" + LocalHost.tail(console(), 3000), console());
    }

    /** The QMP connection, opened on first use. */
    public synchronized Qmp qmp() {
        if (qmp == null) {
            qmp = Qmp.connect(config.qmpSocket(), QMP_TIMEOUT);
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
                Files.deleteIfExists(config.qmpSocket());
            } catch (IOException ignored) {
                // the private run directory goes away with the run
            }
        }
    }
}
