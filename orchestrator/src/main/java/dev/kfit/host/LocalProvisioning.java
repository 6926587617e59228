package dev.kfit.host;

import dev.kfit.error.InfraException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The launcher's provisioning of this machine when it is still going on. On a fresh machine {@code ./kfit}
 * installs the kernel tool chain, starts kfit, and applies the rest of {@code ansible/provision.yml} (QEMU,
 * debootstrap, ...) in the background, so that the first kernel compiles meanwhile. It names a status file
 * ({@code KFIT_PROVISION_PENDING}) where it writes {@code <exit status> <seconds>} when the playbook ends,
 * and its log ({@code KFIT_PROVISION_LOG}). What needs more than the tool chain (building the guest image,
 * booting a guest) calls {@link #awaitReady} first.
 */
public final class LocalProvisioning {
    /** The playbook installs a few hundred MB of packages; far beyond this something is stuck. */
    static final Duration LIMIT = Duration.ofMinutes(30);
    private static final Duration POLL = Duration.ofMillis(500);

    /** What the background provisioning came to, when it has ended. */
    public record Outcome(int exitStatus, double seconds) {
    }

    private static Outcome done;

    private LocalProvisioning() {
    }

    /**
     * Returns once the launcher's background provisioning has ended well (at once when there is none);
     * {@code log} hears once that it waits. Throws {@link InfraException} naming the log when it failed or
     * did not end within {@link #LIMIT}.
     */
    public static synchronized Outcome awaitReady(Consumer<String> log) {
        String status = System.getenv("KFIT_PROVISION_PENDING");
        if (status == null || status.isBlank()) {
            return null;
        }
        if (done == null) {
            done = await(Path.of(status), Path.of(System.getenv().getOrDefault("KFIT_PROVISION_LOG", status + ".log")),
                    LIMIT, log);
        }
        return done;
    }

    static Outcome await(Path status, Path playbookLog, Duration limit, Consumer<String> log) {
        long deadline = System.nanoTime() + limit.toNanos();
        Outcome o = read(status);
        if (o == null) {
            log.accept("waiting for the rest of this host's provisioning (ansible/provision.yml, log: " + playbookLog + ")");
        }
        while (o == null) {
            if (System.nanoTime() > deadline) {
                throw new InfraException("this host's provisioning (ansible/provision.yml) did not finish within "
                        + limit.toMinutes() + " min; its log: " + playbookLog + tail(playbookLog));
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InfraException("interrupted while waiting for this host's provisioning", e);
            }
            o = read(status);
        }
        if (o.exitStatus() != 0) {
            throw new InfraException("provisioning this host failed (ansible/provision.yml exited with " + o.exitStatus()
                    + "; log: " + playbookLog + ")" + tail(playbookLog));
        }
        return o;
    }

    /** The status file's {@code <exit status> <seconds>}, or null while it is absent or half written. */
    static Outcome read(Path status) {
        try {
            if (!Files.isRegularFile(status)) {
                return null;
            }
            String[] f = Files.readString(status).strip().split("\\s+");
            return f.length == 2 ? new Outcome(Integer.parseInt(f[0]), Double.parseDouble(f[1])) : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
