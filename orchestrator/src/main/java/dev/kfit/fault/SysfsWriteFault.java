package dev.kfit.fault;

import dev.kfit.guest.GuestEvents;
import dev.kfit.error.BadInputException;
import dev.kfit.guest.Guest;
import dev.kfit.history.Event;
import dev.kfit.ssh.ExecResult;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A fault that is a write to a sysfs file, timed in the guest by kfit-guest (the write blocks for
 * as long as the kernel's remove path does), healed by another write.
 */
public final class SysfsWriteFault extends GuestFault {
    private static final Pattern BDF = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
    private final String file;
    private final String value;
    private final String healFile;
    private final String healValue;
    private final String bdf;
    private FaultTiming healedTiming;

    private SysfsWriteFault(String type, Guest guest, String bdf, String file, String value, String healFile, String healValue) {
        super(type, guest);
        this.bdf = bdf;
        this.file = file;
        this.value = value;
        this.healFile = healFile;
        this.healValue = healValue;
    }

    /** Driver unbind through sysfs; heal: bind. */
    public static SysfsWriteFault unbind(Guest g, String bdf, String driver) {
        checkBdf(bdf);
        if (!driver.matches("[A-Za-z0-9_.-]+")) {
            throw new BadInputException("invalid driver name '" + driver + "'");
        }
        String dir = "/sys/bus/pci/drivers/" + driver;
        return new SysfsWriteFault("unbind", g, bdf, dir + "/unbind", bdf, dir + "/bind", bdf);
    }

    /** PCI function removal through sysfs; heal: rescan the bus. */
    public static SysfsWriteFault pciRemove(Guest g, String bdf) {
        checkBdf(bdf);
        return new SysfsWriteFault("pci-remove", g, bdf, "/sys/bus/pci/devices/" + bdf + "/remove", "1",
                "/sys/bus/pci/rescan", "1");
    }

    static void checkBdf(String bdf) {
        if (!BDF.matcher(bdf).matches()) {
            throw new BadInputException("invalid PCI address '" + bdf + "' (expected DDDD:BB:DD.F, e.g. 0000:01:00.0)");
        }
    }

    private String process() {
        return "fault-" + type;
    }

    /** kfit-guest write --at sleeps until its guest time: a spawn 0.5-1.4 s late (measured under TCG) still writes on time. */
    @Override
    public java.time.Duration armAhead() {
        return java.time.Duration.ofSeconds(3);
    }

    @Override
    public void inject(long atGuestNs) {
        guest.spawn(process(), List.of("kfit-guest", "write", "--at", Long.toString(atGuestNs), file, value));
    }

    public List<Event> events() {
        return guest.poll(process());
    }

    @Override
    public FaultTiming poll() {
        if (healedTiming != null) {
            return healedTiming;
        }
        List<Event> ev = events();
        Optional<Event> start = Guest.find(ev, GuestEvents.WRITE_START);
        Optional<Event> end = Guest.find(ev, GuestEvents.WRITE_END);
        if (start.isEmpty()) {
            return FaultTiming.NOT_STARTED;
        }
        Long returned = end.map(e -> guest.toHostNs(e.guestNs())).orElse(null);
        Double latency = end.map(e -> (e.guestNs() - start.get().guestNs()) / 1e6).orElse(null);
        boolean ok = end.map(e -> Boolean.TRUE.equals(e.get("ok"))).orElse(false);
        String detail = end.map(e -> e.get("message")).map(String::valueOf).orElse(null);
        return new FaultTiming(guest.toHostNs(start.get().guestNs()), returned, latency, ok, null, null, detail);
    }

    /** Heals only a fault that returned: a write still blocked in the kernel cannot be undone. */
    @Override
    public void heal() {
        FaultTiming t = poll();
        if (t.returnedHostNs() == null) {
            guest.history().host("heal_skipped", Map.of("fault", type, "guest", guest.name(), "reason", "not returned"));
            return;
        }
        ExecResult r = guest.exec(List.of("kfit-guest", "write", healFile, healValue), Duration.ofSeconds(60));
        long at = System.nanoTime();
        guest.history().host("fault_heal", Map.of("fault", type, "guest", guest.name(), "ok", r.ok(),
                "output", r.stdout().strip()));
        healedTiming = t.healed(at, r.ok(), r.ok() ? null : r.stdout().strip() + r.stderr().strip());
    }

    public String bdf() {
        return bdf;
    }
}
