package dev.kfit.topology;

import dev.kfit.error.InfraException;
import dev.kfit.guest.ClockDrift;
import dev.kfit.guest.Guest;
import dev.kfit.history.History;
import dev.kfit.host.Host;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.monitor.CrashWatch;
import dev.kfit.spec.GuestRole;
import dev.kfit.spec.LinkSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.ssh.SshSession;
import dev.kfit.ssh.SshTarget;
import dev.kfit.vm.GuestCrashedException;
import dev.kfit.vm.NoConsoleOutputException;
import dev.kfit.vm.Vm;
import dev.kfit.vm.qemu.QemuConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The guests of one topology, started and stopped together. Links are QEMU socket netdevs on
 * 127.0.0.1: for each link the guest listed first listens and the other connects, so starting the
 * guests in their listed order always finds the listener up. If one guest fails to boot, all are
 * stopped and every console is kept.
 */
public final class Testbed implements AutoCloseable {
    static final Duration BOOT_TIMEOUT = Duration.ofMinutes(5);
    static final Duration SSH_TIMEOUT = Duration.ofMinutes(2);
    /**
     * A booting guest that prints nothing on its console for this long is given up (NO_OUTPUT, kfit's
     * INFRA_ERROR). A normal boot prints something at least every second (the longest quiet stretch in
     * the shipped 6.12 consoles is 0.7 s; boot to ready takes 3 to 7 s under TCG), so a minute is slack
     * for a starved host, and still cuts a silent hang at a fifth of the boot timeout. Only while booting:
     * once init said it is ready, a quiet console is normal (a scenario's hold prints nothing), and the
     * scenario's own waits are bounded.
     */
    public static final Duration NO_OUTPUT_LIMIT = Duration.ofSeconds(60);

    private final Map<String, Vm> vms = new LinkedHashMap<>();
    private final Map<String, Guest> guests = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> ifaceToward = new LinkedHashMap<>();
    private final Map<String, Path> consoles = new LinkedHashMap<>();
    private final Map<String, Host> hostOf = new LinkedHashMap<>();
    private final Map<String, LinkRelay> relays = new LinkedHashMap<>();
    /** Each host's directory for this testbed's sockets and consoles. */
    private final Map<Host, Path> privateDirs = new LinkedHashMap<>();
    /** Every guest's console, from its first byte: a crash ends the boot, and the scenario, at once. */
    private final CrashWatch watch = new CrashWatch();
    private final Duration noOutputLimit;

    private Testbed(Duration noOutputLimit) {
        this.noOutputLimit = noOutputLimit;
    }

    /**
     * Starts the topology's guests and waits until each is reachable over SSH. A crash on any console
     * while waiting ends the wait ({@link GuestCrashedException}, after the report finished printing);
     * a booting guest silent for {@link #NO_OUTPUT_LIMIT} ends it too ({@link NoConsoleOutputException}).
     * Either way every guest is stopped and every console kept.
     */
    public static Testbed boot(Placement placement, TopologySpec topology, BootContext ctx, Path cellDir,
                               History history, Consumer<String> progress) {
        return boot(placement, topology, ctx, cellDir, history, progress, NO_OUTPUT_LIMIT);
    }

    /** {@link #boot} with another no-output limit (tests). */
    static Testbed boot(Placement placement, TopologySpec topology, BootContext ctx, Path cellDir,
                        History history, Consumer<String> progress, Duration noOutputLimit) {
        Testbed tb = new Testbed(noOutputLimit);
        try {
            tb.start(placement, topology, ctx, cellDir, history, progress);
            return tb;
        } catch (RuntimeException e) {
            tb.close();
            throw e;
        }
    }

