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
 * @param links       extra NICs joined to other guests (or to a link relay) over TCP sockets
 * @param qmpPort     0: QMP on the unix socket {@code qmpSocket}; else on this TCP port of 127.0.0.1
 *                    (a guest on a remote host, whose QMP is reached through an SSH port forward)
 * @param localFiles  kernel, root image and console paths are on this machine, so they can be checked
 *                    up front; false for a remote host, where they were staged there
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
        List<SocketLink> links,
        int qmpPort,
        boolean localFiles,
        boolean iommu) {

    public QemuConfig {
        extraKernelArgs = List.copyOf(extraKernelArgs);
        links = List.copyOf(links);
    }

    /** Without an emulated IOMMU, as most guests are. */
    public QemuConfig(String qemuBinary, String name, Accel accel, int cpus, int memoryMb, Path kernel, Path rootImage,
                      List<String> extraKernelArgs, Path consoleLog, Path qmpSocket, int sshHostPort, int nvmeCmbMb,
                      List<SocketLink> links, int qmpPort, boolean localFiles) {
        this(qemuBinary, name, accel, cpus, memoryMb, kernel, rootImage, extraKernelArgs, consoleLog, qmpSocket,
                sshHostPort, nvmeCmbMb, links, qmpPort, localFiles, false);
    }

    /** A guest on this machine, with QMP on a unix socket. */
    public QemuConfig(String qemuBinary, String name, Accel accel, int cpus, int memoryMb, Path kernel, Path rootImage,
                      List<String> extraKernelArgs, Path consoleLog, Path qmpSocket, int sshHostPort, int nvmeCmbMb,
                      List<SocketLink> links) {
        this(qemuBinary, name, accel, cpus, memoryMb, kernel, rootImage, extraKernelArgs, consoleLog, qmpSocket,
                sshHostPort, nvmeCmbMb, links, 0, true);
    }

    /**
     * A NIC joined by a TCP socket: one side listens on {@code address:port}, the other connects there
     * (both connect when a link relay sits between them). The address is 127.0.0.1 within a host, a
     * host's own address on the hosts' network across hosts; never 0.0.0.0.
     */
    public record SocketLink(String id, String address, int port, boolean listen, String mac) {
        public SocketLink(String id, int port, boolean listen, String mac) {
            this(id, "127.0.0.1", port, listen, mac);
        }
    }
}
