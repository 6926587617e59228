package dev.kfit.scenario.traffic;

import dev.kfit.spec.FaultSpec;
import dev.kfit.spec.GuestRole;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.SpecMap;
import dev.kfit.spec.SpecProblem;
import dev.kfit.spec.SpecValues;
import dev.kfit.spec.TopologySpec;
import dev.kfit.spec.YamlNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * RDMA traffic between two guests, one of them serving its NVMe CMB (p2pdma memory) as the RDMA buffer,
 * with faults injected while the workload runs.
 *
 * @param topology        the topology to run in
 * @param workload        one of {@link #WORKLOADS}
 * @param duration        how long the workload runs
 * @param sizeBytes       bytes per RDMA operation ({@code size}), at most {@code pinBytes}
 * @param pinBytes        how much of the server's P2P memory is registered, a multiple of 4 KiB
 * @param server          the guest whose P2P memory is registered; has an NVMe device
 * @param client          the guest driving the traffic; not the server
 * @param hungTaskTimeout the guests' {@code hung_task_timeout_secs}
 * @param grace           how long after the last heal things may take to settle before a verdict
 * @param faults          in spec order
 */
public record RdmaTraffic(String name, String topology, String workload, Duration duration, long sizeBytes,
                          long pinBytes, String server, String client, Duration hungTaskTimeout, Duration grace,
                          List<FaultSpec> faults) implements ScenarioSpec {
    public static final String TYPE = "rdma-traffic";
    public static final List<String> WORKLOADS = List.of("kfit-writer", "ib_write_bw", "ib_read_bw");
    public static final String DEFAULT_TOPOLOGY = TopologySpec.PAIR;
    public static final String DEFAULT_WORKLOAD = "kfit-writer";
    /** Every known workload has a runner (perftest's: dev.kfit.workload.PerftestWorkload). */
    public static final List<String> RUNNABLE_WORKLOADS = List.of("kfit-writer", "ib_write_bw", "ib_read_bw");
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);
    public static final long DEFAULT_SIZE = 64 * 1024;
    public static final long DEFAULT_PIN_BYTES = 2 * SpecValues.MIB;
    public static final String DEFAULT_SERVER = TopologySpec.TARGET;
    public static final String DEFAULT_CLIENT = TopologySpec.INITIATOR;
    public static final Duration DEFAULT_HUNG_TASK_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    public static final List<String> KEYS = List.of("topology", "workload", "duration", "size", "pin_size", "server",
            "client", "hung_task_timeout", "grace", "faults");

    public RdmaTraffic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(workload, "workload");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(hungTaskTimeout, "hungTaskTimeout");
        Objects.requireNonNull(grace, "grace");
        faults = List.copyOf(faults);
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Faults as one value each: {@code unbind on target at 8s, heal after 5s}. */
    @Override
    public java.util.Map<String, String> parameters() {
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("topology", topology);
        p.put("workload", workload);
        p.put("duration", SpecValues.format(duration));
        p.put("size", SpecValues.formatSize(sizeBytes));
        p.put("pin_size", SpecValues.formatSize(pinBytes));
        p.put("server", server);
        p.put("client", client);
        p.put("hung_task_timeout", SpecValues.format(hungTaskTimeout));
        p.put("grace", SpecValues.format(grace));
        p.put("faults", faults.isEmpty() ? "none" : String.join("; ", faults.stream().map(f -> f.type()
                + (f.link() != null ? " on link " + f.link().describe() : " on " + f.guest())
                + (f.netem() != null ? " (" + f.netem().describe() + ")" : "")
                + " at " + SpecValues.format(f.at()) + ", heal after " + SpecValues.format(f.healAfter())).toList()));
        return java.util.Collections.unmodifiableMap(p);
    }

    /** The traffic's duration and every fault's wait before its heal. */
    @Override
    public Duration timeline() {
        Duration own = duration;
        for (FaultSpec f : faults) {
            own = own.plus(f.healAfter());
        }
        return own;
    }

    /** Reads and checks the parameters; {@code m}'s keys were already checked against {@link #KEYS}. */
    public static RdmaTraffic parse(String name, SpecMap m, List<TopologySpec> topologies) {
        TopologySpec topology = TopologySpec.pick(m, DEFAULT_TOPOLOGY, topologies);
        String workload = m.value("workload", DEFAULT_WORKLOAD, t -> {
            if (!WORKLOADS.contains(t)) {
                throw new SpecProblem("unknown workload '" + t + "' (known: " + String.join(", ", WORKLOADS) + ")");
            }
            if (!RUNNABLE_WORKLOADS.contains(t)) {
                throw new SpecProblem("workload '" + t + "' is not implemented yet: use " + String.join(", ", RUNNABLE_WORKLOADS));
            }
            return t;
        });
        Duration duration = m.duration("duration", DEFAULT_DURATION);
        if (duration.isZero()) {
            throw m.error("duration", "duration must be greater than 0");
        }
        long pinBytes = m.value("pin_size", DEFAULT_PIN_BYTES, SpecValues::pinSize);
        long sizeBytes = m.value("size", DEFAULT_SIZE, SpecValues::size);
        if (sizeBytes <= 0) {
            throw m.error("size", "size must be greater than 0");
        }
        // Each operation reads or writes inside the registered region.
        if (sizeBytes > pinBytes) {
            throw m.errorAtFirst("size (" + SpecValues.formatSize(sizeBytes) + ") must be at most pin_size ("
                    + SpecValues.formatSize(pinBytes) + ")", "size", "pin_size");
        }

        String server = m.has("server") ? m.string("server") : DEFAULT_SERVER;
        GuestRole serverRole = topology.find(server);
        if (serverRole == null) {
            throw m.errorAtFirst("server '" + server + "' is not a guest of topology '" + topology.name()
                    + "' (guests: " + topology.guestList() + ")", "server", "topology");
        }
        if (!serverRole.hasNvme()) {
            throw m.errorAtFirst("server '" + server + "' has no NVMe device (cmb 0 in topology '"
                    + topology.name() + "'), but the server holds the P2P memory", "server", "topology");
        }
        String client = m.has("client") ? m.string("client") : DEFAULT_CLIENT;
        if (!topology.hasGuest(client)) {
            throw m.errorAtFirst("client '" + client + "' is not a guest of topology '" + topology.name()
                    + "' (guests: " + topology.guestList() + ")", "client", "topology");
        }
        if (client.equals(server)) {
            throw m.errorAtFirst("client and server are both '" + client + "': RDMA traffic needs two guests",
                    "client", "server");
        }

        Duration hungTaskTimeout = m.value("hung_task_timeout", DEFAULT_HUNG_TASK_TIMEOUT,
                SpecValues::hungTaskTimeout);
        Duration grace = m.duration("grace", DEFAULT_GRACE);
        if (grace.isZero()) {
            throw m.error("grace", "grace must be greater than 0");
        }

        List<FaultSpec> faults = new ArrayList<>();
        for (YamlNode node : m.list("faults", false)) {
            SpecMap f = SpecMap.of(m.file(), node, "fault").allowOnly(FaultSpec.KEYS);
            faults.add(FaultSpec.parse(f, topology, server, client, duration));
        }
        return new RdmaTraffic(name, topology.name(), workload, duration, sizeBytes, pinBytes, server, client,
                hungTaskTimeout, grace, faults);
    }
}