    private void start(Placement placement, TopologySpec topology, BootContext ctx, Path cellDir, History history,
                       Consumer<String> progress) {
        KernelBuild kernel = ctx.kernel();
        GuestImage image = ctx.image();
        List<String> order = topology.guests().stream().map(GuestRole::name).toList();
        Map<String, List<QemuConfig.SocketLink>> nics = new LinkedHashMap<>();
        Map<String, List<String>> kernelArgs = new LinkedHashMap<>();
        for (String g : order) {
            nics.put(g, new ArrayList<>());
            // The spec's own words first (kernel_args:), then what the links add.
            kernelArgs.put(g, new ArrayList<>(topology.find(g).kernelArgs()));
            ifaceToward.put(g, new LinkedHashMap<>());
            hostOf.put(g, placement.of(g));
        }
        Map<Host, Path[]> staged = new LinkedHashMap<>();
        for (Host h : placement.distinctHosts()) {
            privateDirs.put(h, h.privateDir());
            if (!h.isLocal()) {
                // Built once on the controller, shipped by content key: a host that has them gets nothing.
                progress.accept("staging " + kernel.label() + " and the guest image on " + h.name());
                staged.put(h, new Path[] {h.stage(kernel.bzImage(), kernel.cacheKey()), h.stage(image.rootfs(), image.cacheKey())});
            }
        }
        List<LinkSpec> links = topology.links();
        for (int i = 0; i < links.size(); i++) {
            LinkSpec l = links.get(i);
            boolean aFirst = order.indexOf(l.a()) < order.indexOf(l.b());
            String first = aFirst ? l.a() : l.b();
            String second = aFirst ? l.b() : l.a();
            Host h1 = placement.of(first);
            Host h2 = placement.of(second);
            String id = "link" + i;
            if (h1 == h2 && !ctx.relayAll()) {
                // One host, nothing to impair: QEMU to QEMU on loopback, the first guest listening.
                int port = h1.freePort("127.0.0.1");
                addLink(nics, kernelArgs, first, second, id, "127.0.0.1", port, true, i, 1);
                addLink(nics, kernelArgs, second, first, id, "127.0.0.1", port, false, i, 2);
            } else {
                // Through kfit's link relay on the first guest's host: it carries the link across the
                // hosts' network and is where partition and netem act. Both QEMUs connect to it.
                String farSide = h1 == h2 ? "127.0.0.1" : h1.linkAddress();
                LinkRelay relay = LinkRelay.start(h1, ctx.relayBinary().apply(h1), "127.0.0.1", farSide,
                        cellDir.resolve(id + "-relay.log"), id + " " + first + "-" + second);
                relays.put(linkKey(first, second), relay);
                history.host("link_relay", Map.of("link", id, "guests", List.of(first, second), "host", h1.name(),
                        "a", "127.0.0.1:" + relay.portA(), "b", farSide + ":" + relay.portB()));
                addLink(nics, kernelArgs, first, second, id, "127.0.0.1", relay.portA(), false, i, 1);
                addLink(nics, kernelArgs, second, first, id, farSide, relay.portB(), false, i, 2);
            }
        }
        for (String g : order) {
            GuestRole role = topology.find(g);
            Host host = placement.of(g);
            Path dir = cellDir.resolve(g);
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new InfraException("cannot create " + dir + ": " + e.getMessage(), e);
            }
            // A socket netdev that connects needs its peer listening: wait for it, bounded.
            for (QemuConfig.SocketLink l : nics.get(g)) {
                if (!l.listen()) {
                    Host listenerHost = l.address().equals("127.0.0.1") ? host : hostAt(placement, l.address());
                    listenerHost.awaitListening(l.address(), l.port(), Duration.ofSeconds(30));
                }
            }
            Path localConsole = dir.resolve("console.log");
            Path hostDir = privateDirs.get(host);
            QemuConfig cfg;
            if (host.isLocal()) {
                cfg = new QemuConfig("qemu-system-x86_64", g, ctx.accel().apply(host), ctx.sizes().cpus(),
                        ctx.sizes().memoryMb(), kernel.bzImage(), image.rootfs(), kernelArgs.get(g), localConsole,
                        hostDir.resolve(g + ".qmp"), host.freePort("127.0.0.1"), role.cmbMb(), nics.get(g), 0, true,
                        role.iommu());
            } else {
                Path bz = staged.get(host)[0];
                Path root = staged.get(host)[1];
                cfg = new QemuConfig("qemu-system-x86_64", g, ctx.accel().apply(host), ctx.sizes().cpus(),
                        ctx.sizes().memoryMb(), bz, root, kernelArgs.get(g), hostDir.resolve(g + ".console"),
                        hostDir.resolve(g + ".qmp"), host.freePort("127.0.0.1"), role.cmbMb(), nics.get(g),
                        host.freePort("127.0.0.1"), false, role.iommu());
            }
            consoles.put(g, localConsole);
            history.host("boot_start", Map.of("guest", g, "host", host.name(), "kernel", kernel.label(),
                    "version", kernel.kernelVersion(), "accel", cfg.accel().name(), "ssh_port", cfg.sshHostPort(),
                    "links", nics.get(g).size()));
            Vm vm = Vm.start(host, cfg, dir.resolve("qemu.log"), localConsole);
            vms.put(g, vm);
            watch.follow(g, localConsole, vm.startedAt());
        }
        progress.accept("booting " + String.join(", ", order) + " (" + kernel.kernelVersion() + ")");
        for (Map.Entry<String, Vm> e : vms.entrySet()) {
            String g = e.getKey();
            try {
                e.getValue().awaitReady(BOOT_TIMEOUT, () -> {
                    endIfCrashed("boot", history);
                    Duration quiet = watch.quietFor(g);
                    if (quiet.compareTo(noOutputLimit) >= 0) {
                        history.host("no_output", Map.of("guest", g, "quiet_s", quiet.toMillis() / 1000.0,
                                "limit_s", noOutputLimit.toSeconds()));
                        throw new NoConsoleOutputException(g, quiet, noOutputLimit, consoles.get(g));
                    }
                });
            } catch (GuestCrashedException | NoConsoleOutputException early) {
                throw early;
            } catch (RuntimeException failed) {
                endIfCrashed("boot", history); // QEMU exited after a panic (panic=1, -no-reboot): say so
                throw failed;
            }
            history.host("booted", Map.of("guest", g));
        }
        for (Map.Entry<String, Vm> e : vms.entrySet()) {
            Vm vm = e.getValue();
            SshTarget t = new SshTarget("127.0.0.1", vm.sshPort(), "root", image.clientKey(), image.hostKey());
            SshSession ssh;
            try {
                // A crash ends the wait between connection attempts (an attempt itself is bounded).
                ssh = SshSession.connectWhenReady(t, SSH_TIMEOUT, Duration.ofSeconds(20),
                        () -> vm.isAlive() && watch.poll().isEmpty());
            } catch (RuntimeException sshFailed) {
                endIfCrashed("ssh", history);
                throw sshFailed;
            }
            guests.put(e.getKey(), new Guest(e.getKey(), vm, ssh, history));
            history.host("ssh_ready", Map.of("guest", e.getKey()));
        }
    }

    /** If any console shows a crash: waits for its report to be printed, then ends the wait with it. */
    private void endIfCrashed(String phase, History history) {
        if (watch.poll().isEmpty()) {
            return;
        }
        CrashWatch.Crash c = watch.settle().orElseThrow();
        history.host("crash_seen", crashEvent(c, phase));
        throw new GuestCrashedException(c, phase, consoles.get(c.guest()));
    }

    /** The history event of a crash that ended a wait. */
    public static Map<String, Object> crashEvent(CrashWatch.Crash c, String phase) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("guest", c.guest());
        m.put("phase", phase);
        m.put("type", c.splat().type().name());
        m.put("title", c.splat().title());
        m.put("console_time_s", Double.isNaN(c.splat().timestamp()) ? null : c.splat().timestamp());
        m.put("seen_at", c.seenAt().toString());
        return m;
    }

    /** The watch over every guest's console, for the scenario's wait. */
    public CrashWatch watch() {
        return watch;
    }

    private static Host hostAt(Placement placement, String linkAddress) {
        return placement.distinctHosts().stream().filter(h -> h.linkAddress().equals(linkAddress)).findFirst()
                .orElseThrow(() -> new InfraException("no host of this placement has link address " + linkAddress));
    }

    private void addLink(Map<String, List<QemuConfig.SocketLink>> nics, Map<String, List<String>> args, String self,
                         String peer, String id, String address, int port, boolean listen, int linkIndex, int hostPart) {
        List<QemuConfig.SocketLink> mine = nics.get(self);
        String iface = "eth" + (mine.size() + 1); // eth0 is the management NIC
        // Distinct, locally administered MACs per guest and link.
        String mac = String.format("52:54:00:%02x:%02x:%02x", 0x10 + linkIndex, hostPart, mine.size() + 1);
        mine.add(new QemuConfig.SocketLink(id, address, port, listen, mac));
        String subnet = "10.77." + linkIndex + ".";
        args.get(self).add("kfit.link=" + iface + "," + subnet + hostPart + "/24");
        args.get(self).add("kfit.host=" + peer + "," + subnet + (3 - hostPart));
        ifaceToward.get(self).put(peer, iface);
    }

    public Guest guest(String name) {
        Guest g = guests.get(name);
        if (g == null) {
            throw new InfraException("no guest '" + name + "' in this testbed (have " + guests.keySet() + ")");
        }
        return g;
    }

    /** The host that runs {@code guest}. */
    public Host hostOf(String guest) {
        Host h = hostOf.get(guest);
        if (h == null) {
            throw new InfraException("no guest '" + guest + "' in this testbed (have " + hostOf.keySet() + ")");
        }
        return h;
    }

    /** The relay that carries the link between guests {@code a} and {@code b}, in either order. */
    public LinkRelay relay(String a, String b) {
        LinkRelay r = relays.get(linkKey(a, b));
        if (r == null) {
            throw new InfraException("the link between " + a + " and " + b + " has no relay (it is a direct socket)");
        }
        return r;
    }

    static String linkKey(String a, String b) {
        return a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a;
    }

    public Map<String, Guest> guests() {
        return Map.copyOf(guests);
    }

    public Map<String, Path> consoles() {
        return Map.copyOf(consoles);
    }

    /** The guest's NIC that joins it to {@code peer}, e.g. eth1; its soft-RoCE device is rxe1. */
    public String ifaceToward(String guest, String peer) {
        String iface = ifaceToward.getOrDefault(guest, Map.of()).get(peer);
        if (iface == null) {
            throw new InfraException("guests " + guest + " and " + peer + " are not linked");
        }
        return iface;
    }

    public static String rdmaDeviceOf(String iface) {
        return "rxe" + iface.substring("eth".length());
    }

    /**
     * Fails with an infrastructure error if a guest's clock ran at another rate than the host's while
     * the scenario ran: what it measured is not in seconds, so the cell is run again rather than judged.
     */
    public void checkClocks() {
        for (Guest g : guests.values()) {
            Optional<ClockDrift> d = g.clockDrift();
            if (d.isPresent() && d.get().wrong()) {
                throw new InfraException(d.get().describe() + clockLines(consoles.get(g.name())));
            }
        }
    }

    /** The guest's own account of its clock, from its console: the TSC calibration lines. */
    static String clockLines(Path console) {
        if (console == null || !Files.isRegularFile(console)) {
            return "";
        }
        try (Stream<String> lines = Files.lines(console, StandardCharsets.ISO_8859_1)) {
            List<String> tsc = lines.filter(l -> l.contains("tsc: ") || l.contains("clocksource: Switched"))
                    .map(String::strip).limit(6).toList();
            return tsc.isEmpty() ? "" : "; its console: " + String.join(" / ", tsc);
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /** Console byte offsets now, per guest: splats after these belong to the scenario. */
    public Map<String, Long> consoleOffsets() {
        Map<String, Long> m = new LinkedHashMap<>();
        vms.forEach((n, vm) -> m.put(n, vm.consoleOffset()));
        return m;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Guest g : guests.values()) {
            g.close();
        }
        for (Vm vm : vms.values()) {
            try {
                vm.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        for (LinkRelay r : relays.values()) {
            try {
                r.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        for (Map.Entry<Host, Path> d : privateDirs.entrySet()) {
            try {
                if (d.getKey().isLocal()) {
                    dev.kfit.cache.Cache.deleteTree(d.getValue());
                } else {
                    d.getKey().run(dev.kfit.host.Command.of(Duration.ofSeconds(20), "rm", "-rf", d.getValue().toString()));
                }
            } catch (IOException | RuntimeException ignored) {
                // the host removes it when kfit lets go of it too
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
