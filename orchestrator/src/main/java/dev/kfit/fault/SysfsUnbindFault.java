package dev.kfit.fault;

import dev.kfit.error.BadInputException;
import dev.kfit.guest.Guest;
import dev.kfit.history.Event;
import dev.kfit.ssh.ExecResult;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes the device's address to its driver's {@code unbind} file, timed in the guest (the write
 * blocks for as long as the driver's remove path does). Heal: write it to {@code bind}.
 */
public final class SysfsUnbindFault implements Fault {
    public static final String PROCESS = "unbind";
    private static final Pattern BDF = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]");
    private final String bdf;
    private final String driver;
    private Guest guest;

    public SysfsUnbindFault(String bdf, String driver) {
        if (!BDF.matcher(bdf).matches()) {
            throw new BadInputException("invalid PCI address '" + bdf + "' (expected DDDD:BB:DD.F, e.g. 0000:01:00.0)");
        }
        if (!driver.matches("[A-Za-z0-9_.-]+")) {
            throw new BadInputException("invalid driver name '" + driver + "'");
        }
        this.bdf = bdf;
        this.driver = driver;
    }

    @Override
    public String name() {
        return "unbind";
    }

    @Override
    public void inject(Guest g, long atGuestNs) {
        this.guest = g;
        g.spawn(PROCESS, List.of("kfit-guest", "write", "--at", Long.toString(atGuestNs),
                "/sys/bus/pci/drivers/" + driver + "/unbind", bdf));
    }

    @Override
    public List<Event> poll() {
        return guest.poll(PROCESS);
    }

    @Override
    public boolean returned() {
        return poll().stream().anyMatch(e -> e.type().equals("write_end"));
    }

    /** Rebinds the driver if the unbind returned; a still-blocked unbind cannot be healed. */
    @Override
    public void heal() {
        if (guest == null) {
            return;
        }
        if (!returned()) {
            guest.history().host("heal_skipped", Map.of("fault", name(), "reason", "unbind has not returned"));
            return;
        }
        ExecResult r = guest.exec(List.of("kfit-guest", "write", "/sys/bus/pci/drivers/" + driver + "/bind", bdf),
                Duration.ofSeconds(60));
        ExecResult published = guest.exec(List.of("cat", "/sys/bus/pci/devices/" + bdf + "/p2pmem/published"),
                Duration.ofSeconds(10));
        guest.history().host("heal", Map.of("fault", name(), "bind_ok", r.ok(),
                "bind_output", r.stdout().strip(), "p2pmem_published", published.ok() ? published.stdout().strip() : "absent"));
    }
}
