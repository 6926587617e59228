package dev.kfit.scenario.traffic;

import dev.kfit.guest.GuestEvents;
import dev.kfit.scenario.Scenario;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.scenario.pinned.PinnedUnbindObservation;
import dev.kfit.verdict.Checker;

import dev.kfit.error.InfraException;
import dev.kfit.fault.Fault;
import dev.kfit.fault.FaultTiming;
import dev.kfit.fault.GuestCommandFault;
import dev.kfit.fault.HostCrashFault;
import dev.kfit.fault.LinkFault;
import dev.kfit.fault.QmpFault;
import dev.kfit.fault.SysfsWriteFault;
import dev.kfit.guest.Guest;
import dev.kfit.guest.P2pDevice;
import dev.kfit.history.Event;
import dev.kfit.spec.FaultSpec;
import dev.kfit.topology.Testbed;
import dev.kfit.verdict.Outcome;
import dev.kfit.workload.PinWorkload;
import dev.kfit.vm.qemu.QemuCommandLine;
import dev.kfit.vm.qemu.QemuConfig;
import dev.kfit.workload.PerftestWorkload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * rdma-traffic: the server guest registers its NVMe CMB's P2P memory and serves it over RDMA;
 * the client writes (or reads) into it in a loop. With kfit-writer (kfit-guest serve/rdma-writer)
 * every completion and a per-second tick is reported; with perftest (ib_write_bw, ib_read_bw; see
 * {@link PerftestWorkload}) the server is perftest's with {@code --mmap} of the P2P memory and the
 * client reports one result line per interval. Faults fire at their times after the traffic
 * started and are healed {@code heal_after} once they returned. Afterwards kfit checks recovery
 * (always with kfit-writer, the precise instrument): device bound, p2pmem published, a new
 * registration, traffic. Times from both guests are mapped onto the host's clock so fault windows
 * and traffic line up.
 */
public final class RdmaTrafficScenario implements Scenario {
    static final String SERVE = "serve";
    static final String WRITER = "writer";
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /**
     * The server lets go once its writer closed the connection in order (the writes ended, as perftest's
     * server does); this long after the traffic's planned end it lets go regardless, for a writer that
     * died or a peer that vanished (host-crash, a partition that outlives the writes).
     */
    private static final Duration HOLD_MARGIN = Duration.ofSeconds(15);
    private static final Duration RECOVERY_TRAFFIC = Duration.ofSeconds(5);
    private final RdmaTraffic spec;

