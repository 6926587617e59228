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

    /** The driver a VFIO user's device is bound to. */
    public static final String VFIO_DRIVER = "vfio-pci";

    /**
     * Finds the P2P device and hands it to vfio-pci (driver_override, unbind from its driver, reprobe), as
     * a VFIO user would, noting it in the history; its P2P memory is gone from then on. Returns its PCI
     * address. Fails with what the guest said.
     */
    public static String handToVfio(Guest g) {
        String bdf = find(g);
        String dev = "/sys/bus/pci/devices/" + bdf;
        ExecResult r = g.exec(List.of("sh", "-c", "set -e; echo vfio-pci > " + dev + "/driver_override;"
                + " if [ -e " + dev + "/driver ]; then echo " + bdf + " > " + dev + "/driver/unbind; fi;"
                + " echo " + bdf + " > /sys/bus/pci/drivers_probe; readlink " + dev + "/driver"), Guest.COMMAND_TIMEOUT);
        if (!r.ok() || !r.stdout().strip().endsWith("/vfio-pci")) {
            throw new InfraException("guest " + g.name() + ": could not bind " + bdf + " to vfio-pci (exit " + r.exitStatus()
                    + "): " + (r.stderr().strip() + " " + r.stdout().strip()).strip());
        }
        g.history().host("device", java.util.Map.of("guest", g.name(), "bdf", bdf, "driver", VFIO_DRIVER));
        return bdf;
    }
}
