package dev.kfit.scenario.pinned;

import dev.kfit.guest.GuestEvents;
import dev.kfit.scenario.Scenario;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.verdict.Checker;

import dev.kfit.error.InfraException;
import dev.kfit.fault.SysfsWriteFault;
import dev.kfit.guest.Guest;
import dev.kfit.guest.P2pDevice;
import dev.kfit.history.Event;
import dev.kfit.ssh.ExecResult;
import dev.kfit.verdict.Outcome;
import dev.kfit.workload.PinWorkload;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * pinned-unbind: long-term pin the NVMe CMB's P2P memory through RDMA, unbind the NVMe driver a
 * set delay after the registration, release the pin at the hold's end, and watch (bounded) for the
 * unbind to return. All times are the guest's CLOCK_MONOTONIC.
 */
public final class PinnedUnbindScenario implements Scenario {
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration REGISTRATION_TIMEOUT = Duration.ofSeconds(90);
    private final PinnedUnbind spec;

    public PinnedUnbindScenario(PinnedUnbind spec) {
        this.spec = spec;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public Checker checker() {
        return new PinnedUnbindChecker(spec.grace());
    }

    @Override
    public String topology() {
        return spec.topology();
    }

    @Override
    public ScenarioOutcome run(dev.kfit.topology.Testbed testbed) {
        return new ScenarioOutcome(observe(testbed.guest(dev.kfit.spec.TopologySpec.TARGET)), List.of(), null, Map.of());
    }

    PinnedUnbindObservation observe(Guest g) {
        g.setHungTaskTimeout(spec.hungTaskTimeout());
        String bdf = P2pDevice.find(g);
        String driver = P2pDevice.driverOf(g, bdf);
        g.history().host("device", Map.of("bdf", bdf, "driver", driver));

        PinWorkload pin = new PinWorkload("/sys/bus/pci/devices/" + bdf + "/p2pmem/allocate", spec.pinBytes(), spec.hold());
        SysfsWriteFault unbind = SysfsWriteFault.unbind(g, bdf, driver);
        pin.start(g);
        List<Event> regEvents = g.awaitEvents(PinWorkload.PROCESS, ev -> PinWorkload.registration(ev).isPresent(), REGISTRATION_TIMEOUT);
        Outcome pinOutcome = PinWorkload.registration(regEvents).orElse(Outcome.INDETERMINATE);
        Long registeredNs = Guest.find(regEvents, GuestEvents.REGISTERED).map(Event::guestNs).orElse(null);
        Integer errno = Guest.find(regEvents, GuestEvents.REG_FAILED).or(() -> Guest.find(regEvents, GuestEvents.ERROR))
                .map(e -> ((Number) e.get("errno")).intValue()).orElse(null);
        List<Event> pinEvents = regEvents;

        // Registered: fire at registration + delay, to the nanosecond, in the guest. Refused or unknown:
        // unbind at once, still timed, so the unpinned latency is measured too.
        long at = registeredNs != null ? registeredNs + spec.unbindDelay().toNanos() : 0;
        unbind.inject(at);

        // Watch until the unbind has returned and the holder has released, or the grace after release ran out.
        long hostDeadline = System.nanoTime() + spec.unbindDelay().plus(spec.hold()).plus(spec.grace())
                .plus(Duration.ofSeconds(30)).toNanos();
        Long releaseNs = null;
        Long waitedUntil = null;
        List<Event> unbindEvents = List.of();
        while (System.nanoTime() < hostDeadline) {
            pinEvents = pin.poll();
            unbindEvents = unbind.events();
            releaseNs = Guest.find(pinEvents, GuestEvents.RELEASE_START).map(Event::guestNs).orElse(releaseNs);
            waitedUntil = g.now().orElse(waitedUntil);
            boolean returned = Guest.find(unbindEvents, GuestEvents.WRITE_END).isPresent();
            boolean holderDone = pinOutcome != Outcome.OK || Guest.find(pinEvents, GuestEvents.RELEASED).isPresent();
            if (returned && holderDone) {
                break;
            }
            if (releaseNs != null && waitedUntil != null && waitedUntil - releaseNs > spec.grace().toNanos()) {
                break; // released long enough ago: the unbind is hung
            }
            Guest.pause(POLL);
        }
        unbind.heal();
        g.history().host("recovery", Map.of("p2pmem_published", String.valueOf(P2pDevice.published(g, bdf))));

        Optional<Event> start = Guest.find(unbindEvents, GuestEvents.WRITE_START);
        Optional<Event> end = Guest.find(unbindEvents, GuestEvents.WRITE_END);
        return new PinnedUnbindObservation(pinOutcome, errno, registeredNs, releaseNs,
                start.map(Event::guestNs).orElse(null), end.map(Event::guestNs).orElse(null),
                end.map(e -> (Boolean) e.get("ok")).orElse(null),
                end.map(e -> e.get("errno")).map(n -> ((Number) n).intValue()).orElse(null),
                waitedUntil);
    }
}
