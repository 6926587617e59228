package dev.kfit.scenario;

import dev.kfit.spec.GuestRole;
import dev.kfit.spec.SpecMap;
import dev.kfit.spec.SpecValues;
import dev.kfit.spec.TopologySpec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The parameters a holder race shares across the designs scenario types ({@link HolderRace}): how long
 * the holder holds, when the fault comes, which fault, the guest's hung-task timeout and the grace.
 *
 * @param hold            how long the holder holds unless told to let go
 * @param delay           when the fault comes, counted from the holder being ready ({@code unbind_delay})
 * @param fault           one of {@link HolderRace#FAULTS}
 * @param hungTaskTimeout the guest's {@code hung_task_timeout_secs}
 * @param grace           how long after the holder let go the fault may still take before the verdict is HUNG
 */
public record HolderTiming(Duration hold, Duration delay, String fault, Duration hungTaskTimeout, Duration grace) {
    public static final List<String> KEYS = List.of("hold", "unbind_delay", "fault", "hung_task_timeout", "grace");
    public static final Duration DEFAULT_HOLD = Duration.ofSeconds(25);
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(3);
    public static final Duration DEFAULT_HUNG_TASK_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);
    /** Beyond hold and grace: boots of busy TCG guests answer slowly. */
    private static final Duration SLACK = Duration.ofSeconds(60);

    public HolderTiming {
        Objects.requireNonNull(hold, "hold");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(fault, "fault");
        Objects.requireNonNull(hungTaskTimeout, "hungTaskTimeout");
        Objects.requireNonNull(grace, "grace");
    }

    /** Reads and checks the shared keys. */
    public static HolderTiming parse(SpecMap m) {
        Duration hold = m.duration("hold", DEFAULT_HOLD);
        Duration delay = m.duration("unbind_delay", DEFAULT_DELAY);
        Duration hungTaskTimeout = m.value("hung_task_timeout", DEFAULT_HUNG_TASK_TIMEOUT, SpecValues::hungTaskTimeout);
        Duration grace = m.duration("grace", DEFAULT_GRACE);
        String fault = HolderRace.parseFault(m);
        if (hold.isZero()) {
            throw m.error("hold", "hold must be greater than 0");
        }
        // The fault has to come while the memory is held, or there is nothing to race against.
        if (delay.compareTo(hold) >= 0) {
            throw m.error(m.has("unbind_delay") ? "unbind_delay" : "hold", "unbind_delay (" + SpecValues.format(delay)
                    + ") must be less than hold (" + SpecValues.format(hold) + ")");
        }
        if (grace.isZero()) {
            throw m.error("grace", "grace must be greater than 0");
        }
        return new HolderTiming(hold, delay, fault, hungTaskTimeout, grace);
    }

    /** The guest that holds the memory: it must exist and have the NVMe device (and an IOMMU when asked). */
    public static GuestRole holderGuest(SpecMap m, String type, String guest, TopologySpec topology, boolean needsIommu) {
        GuestRole g = topology.find(guest);
        if (g == null) {
            throw m.error("topology", type + " runs on guest '" + guest + "', which topology '" + topology.name()
                    + "' does not have (guests: " + topology.guestList() + ")");
        }
        if (!g.hasNvme()) {
            throw m.error("topology", type + " needs guest '" + guest + "' to have an NVMe device (cmb > 0) in topology '"
                    + topology.name() + "'");
        }
        if (needsIommu && !g.iommu()) {
            throw m.error("topology", type + " needs guest '" + guest + "' to have an IOMMU (iommu: true) in topology '"
                    + topology.name() + "': VFIO hands out only devices in an IOMMU group");
        }
        return g;
    }

    /** The race's own time on a healthy kernel, for the duration model. */
    public Duration timeline() {
        return delay.plus(hold);
    }

    /** The shared keys to their values, for {@link dev.kfit.spec.ScenarioSpec#parameters()}. */
    public java.util.Map<String, String> parameters() {
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("hold", SpecValues.format(hold));
        p.put("unbind_delay", SpecValues.format(delay));
        p.put("fault", fault);
        p.put("hung_task_timeout", SpecValues.format(hungTaskTimeout));
        p.put("grace", SpecValues.format(grace));
        return p;
    }

    /** The longest a watch of the race may take: the hold, the grace and slack. */
    public Duration watchLimit() {
        return delay.plus(hold).plus(grace).plus(SLACK);
    }
}