    public RdmaTrafficScenario(RdmaTraffic spec) {
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
    public boolean needsLinkRelays() {
        return spec.faults().stream().anyMatch(f -> f.kind().onLink());
    }

    @Override
    public Checker checker() {
        return new RdmaTrafficChecker(spec.grace());
    }

    @Override
    public ScenarioOutcome run(Testbed tb) {
        Guest server = tb.guest(spec.server());
        Guest client = tb.guest(spec.client());
        for (Guest g : tb.guests().values()) {
            g.setHungTaskTimeout(spec.hungTaskTimeout());
        }
        String serverIface = tb.ifaceToward(spec.server(), spec.client());
        String clientIface = tb.ifaceToward(spec.client(), spec.server());
        String bdf = P2pDevice.find(server);
        String driver = P2pDevice.driverOf(server, bdf);
        server.history().host("device", Map.of("guest", server.name(), "bdf", bdf, "driver", driver));
        boolean perftest = PerftestWorkload.handles(spec.workload());
        // Calibrate both guests' clocks now, while they are idle: the round trips are shortest, and the
        // mapping's error is half the best one (busy TCG guests answer in hundreds of milliseconds).
        server.toHostNs(0);
        client.toHostNs(0);

        Duration hold = spec.duration().plus(HOLD_MARGIN);
        Outcome pin;
        Integer errno;
        Long registeredHost;
        long t0;
        if (perftest) {
            // perftest's server registers only once a client connected: start both, then ask the server.
            startPerftestServer(server, bdf, serverIface);
            awaitListening(server);
            startPerftestClient(client, clientIface);
            List<Event> serveEvents = server.awaitEvents(SERVE,
                    ev -> PerftestWorkload.registration(ev).isPresent(), START_TIMEOUT);
            pin = PerftestWorkload.registration(serveEvents).orElse(Outcome.INDETERMINATE);
            errno = null; // perftest does not print it
            registeredHost = PerftestWorkload.registeredNs(serveEvents).map(server::toHostNs).orElse(null);
            if (pin == Outcome.OK) {
                List<Event> w = client.awaitEvents(WRITER, ev -> PerftestWorkload.trafficStartNs(ev).isPresent()
                        || Guest.find(ev, GuestEvents.EXIT).isPresent(), START_TIMEOUT);
                t0 = PerftestWorkload.trafficStartNs(w).map(client::toHostNs).orElse(System.nanoTime());
            } else {
                t0 = System.nanoTime();
            }
        } else {
            startServer(server, SERVE, bdf, serverIface, hold);
            List<Event> serveEvents = server.awaitAny(SERVE, List.of(GuestEvents.REGISTERED, GuestEvents.REG_FAILED, GuestEvents.ERROR), START_TIMEOUT);
            pin = PinWorkload.registration(serveEvents).orElse(Outcome.INDETERMINATE); // serve reports like pin
            errno = Guest.find(serveEvents, GuestEvents.REG_FAILED).map(e -> ((Number) e.get("errno")).intValue()).orElse(null);
            registeredHost = Guest.find(serveEvents, GuestEvents.REGISTERED).map(e -> server.toHostNs(e.guestNs())).orElse(null);
            if (pin == Outcome.OK) {
                startWriter(client, WRITER, clientIface, spec.duration());
                client.awaitAny(WRITER, List.of(GuestEvents.WC, GuestEvents.ERROR, GuestEvents.SUMMARY), START_TIMEOUT);
                t0 = Guest.find(client.poll(WRITER), GuestEvents.QP_READY).or(() -> Guest.find(client.poll(WRITER), GuestEvents.CONNECTED))
                        .map(e -> client.toHostNs(e.guestNs())).orElse(System.nanoTime());
            } else {
                t0 = System.nanoTime();
            }
        }
        server.history().host("workload_start", Map.of("host_ns", t0));

        List<FaultSpec> plan = new ArrayList<>(spec.faults());
        plan.sort(Comparator.comparing(FaultSpec::at));
        List<Fault> faults = new ArrayList<>();
        Map<Fault, FaultSpec> specs = new LinkedHashMap<>();
        List<Due> pending = new ArrayList<>();
        for (FaultSpec f : plan) {
            Fault fault = build(f, tb, server, bdf, driver);
            specs.put(fault, f);
            pending.add(new Due(fault, t0 + f.at().toNanos()));
        }
        long deadline = t0 + spec.duration().plus(hold).plus(spec.grace()).plus(Duration.ofSeconds(60)).toNanos();
        Long releaseHost = null;
        boolean finished = false;
        while (System.nanoTime() < deadline) {
            long now = System.nanoTime();
            for (java.util.Iterator<Due> it = pending.iterator(); it.hasNext(); ) {
                Due d = it.next();
                if (now >= d.armNs()) {
                    // Armed early, it waits in the guest for its time; due now, it fires now.
                    d.fault().inject(d.fault().armAhead().isZero() || d.ns() <= now ? 0 : tb.guest(d.fault().guest()).toGuestNs(d.ns()));
                    faults.add(d.fault());
                    it.remove();
                }
            }
            // Polling the guests takes a few hundred ms over SSH on a busy machine: with a fault about to be
            // due, wait for it here instead, or it fires only after the polls.
            long nextArm = pending.stream().mapToLong(Due::armNs).min().orElse(Long.MAX_VALUE);
            if (nextArm - System.nanoTime() < ARM_SLACK.toNanos()) {
                Guest.pause(Duration.ofNanos(Math.max(0, nextArm - System.nanoTime())));
                continue;
            }
            for (Fault f : faults) {
                FaultTiming t = f.poll();
                if (t.returnedHostNs() != null && t.healedHostNs() == null && t.healOk() == null
                        && now >= t.returnedHostNs() + specs.get(f).healAfter().toNanos()) {
                    f.heal();
                }
            }
            List<Event> serve = server.poll(SERVE);
            List<Event> writer = client.poll(WRITER);
            releaseHost = (perftest ? PerftestWorkload.releaseNs(serve)
                    : Guest.find(serve, GuestEvents.RELEASE_START).map(Event::guestNs)).map(server::toHostNs).orElse(releaseHost);
            boolean serverDone = pin != Outcome.OK || Guest.find(serve, GuestEvents.EXIT).isPresent() || !server.vm().isAlive();
            boolean writerDone = pin != Outcome.OK || Guest.find(writer, GuestEvents.EXIT).isPresent() || Guest.find(writer, GuestEvents.SUMMARY).isPresent()
                    || !client.vm().isAlive();
            boolean faultsDone = pending.isEmpty() && faults.stream().allMatch(f -> settled(f.poll(), specs.get(f)));
            boolean stuck = releaseHost != null && now - releaseHost > spec.grace().toNanos();
            finished = serverDone && writerDone;
            if (serverDone && writerDone && faultsDone || stuck && serverDone && writerDone) {
                break;
            }
            // Wake for the next fault when it is due rather than up to a poll interval after it.
            long wake = POLL.toNanos();
            for (Due d : pending) {
                wake = Math.min(wake, d.armNs() - System.nanoTime());
            }
            Guest.pause(Duration.ofNanos(Math.max(0, wake)));
        }
        faults.sort(Comparator.comparing(f -> specs.get(f).at())); // injected in arming order; reported in spec order
        for (Fault f : faults) {
            if (f.poll().healedHostNs() == null) {
                f.heal(); // teardown always heals what can be healed
            }
        }
        Long waitedUntil = System.nanoTime();

        Map<String, Object> recovery = recover(server, client, bdf, driver, serverIface, clientIface, faults);
        List<Event> writerEvents = pin == Outcome.OK ? client.poll(WRITER) : List.of();
        if (perftest) {
            // Its measurement broke, not the kernel: an infrastructure error, and the cell runs again.
            PerftestWorkload.calibrationFailure(writerEvents).ifPresent(line -> {
                throw new InfraException("perftest on " + client.name() + " stopped reporting: its clock calibration failed on"
                        + " a starved emulated CPU (\"" + line + "\")");
            });
        }
        Double recoveredMs = (Double) recovery.get("traffic_resumed_after_heal_ms");
        ScenarioOutcome.TrafficResult traffic = perftest
                ? Traffic.perftest(spec.workload(), PerftestWorkload.output(writerEvents), client, faults, t0, recoveredMs)
                : Traffic.summarise(spec.workload(), writerEvents, client, faults, t0, recoveredMs);

        Fault primary = faults.isEmpty() ? null : faults.get(0);
        FaultTiming pt = primary == null ? null : primary.poll();
        PinnedUnbindObservation obs = new PinnedUnbindObservation(pin, errno, registeredHost, releaseHost,
                pt == null ? null : pt.startedHostNs(), pt == null ? null : pt.returnedHostNs(),
                pt == null ? null : pt.ok(), null, waitedUntil);
        List<ScenarioOutcome.FaultResult> results = new ArrayList<>();
        for (Fault f : faults) {
            FaultTiming t = f.poll();
            results.add(new ScenarioOutcome.FaultResult(f.type(), f.guest(), ms(t.startedHostNs(), t0), t.latencyMs(),
                    ms(t.healedHostNs(), t0), t.healOk(),
                    t.returnedHostNs() == null || releaseHost == null ? null : t.returnedHostNs() >= releaseHost,
                    f.outcome().name(), t.detail()));
        }
        return new ScenarioOutcome(new TrafficObservation(obs, results, traffic, finished), results, traffic, recovery);
    }

    /** A fault is settled once it returned and was healed, or has nothing to heal (kill-pin-holder, host-crash). */
    private static boolean settled(FaultTiming t, FaultSpec f) {
        return t.returnedHostNs() != null && (t.healOk() != null || !t.ok() || !f.kind().healable());
    }

    /** A fault not yet injected: due at host time {@code ns}, injected from {@link #armNs()} on. */
    /** Longer than polling both guests takes: a fault due sooner is waited for without polling. */
    private static final Duration ARM_SLACK = Duration.ofSeconds(1);

    private record Due(Fault fault, long ns) {
        long armNs() {
            return ns - fault.armAhead().toNanos();
        }
    }

    private Fault build(FaultSpec f, Testbed tb, Guest server, String bdf, String driver) {
        Guest g = tb.guest(f.guest());
        switch (f.kind()) {
            case PARTITION:
                return LinkFault.partition(f.link(), tb.relay(f.link().a(), f.link().b()), g.history());
            case NETEM:
                return LinkFault.netem(f.link(), tb.relay(f.link().a(), f.link().b()), f.netem(), g.history());
            case HOST_CRASH: {
                dev.kfit.host.Host host = tb.hostOf(g.name());
                List<String> down = tb.guests().keySet().stream().filter(n -> tb.hostOf(n) == host).sorted().toList();
                return new HostCrashFault(g.name(), host, down, g.history());
            }
            case UNBIND:
                return SysfsWriteFault.unbind(g, bdf, driver);
            case PCI_REMOVE:
                return SysfsWriteFault.pciRemove(g, bdf);
            case HOT_UNPLUG:
                return QmpFault.hotUnplug(g);
            case KILL_PIN_HOLDER:
                return GuestCommandFault.killPinHolder(g, () -> Guest.find(g.poll(SERVE), GuestEvents.START)
                        .map(e -> ((Number) e.get("pid")).longValue())
                        .orElseThrow(() -> new InfraException("no pin holder running on " + g.name())));
            case LINK_DOWN: {
                QemuConfig.SocketLink link = g.vm().config().links().get(0);
                return QmpFault.linkDown(g, QemuCommandLine.nicId(link));
            }
            case RDMA_LINK_DELETE: {
                String peer = g.name().equals(spec.server()) ? spec.client() : spec.server();
                String iface = tb.ifaceToward(g.name(), peer);
                return GuestCommandFault.rdmaLinkDelete(g, Testbed.rdmaDeviceOf(iface), iface);
            }
            default:
                throw new IllegalArgumentException("no fault for " + f.type());
        }
    }

    /** After the heals: is the device back, is p2pmem published, does a new registration and traffic work? */
    private Map<String, Object> recover(Guest server, Guest client, String bdf, String driver, String serverIface,
                                        String clientIface, List<Fault> faults) {
        Map<String, Object> r = new LinkedHashMap<>();
        // Recovery counts from the last heal; a fault with nothing to heal (kill-pin-holder) from its return.
        Long healed = faults.stream().map(f -> f.poll().healedHostNs() != null ? f.poll().healedHostNs()
                        : f.type().equals("kill-pin-holder") ? f.poll().returnedHostNs() : null)
                .filter(java.util.Objects::nonNull).max(Long::compare).orElse(null);
        if (healed == null) {
            r.put("healed", false);
            return r;
        }
        r.put("healed", true);
        // A host crash leaves its guests down for the rest of the cell: there is nothing to recover on.
        if (!server.vm().isAlive() || !client.vm().isAlive()) {
            r.put("guests_down", true);
            return r;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String published = null;
        while (System.nanoTime() < deadline && !"1".equals(published)) {
            published = P2pDevice.published(server, bdf);
            if (!"1".equals(published)) {
                Guest.pause(POLL);
            }
        }
        r.put("p2pmem_published", "1".equals(published));
        r.put("p2pmem_published_after_heal_ms", "1".equals(published) ? (System.nanoTime() - healed) / 1e6 : null);
        String bound = server.exec(List.of("readlink", "/sys/bus/pci/devices/" + bdf + "/driver"), Guest.COMMAND_TIMEOUT).stdout().strip();
        r.put("driver_bound", bound.endsWith("/" + driver));
        if (!"1".equals(published)) {
            return r;
        }
        // A new pin and a short burst of traffic over it.
        startServer(server, SERVE + "-recovery", bdf, serverIface, RECOVERY_TRAFFIC.plus(Duration.ofSeconds(20)));
        List<Event> ev = server.awaitAny(SERVE + "-recovery", List.of(GuestEvents.REGISTERED, GuestEvents.REG_FAILED, GuestEvents.ERROR), START_TIMEOUT);
        boolean registered = Guest.find(ev, GuestEvents.REGISTERED).isPresent();
        r.put("new_registration_ok", registered);
        if (registered) {
            startWriter(client, WRITER + "-recovery", clientIface, RECOVERY_TRAFFIC);
            List<Event> w = client.awaitAny(WRITER + "-recovery", List.of(GuestEvents.SUMMARY, GuestEvents.EXIT),
                    RECOVERY_TRAFFIC.plus(START_TIMEOUT));
            Optional<Event> firstOk = w.stream().filter(e -> e.type().equals(GuestEvents.WC) && "IBV_WC_SUCCESS".equals(e.get("status"))).findFirst();
            r.put("traffic_resumed", firstOk.isPresent());
            r.put("traffic_resumed_after_heal_ms", firstOk.map(e -> (client.toHostNs(e.guestNs()) - healed) / 1e6).orElse(null));
            server.exec(List.of("sh", "-c", "busybox pkill -USR1 -f 'kfit-guest serve' || true"), Guest.COMMAND_TIMEOUT);
        }
        return r;
    }

    private void startServer(Guest server, String process, String bdf, String iface, Duration hold) {
        server.spawn(process, List.of("kfit-guest", "serve", "--file", "/sys/bus/pci/devices/" + bdf + "/p2pmem/allocate",
                "--size", Long.toString(spec.pinBytes()), "--device", Testbed.rdmaDeviceOf(iface),
                "--hold", Long.toString(hold.toSeconds()), "--release-on-close"));
    }

    private void startWriter(Guest client, String process, String iface, Duration duration) {
        client.spawn(process, List.of("kfit-guest", "rdma-writer", "--server", spec.server(), "--device",
                Testbed.rdmaDeviceOf(iface), "--size", Long.toString(spec.sizeBytes()), "--duration",
                Long.toString(duration.toSeconds()), "--op", "write"));
    }

    private void startPerftestServer(Guest server, String bdf, String iface) {
        server.spawn(SERVE, PerftestWorkload.serverArgv(spec.workload(), Testbed.rdmaDeviceOf(iface), spec.sizeBytes(),
                "/sys/bus/pci/devices/" + bdf + "/p2pmem/allocate",
                START_TIMEOUT.plus(spec.duration()).plus(START_TIMEOUT)));
    }

    /** The client stops itself {@code duration} after its traffic started, and at the latest after a start timeout more. */
    private void startPerftestClient(Guest client, String iface) {
        client.spawn(WRITER, PerftestWorkload.clientArgv(spec.workload(), Testbed.rdmaDeviceOf(iface), spec.sizeBytes(),
                spec.server(), spec.duration(), spec.duration().plus(START_TIMEOUT)));
    }

    /** perftest's client does not retry: wait for the server's banner, then for its port to listen. */
    private static void awaitListening(Guest server) {
        List<Event> ev = server.awaitEvents(SERVE, e -> PerftestWorkload.waitingForClient(e)
                || Guest.find(e, GuestEvents.EXIT).isPresent(), START_TIMEOUT);
        if (Guest.find(ev, GuestEvents.EXIT).isPresent()) {
            return; // it failed to start: the registration check says so
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String check = "ss -Hltn 'sport = :" + PerftestWorkload.PORT + "' | grep -q .";
        while (System.nanoTime() < deadline
                && !server.exec(List.of("sh", "-c", check), Guest.COMMAND_TIMEOUT).ok()) {
            Guest.pause(Guest.POLL_INTERVAL);
        }
    }

    private static Double ms(Long hostNs, long t0) {
        return hostNs == null ? null : (hostNs - t0) / 1e6;
    }
}
