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
 * installs ansible-core, then applies two playbooks in the background while it builds and starts kfit:
 * {@code ansible/toolchain.yml} (what building needs: the kernel tool chain and the guest image's tools),
 * then the rest of {@code ansible/provision.yml} (QEMU, ...). kfit meanwhile fetches and unpacks the first
 * kernel's source, which needs only what every Debian machine has (apt, dpkg, tar, xz). Each playbook has a
 * status file where the launcher writes {@code <exit status> <seconds>} when it ends
 * ({@code KFIT_TOOLCHAIN_PENDING}, {@code KFIT_PROVISION_PENDING}) and they share a log
 * ({@code KFIT_PROVISION_LOG}). What compiles (a kernel, the guest image) calls {@link #awaitToolchain}
 * first; what boots a guest calls {@link #awaitReady}.
 */
public final class LocalProvisioning {
    /** The playbooks install a few hundred MB of packages; far beyond this something is stuck. */
    static final Duration LIMIT = Duration.ofMinutes(30);
    private static final Duration POLL = Duration.ofMillis(500);

    /** What a background playbook came to, when it has ended. */
    public record Outcome(int exitStatus, double seconds) {
    }

    /** One of the launcher's background playbooks: the variable naming its status file, and what it installs. */
    enum Stage {
        TOOLCHAIN("KFIT_TOOLCHAIN_PENDING", "ansible/toolchain.yml", "the build tool chain"),
        ALL("KFIT_PROVISION_PENDING", "ansible/provision.yml", "the rest of this host's provisioning");

        final String variable;
        final String playbook;
        final String what;
        Outcome done;

        Stage(String variable, String playbook, String what) {
            this.variable = variable;
            this.playbook = playbook;
            this.what = what;
        }
    }

    private LocalProvisioning() {
    }

    /**
     * Returns once the launcher's background provisioning has ended well (at once when there is none);
     * {@code log} hears once that it waits. Throws {@link InfraException} naming the log when it failed or
     * did not end within {@link #LIMIT}.
     */
    public static Outcome awaitReady(Consumer<String> log) {
        awaitToolchain(log);
        return await(Stage.ALL, log);
    }

    /** As {@link #awaitReady}, for the build tool chain alone (compilers, make, debootstrap). */
    public static Outcome awaitToolchain(Consumer<String> log) {
        return await(Stage.TOOLCHAIN, log);
    }

    private static Outcome await(Stage stage, Consumer<String> log) {
        synchronized (stage) {
            String status = System.getenv(stage.variable);
            if (status == null || status.isBlank()) {
                return null;
            }
            if (stage.done == null) {
                stage.done = await(stage, Path.of(status),
                        Path.of(System.getenv().getOrDefault("KFIT_PROVISION_LOG", status + ".log")), LIMIT, log);
            }
            return stage.done;
        }
    }

    static Outcome await(Stage stage, Path status, Path playbookLog, Duration limit, Consumer<String> log) {
        long deadline = System.nanoTime() + limit.toNanos();
        Outcome o = read(status);
        if (o == null) {
            log.accept("waiting for " + stage.what + " (" + stage.playbook + ", log: " + playbookLog + ")");
        }
        while (o == null) {
            if (System.nanoTime() > deadline) {
                throw new InfraException("this host's provisioning (" + stage.playbook + ") did not finish within "
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
            throw new InfraException("provisioning this host failed (" + stage.playbook + " exited with " + o.exitStatus()
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
