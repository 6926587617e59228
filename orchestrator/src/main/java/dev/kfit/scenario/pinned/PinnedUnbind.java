package dev.kfit.scenario.pinned;

import dev.kfit.spec.GuestRole;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.SpecMap;
import dev.kfit.spec.SpecValues;
import dev.kfit.spec.TopologySpec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Pin device memory (p2pdma pages registered for RDMA), unbind the device while the pin is held,
 * release the pin and see whether the unbind completes or hangs.
 *
 * @param hold            how long the pin is held
 * @param unbindDelay     when the unbind starts, counted from the registration
 * @param hungTaskTimeout the guest's {@code hung_task_timeout_secs}
 * @param grace           how long after the release the unbind may still take before the verdict is HUNG
 * @param pinBytes        how much memory is pinned, a multiple of the 4 KiB page size
 * @param topology        the topology to run in; the scenario runs on its guest {@value #GUEST}
 */
public record PinnedUnbind(String name, Duration hold, Duration unbindDelay, Duration hungTaskTimeout,
                           Duration grace, long pinBytes, String topology) implements ScenarioSpec {
    public static final String TYPE = "pinned-unbind";
    /** The guest whose NVMe memory is pinned and whose device is unbound. */
    public static final String GUEST = "target";
    public static final String DEFAULT_TOPOLOGY = TopologySpec.SINGLE;
    public static final Duration DEFAULT_HOLD = Duration.ofSeconds(20);
    public static final Duration DEFAULT_UNBIND_DELAY = Duration.ofSeconds(3);
    public static final Duration DEFAULT_HUNG_TASK_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    public static final long DEFAULT_PIN_BYTES = 2 * SpecValues.MIB;
    public static final List<String> KEYS = List.of("hold", "unbind_delay", "hung_task_timeout", "grace", "pin_size",
            "topology");

    public PinnedUnbind {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(unbindDelay, "unbindDelay");
        Objects.requireNonNull(hungTaskTimeout, "hungTaskTimeout");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(topology, "topology");
    }

    /** In the built-in {@code single} topology, as before topologies existed. */
    public PinnedUnbind(String name, Duration hold, Duration unbindDelay, Duration hungTaskTimeout,
                        Duration grace, long pinBytes) {
        this(name, hold, unbindDelay, hungTaskTimeout, grace, pinBytes, DEFAULT_TOPOLOGY);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public java.util.Map<String, String> parameters() {
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("hold", SpecValues.format(hold));
        p.put("unbind_delay", SpecValues.format(unbindDelay));
        p.put("hung_task_timeout", SpecValues.format(hungTaskTimeout));
        p.put("grace", SpecValues.format(grace));
        p.put("pin_size", SpecValues.formatSize(pinBytes));
        p.put("topology", topology);
        return java.util.Collections.unmodifiableMap(p);
    }

    /** The unbind ends with the hold on a healthy kernel. */
    @Override
    public Duration timeline() {
        return unbindDelay.plus(hold);
    }

    /** Reads and checks the parameters; {@code m}'s keys were already checked against {@link #KEYS}. */
    public static PinnedUnbind parse(String name, SpecMap m, List<TopologySpec> topologies) {
        Duration hold = m.duration("hold", DEFAULT_HOLD);
        Duration unbindDelay = m.duration("unbind_delay", DEFAULT_UNBIND_DELAY);
        Duration hungTaskTimeout = m.value("hung_task_timeout", DEFAULT_HUNG_TASK_TIMEOUT,
                SpecValues::hungTaskTimeout);
        Duration grace = m.duration("grace", DEFAULT_GRACE);
        long pinBytes = m.value("pin_size", DEFAULT_PIN_BYTES, SpecValues::pinSize);
        TopologySpec topology = TopologySpec.pick(m, DEFAULT_TOPOLOGY, topologies);

        if (hold.isZero()) {
            throw m.error("hold", "hold must be greater than 0");
        }
        // The unbind has to start while the pin is held, or there is nothing to race against.
        if (unbindDelay.compareTo(hold) >= 0) {
            throw m.error(m.has("unbind_delay") ? "unbind_delay" : "hold", "unbind_delay ("
                    + SpecValues.format(unbindDelay) + ") must be less than hold (" + SpecValues.format(hold) + ")");
        }
        if (grace.isZero()) {
            throw m.error("grace", "grace must be greater than 0");
        }
        // The pinned memory is the target's CMB: without one there is nothing to pin.
        GuestRole target = topology.find(GUEST);
        if (target == null) {
            throw m.error("topology", TYPE + " runs on guest '" + GUEST + "', which topology '" + topology.name()
                    + "' does not have (guests: " + topology.guestList() + ")");
        }
        if (target.cmbMb() <= 0) {
            throw m.error("topology", TYPE + " needs guest '" + GUEST + "' to have an NVMe device (cmb > 0),"
                    + " but its cmb is 0 in topology '" + topology.name() + "'");
        }
        return new PinnedUnbind(name, hold, unbindDelay, hungTaskTimeout, grace, pinBytes, topology.name());
    }
}
