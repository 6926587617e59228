package dev.kfit.vm.qemu;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything that decides one guest's QEMU command line. Validated by {@link QemuCommandLine},
 * the only place that turns it into argv.
 *
 * @param name        guest name (also the guest's hostname)
 * @param kernel      bzImage
 * @param rootImage   ext4 image booted with snapshot=on: the shared image is never written
 * @param consoleLog  the serial console goes here from the first byte
 * @param qmpSocket   QMP unix socket (keep its path short: sun_path has 108 bytes)
 * @param nvmeCmbMb   size of the NVMe controller memory buffer, 0 for no NVMe device
 * @param links       extra NICs joined to other guests over loopback sockets
 */
public record QemuConfig(
        String qemuBinary,
        String name,
        Accel accel,
        int cpus,
        int memoryMb,
        Path kernel,
        Path rootImage,
        List<String> extraKernelArgs,
        Path consoleLog,
        Path qmpSocket,
        int sshHostPort,
        int nvmeCmbMb,
        List<SocketLink> links) {

    public QemuConfig {
        extraKernelArgs = List.copyOf(extraKernelArgs);
        links = List.copyOf(links);
    }

    /** A NIC joined to another guest by a TCP socket on 127.0.0.1: one side listens, the other connects. */
    public record SocketLink(String id, int port, boolean listen, String mac) {
    }
}
