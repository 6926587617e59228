package dev.kfit.vm.qemu;

import dev.kfit.error.BadInputException;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The one place that knows QEMU's argv. Problems with the configuration are reported up front,
 * before anything is started.
 */
public final class QemuCommandLine {
    /** NVMe sits behind a PCIe root port so that it can be hot-unplugged later. */
    static final String NVME_PORT = "rp-nvme";
    public static final String NVME_ID = "nvme0";
    static final String NVME_DISK = "nvme-disk";
    /** Looked up in QEMU's data directory, like the default bios-256k.bin. */
    static final String FIRMWARE = "qboot.rom";
    /** No network boot ROM: the guest boots from -kernel, and running iPXE's ROM costs boot time. */
    static final String NO_ROM = "romfile=";
    /**
     * The q35 board without the legacy devices a test guest never uses: the kernel's probes of the
     * PS/2 controller alone took about 0.4 s of a TCG boot. Reset and panic still end QEMU (-no-reboot).
     */
    static final String MACHINE = "q35,i8042=off,sata=off,smbus=off,vmport=off";
    /**
     * The NICs: virtio-net, whose link is up as soon as the guest enables it (and again as soon as a
     * link fault heals). Under TCG an e1000 cost 0.33 s of probing, 0.2-0.4 s more until its link was
     * up and a slower first login: 0.8 s of boot to SSH in all.
     */
    static final String NIC = "virtio-net-pci," + NO_ROM;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");

    private QemuCommandLine() {
    }

    public static List<String> build(QemuConfig c) {
        validate(c);
        List<String> a = new ArrayList<>();
        a.add(c.qemuBinary());
        add(a, "-name", "kfit-" + c.name() + ",debug-threads=on");
        add(a, "-machine", MACHINE);
        // Native PCIe hotplug (pciehp), as on real servers: QEMU's q35 default is ACPI hotplug.
        add(a, "-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off");
        add(a, "-accel", c.accel().qemuName());
        add(a, "-cpu", c.accel().cpuModel());
        add(a, "-smp", Integer.toString(c.cpus()));
        add(a, "-m", c.memoryMb() + "M");
        a.addAll(List.of("-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"));
        // qboot (shipped with QEMU) instead of SeaBIOS: it only hands over to the -kernel we load, which
        // is all a test guest needs, and under TCG it does so in a fraction of SeaBIOS's time.
        add(a, "-bios", FIRMWARE);
        add(a, "-kernel", c.kernel().toString());
        add(a, "-append", kernelCommandLine(c));
        add(a, "-chardev", "file,id=console,path=" + c.consoleLog());
        add(a, "-serial", "chardev:console");
        add(a, "-qmp", (c.qmpPort() > 0 ? "tcp:127.0.0.1:" + c.qmpPort() : "unix:" + c.qmpSocket()) + ",server=on,wait=off");
        // snapshot=on: writes go to a temporary overlay QEMU deletes itself, so no image is left behind.
        add(a, "-drive", "file=" + c.rootImage() + ",format=raw,if=virtio,snapshot=on");
        if (c.iommu()) {
            // Before the other PCI devices, which it translates. No interrupt remapping: TCG has no
            // split irqchip to offer it, and VFIO and iommufd need only DMA translation.
            add(a, "-device", "intel-iommu,intremap=off");
        }
        add(a, "-device", "virtio-rng-pci");
        // User networking only carries the SSH forward; restrict=on keeps the guest off any other network.
        add(a, "-netdev", "user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:" + c.sshHostPort() + "-:22");
        add(a, "-device", NIC + ",netdev=mgmt,mac=52:54:00:00:00:01");
        for (QemuConfig.SocketLink l : c.links()) {
            add(a, "-netdev", "socket,id=" + l.id() + "," + (l.listen() ? "listen" : "connect") + "=" + l.address() + ":" + l.port());
            // The NIC's id is what QMP set_link takes to pull the cable.
            add(a, "-device", NIC + ",id=" + nicId(l) + ",netdev=" + l.id() + ",mac=" + l.mac());
        }
        if (c.nvmeCmbMb() > 0) {
            add(a, "-device", "pcie-root-port,id=" + NVME_PORT + ",chassis=1,slot=1");
            // The namespace's contents do not matter: null-co reads zeros and needs no file. A -blockdev
            // (unlike -drive) outlives device_del, so a hot-unplugged NVMe can be plugged back.
            add(a, "-blockdev", "driver=null-co,node-name=" + NVME_DISK + ",size=67108864,read-zeroes=on");
            add(a, "-device", nvmeDevice(c));
        }
        return List.copyOf(a);
    }

    /** The NVMe device's -device / device_add properties: hot-plug heals with exactly these. */
    public static String nvmeDevice(QemuConfig c) {
        return "nvme,id=" + NVME_ID + ",serial=kfit-" + c.name() + ",drive=" + NVME_DISK + ",cmb_size_mb="
                + c.nvmeCmbMb() + ",bus=" + NVME_PORT;
    }

