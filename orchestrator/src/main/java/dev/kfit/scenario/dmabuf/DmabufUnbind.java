package dev.kfit.scenario.dmabuf;

import dev.kfit.scenario.HolderTiming;
import dev.kfit.scenario.vfio.VfioUnbind;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.SpecMap;
import dev.kfit.spec.SpecValues;
import dev.kfit.spec.TopologySpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * dmabuf-unbind: the NVMe function on vfio-pci, opened through VFIO's device cdev bound to iommufd; its
 * CMB BAR exported as a dma-buf ({@code VFIO_DEVICE_FEATURE_DMA_BUF}) and imported into an IOAS
 * ({@code IOMMU_IOAS_MAP_FILE}, a revocable pin). Then the device is closed ({@code close_device_after})
 * or not, and unbound (or removed) while the import is held. Is the import revoked, and does the
 * unbind wait? No RDMA here: rxe cannot import a dma-buf.
 *
 * @param topology         the topology; the holder is its guest {@value #GUEST}, which needs {@code iommu: true}
 * @param timing           hold, unbind delay, fault, hung-task timeout, grace
 * @param onRequest        what the holder does on VFIO's request: {@code release} closes its device fd
 * @param closeDeviceAfter when the holder closes its device fd on its own, after the import; null: never
 * @param sizeBytes        how much of the BAR is exported
 */
public record DmabufUnbind(String name, String topology, HolderTiming timing, String onRequest, Duration closeDeviceAfter,
                           long sizeBytes) implements ScenarioSpec {
    public static final String TYPE = "dmabuf-unbind";
    public static final String GUEST = TopologySpec.TARGET;
    public static final long DEFAULT_SIZE = SpecValues.MIB;
    public static final List<String> KEYS;

    static {
        List<String> k = new ArrayList<>(HolderTiming.KEYS);
        k.addAll(List.of("topology", "on_request", "close_device_after", "size"));
        KEYS = List.copyOf(k);
    }

    public DmabufUnbind {
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
        p.put("close_device_after", closeDeviceAfter == null ? "never" : SpecValues.format(closeDeviceAfter));
        p.put("size", SpecValues.formatSize(sizeBytes));
        return java.util.Collections.unmodifiableMap(p);
    }

    public static DmabufUnbind parse(String name, SpecMap m, List<TopologySpec> topologies) {
        HolderTiming timing = HolderTiming.parse(m);
        TopologySpec topology = TopologySpec.pick(m, TopologySpec.SINGLE, topologies);
        HolderTiming.holderGuest(m, TYPE, GUEST, topology, true);
        Duration close = m.has("close_device_after") ? m.duration("close_device_after", null) : null;
        if (close != null && (close.isZero() || close.compareTo(timing.delay()) >= 0)) {
            throw m.error("close_device_after", "close_device_after (" + SpecValues.format(close)
                    + ") must be greater than 0 and less than unbind_delay (" + SpecValues.format(timing.delay()) + ")");
        }
        long size = m.value("size", DEFAULT_SIZE, SpecValues::pinSize);
        return new DmabufUnbind(name, topology.name(), timing, VfioUnbind.parseOnRequest(m, "release"), close, size);
    }
}
