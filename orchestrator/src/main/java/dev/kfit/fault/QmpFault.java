package dev.kfit.fault;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfit.guest.Guest;
import dev.kfit.vm.qemu.QemuCommandLine;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Faults the hypervisor injects through QMP: the guest kernel did not ask for them.
 * hot-unplug: {@code device_del} of the NVMe on its PCIe root port (the guest's pciehp must
 * release it; QEMU reports DEVICE_DELETED once it has); heal: {@code device_add} with the same
 * properties. link-down: {@code set_link} of a link NIC; heal: link up.
 */
public final class QmpFault extends GuestFault {
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    private final String device;
    private final Map<String, Object> healArgs;
    private Long started;
    private Long returned;
    private boolean ok;
    private String detail;
    private FaultTiming healed;

    private QmpFault(String type, Guest guest, String device, Map<String, Object> healArgs) {
        super(type, guest);
        this.device = device;
        this.healArgs = healArgs;
    }

    public static QmpFault hotUnplug(Guest g) {
        return new QmpFault("hot-unplug", g, QemuCommandLine.NVME_ID, deviceAddArgs(QemuCommandLine.nvmeDevice(g.vm().config())));
    }

    public static QmpFault linkDown(Guest g, String nicId) {
        return new QmpFault("link-down", g, nicId, Map.of());
    }

    /** "nvme,id=nvme0,cmb_size_mb=64" to device_add's arguments (numbers stay numbers). */
    static Map<String, Object> deviceAddArgs(String spec) {
        String[] parts = spec.split(",");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driver", parts[0]);
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            m.put(kv[0], kv[1].matches("\\d+") ? Long.parseLong(kv[1]) : kv[1]);
        }
        return m;
    }

    @Override
    public void inject(long atGuestNs) {
        started = System.nanoTime();
        try {
            if (type.equals("hot-unplug")) {
                guest.vm().qmp().execute("device_del", Map.of("id", device), QMP_TIMEOUT);
            } else {
                guest.vm().qmp().execute("set_link", Map.of("name", device, "up", false), QMP_TIMEOUT);
                returned = System.nanoTime();
                ok = true;
            }
            guest.history().host("fault_inject", Map.of("fault", type, "guest", guest.name(), "device", device));
        } catch (RuntimeException e) {
            returned = System.nanoTime();
            detail = e.getMessage();
            guest.history().host("fault_inject_failed", Map.of("fault", type, "guest", guest.name(), "message", String.valueOf(detail)));
        }
    }

    @Override
    public FaultTiming poll() {
        if (healed != null) {
            return healed;
        }
        if (started == null) {
            return FaultTiming.NOT_STARTED;
        }
        if (returned == null && guest.vm().isAlive()) {
            // device_del only asks; the removal is done when QEMU says DEVICE_DELETED.
            Optional<JsonNode> ev = guest.vm().qmp().awaitEvent("DEVICE_DELETED", device, Duration.ofMillis(1));
            if (ev.isPresent()) {
                returned = System.nanoTime();
                ok = true;
                guest.history().host("fault_returned", Map.of("fault", type, "guest", guest.name(), "event", "DEVICE_DELETED"));
            }
        }
        return new FaultTiming(started, returned, returned == null ? null : (returned - started) / 1e6, ok, null, null, detail);
    }

    @Override
    public void heal() {
        FaultTiming t = poll();
        if (t.returnedHostNs() == null || !t.ok()) {
            guest.history().host("heal_skipped", Map.of("fault", type, "guest", guest.name(), "reason",
                    t.returnedHostNs() == null ? "not returned" : "injection failed"));
            return;
        }
        boolean worked;
        String what = null;
        try {
            if (type.equals("hot-unplug")) {
                guest.vm().qmp().execute("device_add", healArgs, QMP_TIMEOUT);
            } else {
                guest.vm().qmp().execute("set_link", Map.of("name", device, "up", true), QMP_TIMEOUT);
            }
            worked = true;
        } catch (RuntimeException e) {
            worked = false;
            what = e.getMessage();
        }
        guest.history().host("fault_heal", Map.of("fault", type, "guest", guest.name(), "ok", worked));
        healed = t.healed(System.nanoTime(), worked, what);
    }
}
