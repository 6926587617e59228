package dev.kfit.fault;

import dev.kfit.guest.Guest;
import dev.kfit.ssh.ExecResult;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A fault that is one quick command in the guest, with an optional healing command.
 * kill-pin-holder: SIGKILL of the process holding the pin (the kernel's release path on process
 * death; nothing to heal). rdma-link-delete: {@code rdma link delete rxeN}; heal: add it again.
 */
public final class GuestCommandFault extends GuestFault {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final Supplier<List<String>> command;
    private final List<String> healCommand;
    private FaultTiming timing = FaultTiming.NOT_STARTED;

    private GuestCommandFault(String type, Guest guest, Supplier<List<String>> command, List<String> healCommand) {
        super(type, guest);
        this.command = command;
        this.healCommand = healCommand;
    }

    /** @param pid looked up when the fault fires: the holder may be restarted before */
    public static GuestCommandFault killPinHolder(Guest g, Supplier<Long> pid) {
        return new GuestCommandFault("kill-pin-holder", g,
                () -> List.of("busybox", "kill", "-KILL", String.valueOf(pid.get())), null);
    }

    public static GuestCommandFault rdmaLinkDelete(Guest g, String rdmaDevice, String iface) {
        return new GuestCommandFault("rdma-link-delete", g, () -> List.of("rdma", "link", "delete", rdmaDevice),
                List.of("rdma", "link", "add", rdmaDevice, "type", "rxe", "netdev", iface));
    }

    @Override
    public void inject(long atGuestNs) {
        long t0 = System.nanoTime();
        List<String> argv = command.get();
        ExecResult r = guest.exec(argv, TIMEOUT);
        long t1 = System.nanoTime();
        guest.history().host("fault_inject", Map.of("fault", type, "guest", guest.name(), "argv", argv,
                "ok", r.ok(), "output", (r.stdout() + r.stderr()).strip()));
        timing = new FaultTiming(t0, r.timedOut() ? null : t1, r.timedOut() ? null : (t1 - t0) / 1e6, r.ok(), null, null,
                r.ok() ? null : (r.stdout() + r.stderr()).strip());
    }

    @Override
    public FaultTiming poll() {
        return timing;
    }

    @Override
    public void heal() {
        if (healCommand == null || timing.returnedHostNs() == null || !timing.ok()) {
            return;
        }
        ExecResult r = guest.exec(healCommand, TIMEOUT);
        guest.history().host("fault_heal", Map.of("fault", type, "guest", guest.name(), "ok", r.ok(),
                "output", (r.stdout() + r.stderr()).strip()));
        timing = timing.healed(System.nanoTime(), r.ok(), r.ok() ? null : (r.stdout() + r.stderr()).strip());
    }
}
