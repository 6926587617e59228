package dev.kfit.vm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuCommandLineTest {
    private static final int SSH_PORT = 40022;

    @TempDir
    Path dir;
    private Path kernel;
    private Path root;

    @BeforeEach
    void files() throws IOException {
        kernel = Files.writeString(dir.resolve("bzImage"), "kernel");
        root = Files.writeString(dir.resolve("rootfs.img"), "root");
    }

    /** A config like the one CellRunner builds for a target guest. */
    private QemuConfig typical() {
        return new QemuConfig("qemu-system-x86_64", "target", Accel.TCG, 2, 1024, kernel, root,
                List.of("nokaslr", "kfit.debug=1"), dir.resolve("console.log"), dir.resolve("qmp.sock"),
                SSH_PORT, 64, List.of());
    }

    @Test
    void anIommuGuestGetsIntelIommuBeforeItsPciDevicesAndVfioMayAttach() {
        QemuConfig c = typical();
        QemuConfig io = new QemuConfig(c.qemuBinary(), c.name(), c.accel(), c.cpus(), c.memoryMb(), c.kernel(), c.rootImage(),
                c.extraKernelArgs(), c.consoleLog(), c.qmpSocket(), c.sshHostPort(), c.nvmeCmbMb(), c.links(), 0, true, true);
        List<String> devices = values(QemuCommandLine.build(io), "-device");
        assertThat(devices.get(0)).isEqualTo("intel-iommu,intremap=off");
        assertThat(devices).anyMatch(d -> d.startsWith("nvme,"));
        assertThat(String.join(" ", values(QemuCommandLine.build(io), "-append")))
                .contains("vfio_iommu_type1.allow_unsafe_interrupts=1").contains("iommufd.allow_unsafe_interrupts=1");
        assertThat(values(QemuCommandLine.build(c), "-device")).noneMatch(d -> d.startsWith("intel-iommu"));
        assertThat(String.join(" ", values(QemuCommandLine.build(c), "-append"))).doesNotContain("allow_unsafe_interrupts");
    }

    private static QemuConfig with(QemuConfig c, UnaryOperator<Builder> change) {
        return change.apply(new Builder(c)).build();
    }

    /** Values following every occurrence of an option, e.g. all "-device" arguments. */
    private static List<String> values(List<String> argv, String option) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < argv.size() - 1; i++) {
            if (argv.get(i).equals(option)) {
                out.add(argv.get(i + 1));
            }
        }
        return out;
    }

    private static String value(List<String> argv, String option) {
        List<String> v = values(argv, option);
        assertThat(v).as("occurrences of %s in %s", option, argv).hasSize(1);
        return v.get(0);
    }

    @Test
    void typicalTcgGuest() {
        QemuConfig c = typical();
        List<String> argv = QemuCommandLine.build(c);

        assertThat(argv.get(0)).isEqualTo("qemu-system-x86_64");
        assertThat(value(argv, "-machine")).startsWith("q35,").contains("i8042=off");
        assertThat(value(argv, "-accel")).isEqualTo("tcg");
        assertThat(value(argv, "-cpu")).isEqualTo("max");
        assertThat(value(argv, "-smp")).isEqualTo("2");
        assertThat(value(argv, "-m")).isEqualTo("1024M");
        assertThat(value(argv, "-kernel")).isEqualTo(kernel.toString());
        // -no-reboot turns a panic (panic=1 reboots) into QEMU exiting; -nodefaults keeps stray devices out.
        assertThat(argv).contains("-no-reboot", "-nodefaults");
        assertThat(value(argv, "-display")).isEqualTo("none");
        // The short boot path: qboot, and no option ROM on the NIC.
        assertThat(value(argv, "-bios")).isEqualTo("qboot.rom");
        assertThat(argv).anyMatch(x -> x.startsWith("virtio-net-pci,") && x.contains(",romfile=,") && x.contains(",netdev=mgmt,"));
    }

    @Test
    void serialConsoleIsWrittenToTheConfiguredFile() {
        List<String> argv = QemuCommandLine.build(typical());

        String chardev = value(argv, "-chardev");
        assertThat(chardev).startsWith("file,").contains("path=" + dir.resolve("console.log"));
        Matcher id = Pattern.compile("(?:^|,)id=([^,]+)").matcher(chardev);
        assertThat(id.find()).isTrue();
        // The serial port must use that very chardev, or the console goes nowhere.
        assertThat(value(argv, "-serial")).isEqualTo("chardev:" + id.group(1));
    }

    @Test
    void qmpIsANonBlockingUnixSocketServer() {
        String qmp = value(QemuCommandLine.build(typical()), "-qmp");

        assertThat(qmp).startsWith("unix:" + dir.resolve("qmp.sock") + ",");
        assertThat(Arrays.asList(qmp.split(","))).contains("server=on", "wait=off");
    }

    @Test
    void rootDriveIsASnapshotSoTheSharedImageIsNeverWritten() {
        List<String> drives = values(QemuCommandLine.build(typical()), "-drive");

        assertThat(drives).filteredOn(d -> d.contains("file=" + root)).singleElement()
                .satisfies(d -> assertThat(Arrays.asList(d.split(","))).contains("snapshot=on"));
    }

    @Test
    void userNetworkIsRestrictedAndForwardsSshOnLoopbackOnly() {
        List<String> netdevs = values(QemuCommandLine.build(typical()), "-netdev");

        assertThat(netdevs).filteredOn(n -> n.startsWith("user,")).singleElement().satisfies(n -> {
            assertThat(Arrays.asList(n.split(","))).contains("restrict=on", "hostfwd=tcp:127.0.0.1:" + SSH_PORT + "-:22");
        });
    }

    @Test
    void nothingListensOrConnectsBeyondLoopback() {
        QemuConfig c = with(typical(), b -> b.links(List.of(
                new QemuConfig.SocketLink("peer0", 41000, true, "52:54:00:00:01:01"),
                new QemuConfig.SocketLink("peer1", 41001, false, "52:54:00:00:01:02"))));
        List<String> argv = QemuCommandLine.build(c);

        assertThat(argv).noneMatch(a -> a.contains("0.0.0.0"));
        Pattern endpoint = Pattern.compile("(hostfwd=tcp:|listen=|connect=)([^,]*)");
        int endpoints = 0;
        for (String a : argv) {
            Matcher m = endpoint.matcher(a);
            while (m.find()) {
                endpoints++;
                assertThat(m.group(2)).as("address in %s", a).startsWith("127.0.0.1:");
            }
        }
        // ssh forward + two links: guards against the regex silently matching nothing.
        assertThat(endpoints).isEqualTo(3);
    }

    @Test
    void socketLinksRenderListenAndConnectWithPortAndMac() {
        QemuConfig c = with(typical(), b -> b.links(List.of(
                new QemuConfig.SocketLink("peer0", 41000, true, "52:54:00:00:01:01"),
                new QemuConfig.SocketLink("peer1", 41001, false, "52:54:00:00:01:02"))));
        List<String> argv = QemuCommandLine.build(c);

        assertThat(values(argv, "-netdev")).contains(
                "socket,id=peer0,listen=127.0.0.1:41000",
                "socket,id=peer1,connect=127.0.0.1:41001");
        assertThat(values(argv, "-device")).contains(
                "virtio-net-pci,romfile=,id=nic-peer0,netdev=peer0,mac=52:54:00:00:01:01",
                "virtio-net-pci,romfile=,id=nic-peer1,netdev=peer1,mac=52:54:00:00:01:02");
    }

    @Test
    void nvmeWithCmbSitsOnAPcieRootPort() {
        List<String> devices = values(QemuCommandLine.build(typical()), "-device");

        String nvme = devices.stream().filter(d -> d.startsWith("nvme,")).findFirst().orElseThrow();
        List<String> opts = Arrays.asList(nvme.split(","));
        assertThat(opts).contains("cmb_size_mb=64");
        String bus = opts.stream().filter(o -> o.startsWith("bus=")).findFirst().orElseThrow().substring(4);
        // The bus must be a root port defined on this command line (needed for hot-unplug).
        assertThat(devices).anyMatch(d -> d.startsWith("pcie-root-port,") && Arrays.asList(d.split(",")).contains("id=" + bus));
        // The block node it refers to must exist too, as a -blockdev so that it survives a device_del.
        String drive = opts.stream().filter(o -> o.startsWith("drive=")).findFirst().orElseThrow().substring(6);
        assertThat(values(QemuCommandLine.build(typical()), "-blockdev")).anyMatch(d -> Arrays.asList(d.split(",")).contains("node-name=" + drive));
        // Hot-plug heals with the very same device properties.
        assertThat(nvme).isEqualTo(QemuCommandLine.nvmeDevice(typical()));
    }

    @Test
    void noNvmeDeviceWhenCmbIsZero() {
        List<String> argv = QemuCommandLine.build(with(typical(), b -> b.cmb(0)));

        assertThat(values(argv, "-device")).noneMatch(d -> d.startsWith("nvme") || d.startsWith("pcie-root-port"));
        assertThat(values(argv, "-drive")).hasSize(1);
        assertThat(values(argv, "-blockdev")).isEmpty();
    }

    @Test
    void kernelCommandLineHasConsoleHostnamePanicAndExtras() {
        List<String> words = Arrays.asList(value(QemuCommandLine.build(typical()), "-append").split(" "));

        // The console parser and the guest's hostname setup depend on these exact words.
        assertThat(words).anyMatch(w -> w.equals("console=ttyS0") || w.startsWith("console=ttyS0,"));
        assertThat(words).contains("kfit.hostname=target", "nokaslr", "kfit.debug=1");
        assertThat(words).anyMatch(w -> w.startsWith("panic="));
    }

    @Test
    void onlyAOneCpuGuestBootsWithoutTheApicTimer() {
        // Its calibration is 0.1-0.2 s of a TCG boot; with one CPU the HPET ticks instead.
        assertThat(value(QemuCommandLine.build(with(typical(), b -> b.cpus(1))), "-append").split(" "))
                .contains("noapictimer");
        assertThat(value(QemuCommandLine.build(typical()), "-append").split(" ")).doesNotContain("noapictimer");
    }

    @Test
    void kvmUsesHostCpu() {
        List<String> argv = QemuCommandLine.build(with(typical(), b -> b.accel(Accel.KVM)));

        assertThat(value(argv, "-accel")).isEqualTo("kvm");
        assertThat(value(argv, "-cpu")).isEqualTo("host");
    }

    // ---- validation: everything is reported before QEMU is started ----

    private static void assertRejected(QemuConfig c, String guest, String problem) {
        assertThatThrownBy(() -> QemuCommandLine.build(c))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("guest " + guest + ":")
                .hasMessageContaining(problem)
                // one problem only: the rest of the config is valid
                .hasMessageNotContaining("; ");
    }

    @Test
    void rejectsMissingKernel() {
        Path missing = dir.resolve("no-such-bzImage");
        assertRejected(with(typical(), b -> b.kernel(missing)), "target", "kernel image not found: " + missing);
    }

    @Test
    void rejectsMissingRootImage() {
        Path missing = dir.resolve("no-such-rootfs.img");
        assertRejected(with(typical(), b -> b.root(missing)), "target", "root image not found: " + missing);
    }

    @Test
    void rejectsTooLittleMemory() {
        assertRejected(with(typical(), b -> b.memory(255)), "target", "memory must be at least 256 MiB, not 255");
        // 256 itself is fine
        assertThat(QemuCommandLine.build(with(typical(), b -> b.memory(256)))).contains("256M");
    }

    @Test
    void rejectsZeroCpus() {
        assertRejected(with(typical(), b -> b.cpus(0)), "target", "cpus must be 1..64, not 0");
    }

    @Test
    void rejectsBadGuestName() {
        assertRejected(with(typical(), b -> b.name("Bad_Name")), "Bad_Name", "guest name 'Bad_Name'");
    }

    @Test
    void rejectsKernelArgWithASpace() {
        assertRejected(with(typical(), b -> b.args(List.of("root=/dev/vda init=/bin/sh"))), "target",
                "kernel argument must be one word: 'root=/dev/vda init=/bin/sh'");
    }

    @Test
    void rejectsPathWithAComma() throws IOException {
        // QEMU splits option values on commas: "file=a,b.img" would become an option "b.img".
        Path commaRoot = Files.writeString(dir.resolve("root,x.img"), "root");
        assertRejected(with(typical(), b -> b.root(commaRoot)), "target", "comma: " + commaRoot);
    }

    @Test
    void rejectsQmpSocketPathTooLongForSunPath() {
        Path longSocket = dir.resolve("q".repeat(120) + ".sock");
        assertRejected(with(typical(), b -> b.qmp(longSocket)), "target", "QMP socket path too long");
    }

    @Test
    void rejectsPortZero() {
        assertRejected(with(typical(), b -> b.port(0)), "target", "SSH host port out of range: 0");
    }

    @Test
    void reportsSeveralProblemsInOneMessage() {
        QemuConfig c = with(typical(), b -> b.cpus(0).memory(128).port(0));

        assertThatThrownBy(() -> QemuCommandLine.build(c))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("guest target:")
                .hasMessageContaining("cpus must be 1..64, not 0")
                .hasMessageContaining("memory must be at least 256 MiB, not 128")
                .hasMessageContaining("SSH host port out of range: 0");
    }

    /** Copy-with-changes for the record, so each test states only what differs from typical(). */
    private static final class Builder {
        private String name;
        private Accel accel;
        private int cpus;
        private int memory;
        private Path kernel;
        private Path root;
        private List<String> args;
        private Path console;
        private Path qmp;
        private int port;
        private int cmb;
        private List<QemuConfig.SocketLink> links;
        private final String binary;

        Builder(QemuConfig c) {
            binary = c.qemuBinary();
            name = c.name();
            accel = c.accel();
            cpus = c.cpus();
            memory = c.memoryMb();
            kernel = c.kernel();
            root = c.rootImage();
            args = c.extraKernelArgs();
            console = c.consoleLog();
            qmp = c.qmpSocket();
            port = c.sshHostPort();
            cmb = c.nvmeCmbMb();
            links = c.links();
        }

        Builder name(String v) { name = v; return this; }
        Builder accel(Accel v) { accel = v; return this; }
        Builder cpus(int v) { cpus = v; return this; }
        Builder memory(int v) { memory = v; return this; }
        Builder kernel(Path v) { kernel = v; return this; }
        Builder root(Path v) { root = v; return this; }
        Builder args(List<String> v) { args = v; return this; }
        Builder qmp(Path v) { qmp = v; return this; }
        Builder port(int v) { port = v; return this; }
        Builder cmb(int v) { cmb = v; return this; }
        Builder links(List<QemuConfig.SocketLink> v) { links = v; return this; }

        QemuConfig build() {
            return new QemuConfig(binary, name, accel, cpus, memory, kernel, root, args, console, qmp, port, cmb, links);
        }
    }
}
