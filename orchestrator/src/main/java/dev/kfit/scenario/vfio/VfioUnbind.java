package dev.kfit.scenario.vfio;

import dev.kfit.scenario.HolderTiming;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.SpecMap;
import dev.kfit.spec.TopologySpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * vfio-unbind: hand the NVMe function to vfio-pci, have a holder open it (container, group, device) and
 * map its CMB BAR, then unbind (or remove) it. The kernel waits for the device's users and asks them
 * to let go through the request eventfd about every 10 s. Two holders: one that ignores the requests
 * ({@code on_request: ignore}, lets go at the hold's end) and one that lets go on the first
 * ({@code on_request: release}).
 *
 * @param topology  the topology; the holder is its guest {@value #GUEST}, which needs {@code iommu: true}
 * @param timing    hold, unbind delay, fault, hung-task timeout, grace
 * @param onRequest {@code ignore} or {@code release}
 * @param bar       the BAR the holder maps (QEMU's NVMe puts its CMB in BAR 2)
 */
public record VfioUnbind(String name, String topology, HolderTiming timing, String onRequest, int bar)
        implements ScenarioSpec {
    public static final String TYPE = "vfio-unbind";
    public static final String GUEST = TopologySpec.TARGET;
    public static final List<String> ON_REQUEST = List.of("ignore", "release");
    public static final int CMB_BAR = 2;
    public static final List<String> KEYS;

    static {
        List<String> k = new ArrayList<>(HolderTiming.KEYS);
        k.addAll(List.of("topology", "on_request"));
        KEYS = List.copyOf(k);
    }

    public VfioUnbind {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(onRequest, "onRequest");
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
        p.put("topology", topology);
        p.put("on_request", onRequest);
        return java.util.Collections.unmodifiableMap(p);
    }

    /** {@code on_request:}, one of {@link #ON_REQUEST}; shared with dmabuf-unbind, whose holder answers requests too. */
    public static String parseOnRequest(SpecMap m, String dflt) {
        String v = m.has("on_request") ? m.string("on_request") : dflt;
        if (!ON_REQUEST.contains(v)) {
            throw m.error("on_request", "on_request must be one of " + String.join(", ", ON_REQUEST) + ", got '" + v + "'");
        }
        return v;
    }

    public static VfioUnbind parse(String name, SpecMap m, List<TopologySpec> topologies) {
        HolderTiming timing = HolderTiming.parse(m);
        TopologySpec topology = TopologySpec.pick(m, TopologySpec.SINGLE, topologies);
        HolderTiming.holderGuest(m, TYPE, GUEST, topology, true);
        return new VfioUnbind(name, topology.name(), timing, parseOnRequest(m, "ignore"), CMB_BAR);
    }
}
