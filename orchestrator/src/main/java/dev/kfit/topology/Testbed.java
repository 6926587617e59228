package dev.kfit.topology;

import dev.kfit.error.InfraException;
import dev.kfit.guest.Guest;
import dev.kfit.history.History;
import dev.kfit.host.Host;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.spec.GuestRole;
import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.LinkSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.ssh.SshSession;
import dev.kfit.ssh.SshTarget;
import dev.kfit.vm.BootException;
import dev.kfit.vm.Vm;
import dev.kfit.vm.qemu.Accel;
import dev.kfit.vm.qemu.QemuConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The guests of one topology, started and stopped together. Links are QEMU socket netdevs on
 * 127.0.0.1: for each link the guest listed first listens and the other connects, so starting the
 * guests in their listed order always finds the listener up. If one guest fails to boot, all are
 * stopped and every console is kept.
 */
public final class Testbed implements AutoCloseable {
    static final Duration BOOT_TIMEOUT = Duration.ofMinutes(5);
    static final Duration SSH_TIMEOUT = Duration.ofMinutes(2);

    private final Map<String, Vm> vms = new LinkedHashMap<>();
    private final Map<String, Guest> guests = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> ifaceToward = new LinkedHashMap<>();
    private final Map<String, Path> consoles = new LinkedHashMap<>();
    private final Map<String, Host> hostOf = new LinkedHashMap<>();
    private final Map<String, LinkRelay> relays = new LinkedHashMap<>();
    private Path privateDir;

    private Testbed() {
    }

    public static Testbed boot(Host host, TopologySpec topology, KernelBuild kernel, GuestImage image, Accel accel,
                               GuestSpec sizes, Path cellDir, History history, Consumer<String> progress) {
        Testbed tb = new Testbed();
        try {
            tb.start(host, topology, kernel, image, accel, sizes, cellDir, history, progress);
            return tb;
        } catch (RuntimeException e) {
            tb.close();
            throw e;
        }
    }

    private void start(Host host, TopologySpec topology, KernelBuild kernel, GuestImage image, Accel accel,
                       GuestSpec sizes, Path cellDir, History history, Consumer<String> progress) {
        List<String> order = topology.guests().stream().map(GuestRole::name).toList();
        Map<String, List<QemuConfig.SocketLink>> nics = new LinkedHashMap<>();
        Map<String, List<String>> kernelArgs = new LinkedHashMap<>();
        for (String g : order) {
            nics.put(g, new ArrayList<>());
            kernelArgs.put(g, new ArrayList<>());
            ifaceToward.put(g, new LinkedHashMap<>());
        }
        List<LinkSpec> links = topology.links();
        for (int i = 0; i < links.size(); i++) {
            LinkSpec l = links.get(i);
            boolean aFirst = order.indexOf(l.a()) < order.indexOf(l.b());
            String listener = aFirst ? l.a() : l.b();
            String connector = aFirst ? l.b() : l.a();
            int port = freePort();
            String id = "link" + i;
            addLink(nics, kernelArgs, listener, connector, id, port, true, i, 1);
            addLink(nics, kernelArgs, connector, listener, id, port, false, i, 2);
        }
        privateDir = host.privateDir();
        for (String g : order) {
            GuestRole role = topology.find(g);
            Path dir = cellDir.resolve(g);
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new InfraException("cannot create " + dir + ": " + e.getMessage(), e);
            }
            // A socket netdev that connects needs its peer listening: wait for it, bounded.
            for (QemuConfig.SocketLink l : nics.get(g)) {
                if (!l.listen()) {
                    awaitListening(l.port(), Duration.ofSeconds(30));
                }
            }
            QemuConfig cfg = new QemuConfig("qemu-system-x86_64", g, accel, sizes.cpus(), sizes.memoryMb(),
                    kernel.bzImage(), image.rootfs(), kernelArgs.get(g), dir.resolve("console.log"),
                    privateDir.resolve(g + ".qmp"), freePort(), role.cmbMb(), nics.get(g));
            consoles.put(g, cfg.consoleLog());
            history.host("boot_start", Map.of("guest", g, "kernel", kernel.label(), "version", kernel.kernelVersion(),
                    "accel", accel.name(), "ssh_port", cfg.sshHostPort(), "links", nics.get(g).size()));
            vms.put(g, Vm.start(host, cfg, dir.resolve("qemu.log")));
        }
        progress.accept("booting " + String.join(", ", order) + " (" + kernel.kernelVersion() + ")");
        for (Map.Entry<String, Vm> e : vms.entrySet()) {
            e.getValue().awaitReady(BOOT_TIMEOUT);
            history.host("booted", Map.of("guest", e.getKey()));
        }
        for (Map.Entry<String, Vm> e : vms.entrySet()) {
            Vm vm = e.getValue();
            SshTarget t = new SshTarget("127.0.0.1", vm.sshPort(), "root", image.clientKey(), image.hostKey());
            SshSession ssh = SshSession.connectWhenReady(t, SSH_TIMEOUT, Duration.ofSeconds(20), vm::isAlive);
            guests.put(e.getKey(), new Guest(e.getKey(), vm, ssh, history));
            history.host("ssh_ready", Map.of("guest", e.getKey()));
        }
    }

    private void addLink(Map<String, List<QemuConfig.SocketLink>> nics, Map<String, List<String>> args, String self,
                         String peer, String id, int port, boolean listen, int linkIndex, int hostPart) {
        List<QemuConfig.SocketLink> mine = nics.get(self);
        String iface = "eth" + (mine.size() + 1); // eth0 is the management NIC
        // Distinct, locally administered MACs per guest and link.
        String mac = String.format("52:54:00:%02x:%02x:%02x", 0x10 + linkIndex, hostPart, mine.size() + 1);
        mine.add(new QemuConfig.SocketLink(id, port, listen, mac));
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
        if (privateDir != null) {
            try {
                dev.kfit.cache.Cache.deleteTree(privateDir);
            } catch (IOException ignored) {
                // the host removes it on exit too
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Ports this process handed to a QEMU; never handed out twice, as parallel cells race between probe and bind. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new InfraException("no free port on 127.0.0.1: " + e.getMessage(), e);
            }
        }
        throw new InfraException("no free port on 127.0.0.1 that this run has not used already");
    }

    /** Watches /proc/net/tcp for a LISTEN socket on 127.0.0.1:port (a probe connect would be taken as the peer). */
    static void awaitListening(int port, Duration timeout) {
        String local = String.format("0100007F:%04X", port);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/net/tcp"))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].equals(local) && f[3].equals("0A")) {
                        return;
                    }
                }
                Thread.sleep(100);
            } catch (IOException e) {
                throw new InfraException("cannot read /proc/net/tcp: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InfraException("interrupted", e);
            }
        }
        throw new BootException("no guest listening on 127.0.0.1:" + port + " for a link after " + timeout.toSeconds() + " s", null);
    }
}
