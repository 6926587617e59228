package dev.kfit.workload;

import dev.kfit.guest.GuestEvents;
import dev.kfit.guest.Guest;
import dev.kfit.history.Event;
import dev.kfit.verdict.Outcome;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * kfit-guest's pin: maps a file (the device's p2pmem/allocate), registers it with ibv_reg_mr (a
 * long-term pin), holds it for {@code hold}, then deregisters. The guest stamps every step.
 */
public final class PinWorkload implements Workload {
    public static final String PROCESS = "pin";
    private final String file;
    private final long bytes;
    private final Duration hold;
    private Guest guest;

    public PinWorkload(String file, long bytes, Duration hold) {
        this.file = file;
        this.bytes = bytes;
        this.hold = hold;
    }

    @Override
    public String name() {
        return "pin";
    }

    @Override
    public void start(Guest g) {
        this.guest = g;
        g.spawn(PROCESS, List.of("kfit-guest", "pin", "--file", file, "--size", Long.toString(bytes),
                "--hold", String.format(java.util.Locale.ROOT, "%.3f", hold.toNanos() / 1e9), "--device", "rxe0"));
    }

    @Override
    public List<Event> poll() {
        return guest.poll(PROCESS);
    }

    /** The registration's outcome once known: OK (registered), FAILED (refused or setup error), else empty. */
    public static Optional<Outcome> registration(List<Event> events) {
        for (Event e : events) {
            switch (e.type()) {
                case GuestEvents.REGISTERED:
                    return Optional.of(Outcome.OK);
                case GuestEvents.REG_FAILED:
                case GuestEvents.ERROR:
                    return Optional.of(Outcome.FAILED);
                default:
                    break;
            }
        }
        return Optional.empty();
    }

    /** Signals the holder to release now; it reports release_start/released as usual. */
    @Override
    public void stop() {
        if (guest == null) {
            return;
        }
        Guest.find(poll(), GuestEvents.START).map(e -> e.get("pid")).ifPresent(pid ->
                guest.exec(List.of("busybox", "kill", "-USR1", String.valueOf(pid)), Duration.ofSeconds(10)));
    }
}
