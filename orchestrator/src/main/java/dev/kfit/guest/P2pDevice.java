package dev.kfit.guest;

import dev.kfit.error.InfraException;
import dev.kfit.ssh.ExecResult;

import java.util.List;

/** Finds the device that publishes P2P memory (the NVMe CMB) in a guest, and its driver. */
public final class P2pDevice {
    private P2pDevice() {
    }

    /** The PCI address of the first device with a p2pmem directory. */
    public static String find(Guest g) {
        ExecResult r = g.exec(List.of("sh", "-c",
                "for d in /sys/bus/pci/devices/*/p2pmem; do [ -e \"$d\" ] && basename \"${d%/p2pmem}\"; done"),
                Guest.COMMAND_TIMEOUT);
        String first = r.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).findFirst().orElse(null);
        if (!r.ok() || first == null) {
            throw new InfraException("guest " + g.name() + ": no PCI device publishes p2pmem (is CONFIG_PCI_P2PDMA set"
                    + " and the NVMe CMB configured?)");
        }
        return first;
    }

    public static String driverOf(Guest g, String bdf) {
        ExecResult r = g.check(List.of("readlink", "/sys/bus/pci/devices/" + bdf + "/driver"));
        String link = r.stdout().strip();
        return link.substring(link.lastIndexOf('/') + 1);
    }

    /** p2pmem/published of the device: "1" when P2P memory is offered, null when the device is gone. */
    public static String published(Guest g, String bdf) {
        ExecResult r = g.exec(List.of("cat", "/sys/bus/pci/devices/" + bdf + "/p2pmem/published"), Guest.COMMAND_TIMEOUT);
        return r.ok() ? r.stdout().strip() : null;
    }
}
