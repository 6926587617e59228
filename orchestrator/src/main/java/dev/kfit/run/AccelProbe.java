package dev.kfit.run;

import dev.kfit.host.Command;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;
import dev.kfit.vm.qemu.Accel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Chooses the accelerator. KVM is used only when a probe guest really boots with it: on some
 * machines /dev/kvm exists but every guest dies with "KVM internal error". Override: KFIT_ACCEL.
 */
public final class AccelProbe {
    private AccelProbe() {
    }

    /** A KVM guest reaches its panic in a second or two; one that has not in this long never will. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

    /**
     * Like {@link #choose(Host, Path, Path, java.util.function.Consumer)}, remembering this machine's answer
     * in the cache until the next boot (or a new QEMU): a failing probe can cost its whole timeout, on
     * every run, and whether KVM works does not change while the machine is up.
     */
    public static Accel choose(Host host, Path kernel, Path scratchDir, dev.kfit.cache.Cache cache,
                               java.util.function.Consumer<String> progress) {
        if (!host.isLocal() || cache == null || !System.getenv().getOrDefault("KFIT_ACCEL", "auto").equals("auto")) {
            return choose(host, kernel, scratchDir, progress);
        }
        Path memo;
        try {
            memo = memo(cache);
            if (Files.isRegularFile(memo)) {
                String[] said = Files.readString(memo).strip().split(" ", 2);
                progress.accept("accelerator: " + said[0] + " (probed earlier since this boot" + (said.length > 1 ? ": " + said[1] : "") + ")");
                return Accel.valueOf(said[0]);
            }
        } catch (IOException | IllegalArgumentException e) {
            return choose(host, kernel, scratchDir, progress);
        }
        StringBuilder why = new StringBuilder();
        Accel a = choose(host, kernel, scratchDir, line -> {
            why.append(line.replaceFirst("^accelerator: [A-Z]+ ?\\(?", "").replaceFirst("\\)$", ""));
            progress.accept(line);
        });
        try {
            Files.writeString(memo, a.name() + " " + why);
        } catch (IOException e) {
            // probed again next time
        }
        return a;
    }

    /** Where this boot's answer is kept: keyed by the boot and by the QEMU binary. */
    static Path memo(dev.kfit.cache.Cache cache) throws IOException {
        String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
        String qemuStamp = Files.exists(qemu) ? Files.size(qemu) + "-" + Files.getLastModifiedTime(qemu).toMillis() : "none";
        return cache.dir("accel").resolve(boot + "-" + qemuStamp);
    }

    public static Accel choose(Host host, Path kernel, Path scratchDir, java.util.function.Consumer<String> progress) {
        String forced = System.getenv().getOrDefault("KFIT_ACCEL", "auto");
        if (forced.equals("tcg")) {
            return Accel.TCG;
        }
        if (forced.equals("kvm")) {
            return Accel.KVM;
        }
        if (!host.isLocal()) {
            return chooseRemote(host, kernel, progress);
        }
        if (!Files.isWritable(Path.of("/dev/kvm"))) {
            progress.accept("accelerator: TCG (no usable /dev/kvm)");
            return Accel.TCG;
        }
        // The kernel boots to "VFS: Unable to mount root fs", panics and, with -no-reboot, QEMU exits 0.
        Path console = scratchDir.resolve("kvm-probe.console");
        CommandResult r = host.run(Command.of(PROBE_TIMEOUT, probe(kernel, console.toString())));
        String text;
        try {
            text = Files.exists(console) ? Files.readString(console, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
            Files.deleteIfExists(console);
        } catch (IOException e) {
            text = "";
        }
        boolean booted = r.ok() && text.contains("Kernel panic") && !r.output().contains("KVM internal error");
        progress.accept("accelerator: " + (booted ? "KVM (probe guest booted)" : "TCG (KVM probe guest failed: "
                + (r.timedOut() ? "timed out" : r.output().lines().findFirst().orElse("exit " + r.exitStatus())) + ")"));
        return booted ? Accel.KVM : Accel.TCG;
    }

    /**
     * The probe guest: the kernel alone boots to "VFS: Unable to mount root fs", panics and, with
     * -no-reboot, QEMU exits 0. Its console goes to {@code console}.
     */
    private static List<String> probe(Path kernel, String console) {
        return List.of("qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-m", "256M", "-nodefaults",
                "-no-user-config", "-display", "none", "-no-reboot", "-kernel", kernel.toString(),
                "-append", "console=ttyS0 panic=-1", "-chardev", "file,id=c,path=" + console, "-serial", "chardev:c");
    }

    /** The same probe on a remote host: its console comes back as the command's output. */
    private static Accel chooseRemote(Host host, Path kernel, java.util.function.Consumer<String> progress) {
        if (!host.run(Command.of(Duration.ofSeconds(20), "test", "-w", "/dev/kvm")).ok()) {
            progress.accept("accelerator on " + host.name() + ": TCG (no usable /dev/kvm)");
            return Accel.TCG;
        }
        Path remoteKernel = host.stage(kernel, "kernel-" + sha256(kernel));
        CommandResult r = host.run(Command.of(PROBE_TIMEOUT, probe(remoteKernel, "/dev/stdout")));
        boolean booted = r.ok() && r.output().contains("Kernel panic") && !r.output().contains("KVM internal error");
        progress.accept("accelerator on " + host.name() + ": " + (booted ? "KVM (probe guest booted)" : "TCG (KVM probe guest failed)"));
        return booted ? Accel.KVM : Accel.TCG;
    }

    private static String sha256(Path file) {
        try (var in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return java.util.HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new dev.kfit.error.InfraException("cannot hash " + file + ": " + e.getMessage(), e);
        }
    }
}
