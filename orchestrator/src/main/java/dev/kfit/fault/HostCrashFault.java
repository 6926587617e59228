package dev.kfit.fault;

import dev.kfit.history.History;
import dev.kfit.host.Host;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * host-crash: every guest on the host that runs the named guest dies at once ({@link Host#crash}), as
 * in a power loss. Nothing heals it: the heal only records that those guests stay down until the cell
 * ends, so the fault never counts as healed and recovery is not measured from it.
 */
public final class HostCrashFault implements Fault {
    private final String guest;
    private final Host host;
    private final List<String> guestsOnHost;
    private final History history;
    private FaultTiming timing = FaultTiming.NOT_STARTED;
    private boolean healRecorded;

    /** @param guestsOnHost every guest of the cell on {@code host}, for the history */
    public HostCrashFault(String guest, Host host, List<String> guestsOnHost, History history) {
        this.guest = Objects.requireNonNull(guest, "guest");
        this.host = Objects.requireNonNull(host, "host");
        this.guestsOnHost = List.copyOf(guestsOnHost);
        this.history = Objects.requireNonNull(history, "history");
    }

    @Override
    public String type() {
        return "host-crash";
    }

    @Override
    public String guest() {
        return guest;
    }

    @Override
    public void inject(long atGuestNs) {
        timing = TimedInjection.run(history, RuntimeException.class,
                () -> {
                    host.crash();
                    return null;
                },
                none -> Map.of("fault", type(), "guest", guest, "host", host.name(), "guests_down", guestsOnHost),
                e -> Map.of("fault", type(), "guest", guest, "host", host.name(),
                        "message", String.valueOf(e.getMessage())));
    }

    @Override
    public FaultTiming poll() {
        return timing;
    }

    @Override
    public void heal() {
        if (timing.startedHostNs() == null || healRecorded) {
            return;
        }
        healRecorded = true;
        history.host("heal_skipped", Map.of("fault", type(), "guest", guest, "host", host.name(),
                "reason", "nothing to heal: the guests of " + host.name() + " stay down until the cell ends",
                "guests_down", guestsOnHost));
    }
}
