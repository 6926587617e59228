package dev.kfit.scenario.dmabuf;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs dmabuf-unbind: binds the NVMe function to vfio-pci, starts {@code kfit-guest dmabuf-hold}, and
 * {@code unbind_delay} after the import unbinds the function from vfio-pci (or removes it). Once the
 * fault returned with the import still held, the holder re-imports once (SIGUSR2) and then lets go.
 */
public final class DmabufUnbindScenario implements Scenario {
    static final String HOLDER = "dmabuf-holder";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private final DmabufUnbind spec;

    public DmabufUnbindScenario(DmabufUnbind spec) {
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
        return new DmabufChecker(spec.timing().grace());
    }

    @Override
    public ScenarioOutcome run(Testbed tb) {
        Guest g = tb.guest(DmabufUnbind.GUEST);
        g.setHungTaskTimeout(spec.timing().hungTaskTimeout());
        String bdf = P2pDevice.handToVfio(g);
        List<String> argv = new ArrayList<>(List.of("kfit-guest", "dmabuf-hold", "--bdf", bdf, "--bar", "2", "--size",
                Long.toString(spec.sizeBytes()), "--hold", Long.toString(spec.timing().hold().toSeconds()),
                "--on-request", spec.onRequest()));
        if (spec.closeDeviceAfter() != null) {
            argv.addAll(List.of("--close-device-after", String.format(java.util.Locale.ROOT, "%.3f",
                    spec.closeDeviceAfter().toMillis() / 1000.0)));
        }
        g.spawn(HOLDER, argv);
        List<Event> ev = g.awaitAny(HOLDER, List.of(GuestEvents.IMPORTED, GuestEvents.ERROR, GuestEvents.EXIT), START_TIMEOUT);
        Optional<Event> imported = Guest.find(ev, GuestEvents.IMPORTED);
        if (imported.isEmpty()) {
            ev = g.awaitAny(HOLDER, List.of(GuestEvents.EXIT), Duration.ofSeconds(5));
            String unsupported = Guest.find(ev, GuestEvents.UNSUPPORTED).map(e -> String.valueOf(e.get("reason"))).orElse(null);
            String error = Guest.find(ev, GuestEvents.ERROR).map(e -> e.get("step") + ": " + e.get("message")).orElse(null);
            return outcome(new DmabufObservation(false, error, unsupported, null, spec.timing().fault(), null, null,
                    List.of(), 0));
        }
        SysfsWriteFault fault = HolderRace.fault(spec.timing().fault(), g, bdf, P2pDevice.VFIO_DRIVER);
        HolderRace.Result race = HolderRace.watch(g, HOLDER, fault, imported.get().guestNs() + spec.timing().delay().toNanos(),
                spec.timing().watchLimit(), spec.timing().grace(),
                () -> HolderRace.probeThenRelease(g, HOLDER, GuestEvents.PROBE, Duration.ZERO));
        fault.heal();
        Optional<Event> closed = Guest.find(race.holder(), GuestEvents.DEVICE_CLOSED);
        List<DmabufObservation.Probe> probes = race.holder().stream().filter(e -> e.type().equals(GuestEvents.PROBE))
                .map(e -> new DmabufObservation.Probe(String.valueOf(e.get("when")), e.guestNs(), Boolean.TRUE.equals(e.get("ok")),
                        e.get("message") == null ? null : String.valueOf(e.get("message")))).toList();
        int requests = (int) race.holder().stream().filter(e -> e.type().equals(GuestEvents.VFIO_REQUEST)).count();
        return outcome(new DmabufObservation(true, null, null, race, spec.timing().fault(),
                closed.map(Event::guestNs).orElse(null), closed.map(e -> String.valueOf(e.get("reason"))).orElse(null),
                probes, requests));
    }

    private static ScenarioOutcome outcome(DmabufObservation o) {
        return new ScenarioOutcome(o, List.of(), null, Map.of());
    }
}
