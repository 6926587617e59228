package dev.kfit.scenario.odp;

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
import dev.kfit.verdict.Outcome;
import dev.kfit.workload.PinWorkload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs odp-unbind: the holder ({@code kfit-guest pin --odp}, or {@code serve --odp} when a peer writes)
 * registers the P2P memory; the peer, if any, RDMA-writes into it every {@value #WRITE_INTERVAL_MS} ms;
 * the fault comes {@code unbind_delay} after the registration. Once it returned, the holder reads and
 * writes its mapping once (SIGUSR2), the peer goes on for {@link #PEER_AFTER} (it stops at its first
 * failed completion), then the holder lets go. Peer writes are placed on the host's clock.
 */
public final class OdpUnbindScenario implements Scenario {
    static final String HOLDER = "odp-holder";
    static final String WRITER = "odp-writer";
    static final long WRITE_INTERVAL_MS = 50;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration PEER_AFTER = Duration.ofSeconds(3);
    /** Writes posted this close to the fault's return may be either side of it (clock mapping error). */
    static final Duration CLOCK_MARGIN = Duration.ofMillis(100);
    private final OdpUnbind spec;

    public OdpUnbindScenario(OdpUnbind spec) {
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
        return new OdpChecker(spec.timing().grace());
    }

    @Override
    public ScenarioOutcome run(Testbed tb) {
        Guest g = tb.guest(OdpUnbind.GUEST);
        Guest peer = spec.peer() == null ? null : tb.guest(spec.peer());
        for (Guest each : tb.guests().values()) {
            each.setHungTaskTimeout(spec.timing().hungTaskTimeout());
        }
        String bdf = P2pDevice.find(g);
        String driver = P2pDevice.driverOf(g, bdf);
        g.history().host("device", Map.of("guest", g.name(), "bdf", bdf, "driver", driver));
        if (peer != null) {
            g.toHostNs(0); // calibrate both clocks while the guests are idle
            peer.toHostNs(0);
        }
        String file = "/sys/bus/pci/devices/" + bdf + "/p2pmem/allocate";
        String command = peer == null ? "pin" : "serve";
        List<String> argv = new ArrayList<>(List.of("kfit-guest", command, "--file", file, "--size",
                Long.toString(spec.pinBytes()), "--hold", Long.toString(spec.timing().hold().toSeconds()), "--odp"));
        if (peer != null) {
            argv.addAll(List.of("--device", Testbed.rdmaDeviceOf(tb.ifaceToward(g.name(), peer.name()))));
        }
        g.spawn(HOLDER, argv);
        List<Event> reg = g.awaitAny(HOLDER, List.of(GuestEvents.REGISTERED, GuestEvents.REG_FAILED, GuestEvents.ERROR,
                GuestEvents.EXIT), START_TIMEOUT);
        // A refusal is followed by "unsupported" when the device has no ODP: wait for the holder's exit to read it.
        reg = g.awaitAny(HOLDER, List.of(GuestEvents.REGISTERED, GuestEvents.EXIT, GuestEvents.ERROR), Duration.ofSeconds(5));
        Outcome registration = PinWorkload.registration(reg).orElse(Outcome.INDETERMINATE);
        String unsupported = Guest.find(reg, GuestEvents.UNSUPPORTED).map(e -> String.valueOf(e.get("reason"))).orElse(null);
        String regError = Guest.find(reg, GuestEvents.REG_FAILED).map(e -> e.get("message") + " (errno " + e.get("errno") + ")")
                .orElse(null);
        Long registeredNs = Guest.find(reg, GuestEvents.REGISTERED).map(Event::guestNs).orElse(null);
        if (registration != Outcome.OK || registeredNs == null) {
            return outcome(new OdpObservation(registration, regError, unsupported, null, spec.timing().fault(), null, null,
                    peer != null, 0, 0, null, null));
        }
        if (peer != null) {
            Duration writing = spec.timing().delay().plus(spec.timing().hold()).plus(Duration.ofSeconds(10));
            peer.spawn(WRITER, List.of("kfit-guest", "rdma-writer", "--server", g.name(), "--device",
                    Testbed.rdmaDeviceOf(tb.ifaceToward(peer.name(), g.name())), "--size", "4096",
                    "--duration", Long.toString(writing.toSeconds()), "--interval-ms", Long.toString(WRITE_INTERVAL_MS)));
            peer.awaitAny(WRITER, List.of(GuestEvents.WC, GuestEvents.ERROR, GuestEvents.EXIT), START_TIMEOUT);
        }

        long at = registeredNs + spec.timing().delay().toNanos();
        if (peer != null) {
            // The peer's connection takes seconds under TCG: the fault comes once writes flow, never before.
            long now = g.now().orElse(at);
            at = Math.max(at, now + Duration.ofSeconds(3).toNanos());
        }
        SysfsWriteFault fault = HolderRace.fault(spec.timing().fault(), g, bdf, driver);
        HolderRace.Result race = HolderRace.watch(g, HOLDER, fault, at,
                spec.timing().watchLimit(), spec.timing().grace(),
                () -> HolderRace.probeThenRelease(g, HOLDER, GuestEvents.ACCESS, peer != null ? PEER_AFTER : Duration.ZERO));
        fault.heal();
        Optional<Event> access = Guest.find(race.holder(), GuestEvents.ACCESS);
        long before = 0;
        long after = 0;
        String firstError = null;
        Double firstErrorMs = null;
        if (peer != null) {
            HolderRace.signal(peer, "TERM", WRITER);
            List<Event> w = peer.awaitAny(WRITER, List.of(GuestEvents.EXIT), Duration.ofSeconds(15));
            Long endHost = race.faultEndNs() == null ? null : g.toHostNs(race.faultEndNs());
            for (Event e : w) {
                if (!e.type().equals(GuestEvents.WC) || endHost == null) {
                    continue;
                }
                long doneHost = peer.toHostNs(e.guestNs());
                long postedHost = doneHost - ((Number) e.get("lat_us")).longValue() * 1000;
                boolean ok = "IBV_WC_SUCCESS".equals(e.get("status"));
                if (ok && postedHost > endHost + CLOCK_MARGIN.toNanos()) {
                    after++;
                } else if (ok) {
                    before++;
                } else if (firstError == null) {
                    firstError = String.valueOf(e.get("status"));
                    firstErrorMs = (doneHost - endHost) / 1e6;
                }
            }
        }
        return outcome(new OdpObservation(registration, regError, unsupported, race, spec.timing().fault(),
                access.map(e -> String.valueOf(e.get("read"))).orElse(null),
                access.map(e -> String.valueOf(e.get("write"))).orElse(null), peer != null, before, after,
                firstError, firstErrorMs));
    }

    private static ScenarioOutcome outcome(OdpObservation o) {
        return new ScenarioOutcome(o, List.of(), null, Map.of());
    }
}
