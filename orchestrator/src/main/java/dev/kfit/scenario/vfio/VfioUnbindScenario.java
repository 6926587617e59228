package dev.kfit.scenario.vfio;

import dev.kfit.fault.SysfsWriteFault;
import dev.kfit.guest.Guest;
import dev.kfit.guest.GuestEvents;
import dev.kfit.guest.P2pDevice;
import dev.kfit.history.Event;
import dev.kfit.scenario.HolderRace;
import dev.kfit.scenario.Scenario;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.topology.Testbed;
import dev.kfit.verdict.Checker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs vfio-unbind: binds the NVMe function to vfio-pci, starts {@code kfit-guest vfio-hold}, and
 * {@code unbind_delay} after the device is open unbinds it from vfio-pci (or removes it). A fault that
 * returns while the device is still open has the holder read its BAR mapping once, then let go.
 */
public final class VfioUnbindScenario implements Scenario {
    static final String HOLDER = "vfio-holder";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private final VfioUnbind spec;

    public VfioUnbindScenario(VfioUnbind spec) {
        this.spec = spec;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public String topology() {
        return spec.topology();
    }

    @Override
    public Checker checker() {
        return new VfioChecker(spec.timing().grace());
    }

    @Override
    public ScenarioOutcome run(Testbed tb) {
        Guest g = tb.guest(VfioUnbind.GUEST);
        g.setHungTaskTimeout(spec.timing().hungTaskTimeout());
        String bdf = P2pDevice.handToVfio(g);
        g.spawn(HOLDER, List.of("kfit-guest", "vfio-hold", "--bdf", bdf, "--bar", Integer.toString(spec.bar()),
                "--hold", Long.toString(spec.timing().hold().toSeconds()), "--on-request", spec.onRequest()));
        List<Event> ev = g.awaitAny(HOLDER, List.of(GuestEvents.VFIO_OPEN, GuestEvents.ERROR, GuestEvents.EXIT), START_TIMEOUT);
        Optional<Event> open = Guest.find(ev, GuestEvents.VFIO_OPEN);
        String unsupported = Guest.find(ev, GuestEvents.UNSUPPORTED).map(e -> String.valueOf(e.get("reason"))).orElse(null);
        String openError = Guest.find(ev, GuestEvents.ERROR).map(e -> e.get("step") + ": " + e.get("message")).orElse(null);
        if (open.isEmpty()) {
            return outcome(new VfioObservation(false, openError, unsupported, null, spec.timing().fault(), spec.onRequest(),
                    List.of(), null));
        }
        SysfsWriteFault fault = HolderRace.fault(spec.timing().fault(), g, bdf, P2pDevice.VFIO_DRIVER);
        HolderRace.Result race = HolderRace.watch(g, HOLDER, fault, open.get().guestNs() + spec.timing().delay().toNanos(),
                spec.timing().watchLimit(), spec.timing().grace(),
                () -> HolderRace.probeThenRelease(g, HOLDER, GuestEvents.ACCESS, Duration.ZERO));
        fault.heal();
        List<Long> requests = race.holder().stream().filter(e -> e.type().equals(GuestEvents.VFIO_REQUEST))
                .map(Event::guestNs).toList();
        String access = Guest.find(race.holder(), GuestEvents.ACCESS).map(e -> String.valueOf(e.get("read"))).orElse(null);
        return outcome(new VfioObservation(true, null, null, race, spec.timing().fault(), spec.onRequest(), requests, access));
    }

    private static ScenarioOutcome outcome(VfioObservation o) {
        return new ScenarioOutcome(o, List.of(), null, Map.of());
    }
}
