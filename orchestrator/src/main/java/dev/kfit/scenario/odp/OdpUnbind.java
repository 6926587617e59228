package dev.kfit.scenario.odp;

import dev.kfit.scenario.HolderTiming;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.SpecMap;
import dev.kfit.spec.SpecValues;
import dev.kfit.spec.TopologySpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * odp-unbind: register the NVMe CMB's P2P memory for RDMA with on-demand paging
 * ({@code IBV_ACCESS_ON_DEMAND}: no page references taken), then unbind (or remove) the device while it
 * is registered, alone or while a peer guest RDMA-writes into it. Does the unbind return, and can
 * anyone still reach the memory afterwards?
 *
 * @param topology the topology; the holder is its guest {@value #GUEST}
 * @param timing   hold, unbind delay, fault, hung-task timeout, grace
 * @param pinBytes how much P2P memory is registered, a multiple of 4 KiB
 * @param peer     the guest that RDMA-writes into the registration, or null for none
 */
public record OdpUnbind(String name, String topology, HolderTiming timing, long pinBytes, String peer)
        implements ScenarioSpec {
    public static final String TYPE = "odp-unbind";
    public static final String GUEST = TopologySpec.TARGET;
    public static final long DEFAULT_PIN_BYTES = 2 * SpecValues.MIB;
    public static final List<String> KEYS;

    static {
        List<String> k = new ArrayList<>(HolderTiming.KEYS);
        k.addAll(List.of("pin_size", "topology", "peer"));
        KEYS = List.copyOf(k);
    }

    public OdpUnbind {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(timing, "timing");
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Duration timeline() {
        return timing.timeline();
    }

    @Override
    public java.util.Map<String, String> parameters() {
        java.util.Map<String, String> p = timing.parameters();
        p.put("pin_size", SpecValues.formatSize(pinBytes));
        p.put("topology", topology);
        p.put("peer", peer == null ? "none" : peer);
        return java.util.Collections.unmodifiableMap(p);
    }

    public static OdpUnbind parse(String name, SpecMap m, List<TopologySpec> topologies) {
        HolderTiming timing = HolderTiming.parse(m);
        long pinBytes = m.value("pin_size", DEFAULT_PIN_BYTES, SpecValues::pinSize);
        TopologySpec topology = TopologySpec.pick(m, TopologySpec.SINGLE, topologies);
        HolderTiming.holderGuest(m, TYPE, GUEST, topology, false);
        String peer = m.has("peer") ? m.string("peer") : null;
        if (peer != null && (peer.equals(GUEST) || topology.find(peer) == null)) {
            throw m.error("peer", "peer must be another guest of topology '" + topology.name() + "' (guests: "
                    + topology.guestList() + "), got '" + peer + "'");
        }
        return new OdpUnbind(name, topology.name(), timing, pinBytes, peer);
    }
}