    public static String nicId(QemuConfig.SocketLink l) {
        return "nic-" + l.id();
    }

    static String kernelCommandLine(QemuConfig c) {
        List<String> k = new ArrayList<>(List.of(
                "console=ttyS0,115200", "root=/dev/vda", "rw", "rootwait", "init=/sbin/init",
                // A panic reboots, and -no-reboot turns that into QEMU exiting: a crash never looks like a hang.
                "panic=1", "printk.time=1",
                // The IO-APIC timer check counts ticks over a few busy-waited jiffies; a TCG guest on a loaded
                // host missed them and panicked ("IO-APIC + timer doesn't work!") in a test suite's busiest
                // minutes. That is the emulator starved, not the kernel under test.
                "no_timer_check",
                "kfit.hostname=" + c.name()));
        if (c.cpus() == 1) {
            // Without a TSC-deadline timer (TCG has none) the kernel calibrates the local APIC timer
            // over 25 ticks, 0.1-0.2 s of boot. One CPU needs no per-CPU timer: the HPET ticks instead.
            // Guests with more CPUs keep theirs rather than wake each other through a broadcast timer.
            k.add("noapictimer");
        }
        if (c.iommu()) {
            // The emulated IOMMU runs without interrupt remapping (intremap=off), so VFIO's type1 container
            // and iommufd refuse devices whose MSIs they cannot isolate (EPERM). Isolation does not matter
            // for what a test guest measures; these let them attach.
            k.addAll(List.of("vfio_iommu_type1.allow_unsafe_interrupts=1", "iommufd.allow_unsafe_interrupts=1"));
        }
        k.addAll(c.extraKernelArgs());
        return String.join(" ", k);
    }

    private static void validate(QemuConfig c) {
        List<String> problems = new ArrayList<>();
        if (c.name() == null || !NAME.matcher(c.name()).matches()) {
            problems.add("guest name '" + c.name() + "' must match " + NAME.pattern());
        }
        if (c.cpus() < 1 || c.cpus() > 64) {
            problems.add("cpus must be 1..64, not " + c.cpus());
        }
        if (c.memoryMb() < 256) {
            problems.add("memory must be at least 256 MiB, not " + c.memoryMb());
        }
        if (c.kernel() == null || c.localFiles() && !Files.isRegularFile(c.kernel())) {
            problems.add("kernel image not found: " + c.kernel());
        }
        if (c.rootImage() == null || c.localFiles() && !Files.isRegularFile(c.rootImage())) {
            problems.add("root image not found: " + c.rootImage());
        }
        if (c.qmpPort() < 0 || c.qmpPort() > 65535) {
            problems.add("QMP port out of range: " + c.qmpPort());
        }
        if (c.consoleLog() == null || c.qmpSocket() == null) {
            problems.add("console log and QMP socket paths are required");
        } else if (c.qmpSocket().toString().length() > 100) {
            problems.add("QMP socket path too long for a unix socket: " + c.qmpSocket());
        }
        if (c.sshHostPort() < 1 || c.sshHostPort() > 65535) {
            problems.add("SSH host port out of range: " + c.sshHostPort());
        }
        if (c.nvmeCmbMb() < 0 || c.nvmeCmbMb() > 4096) {
            problems.add("NVMe CMB size must be 0..4096 MiB, not " + c.nvmeCmbMb());
        }
        for (String arg : c.extraKernelArgs()) {
            if (arg.isBlank() || arg.chars().anyMatch(Character::isWhitespace)) {
                problems.add("kernel argument must be one word: '" + arg + "'");
            }
        }
        for (QemuConfig.SocketLink l : c.links()) {
            // Both are pasted into comma-separated QEMU options: a stray comma could add options.
            if (l.id() == null || !NAME.matcher(l.id()).matches()) {
                problems.add("link id '" + l.id() + "' must match " + NAME.pattern());
            }
            if (l.mac() == null || !MAC.matcher(l.mac()).matches()) {
                problems.add("link " + l.id() + ": MAC '" + l.mac() + "' must look like 52:54:00:12:34:56");
            }
            // Pasted into a QEMU option, and a link must never listen on every interface.
            if (l.address() == null || !IPV4.matcher(l.address()).matches() || l.address().equals("0.0.0.0")) {
                problems.add("link " + l.id() + ": address '" + l.address() + "' must be one IPv4 address, not 0.0.0.0");
            }
            if (l.port() < 1 || l.port() > 65535) {
                problems.add("link " + l.id() + ": port out of range: " + l.port());
            }
        }
        for (String s : List.of(String.valueOf(c.consoleLog()), String.valueOf(c.rootImage()), String.valueOf(c.qmpSocket()))) {
            if (s.contains(",")) {
                problems.add("QEMU cannot take a path with a comma: " + s);
            }
        }
        if (!problems.isEmpty()) {
            throw new BadInputException("guest " + c.name() + ": " + String.join("; ", problems));
        }
    }

    private static void add(List<String> argv, String option, String value) {
        argv.add(option);
        argv.add(value);
    }
}
