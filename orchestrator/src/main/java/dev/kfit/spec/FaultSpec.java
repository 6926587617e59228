package dev.kfit.spec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One fault injected during an {@code rdma-traffic} workload.
 *
 * @param type      a {@link FaultType}'s YAML name, see {@link #kind()}
 * @param guest     the guest it hits, one of the scenario topology's
 * @param at        when it is injected, counted from the workload's start; less than the workload's duration
 * @param healAfter how long after the injection returned the fault is healed (link up, rescan, ...)
 * @param line      the fault's line in the spec, so later problems with it can point there
 */
public record FaultSpec(String type, String guest, Duration at, Duration healAfter, int line) {
    static final Duration DEFAULT_HEAL_AFTER = Duration.ofSeconds(5);
    static final List<String> KEYS = List.of("type", "guest", "at", "heal_after");

    public FaultSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(healAfter, "healAfter");
    }

    /** The type as an enum; null only if the record was built by hand with an unknown type. */
    public FaultType kind() {
        return FaultType.byName(type);
    }

    /** Checks against the scenario it belongs to: its topology, server, client and duration. */
    static FaultSpec parse(SpecMap m, TopologySpec topology, String server, String client, Duration duration) {
        FaultType kind = m.value("type", t -> {
            FaultType k = FaultType.byName(t);
            if (k == null) {
                throw new SpecProblem("unknown fault type '" + t + "' (known: " + FaultType.names() + ")");
            }
            return k;
        });
        String guest = m.has("guest") ? m.string("guest") : kind.onServerByDefault() ? server : client;
        GuestRole role = topology.find(guest);
        if (role == null) {
            throw m.error("guest", "fault names guest '" + guest + "' which topology '" + topology.name()
                    + "' does not have (guests: " + topology.guestList() + ")");
        }
        if (kind.needsNvme() && !role.hasNvme()) {
            throw m.errorAtFirst("fault '" + kind.yamlName() + "' needs an NVMe device, but guest '" + guest
                    + "' has cmb 0 in topology '" + topology.name() + "'", "guest", "type");
        }
        if (kind.needsLink() && topology.linksOf(guest).isEmpty()) {
            throw m.errorAtFirst("fault '" + kind.yamlName() + "' needs a link, but guest '" + guest
                    + "' has none in topology '" + topology.name() + "'", "guest", "type");
        }
        Duration at = m.value("at", SpecValues::duration);
        // The fault has to land while the workload runs, or it tests nothing.
        if (at.compareTo(duration) >= 0) {
            throw m.error("at", "fault at (" + SpecValues.format(at) + ") must be less than duration ("
                    + SpecValues.format(duration) + ")");
        }
        Duration healAfter = m.duration("heal_after", DEFAULT_HEAL_AFTER);
        return new FaultSpec(kind.yamlName(), guest, at, healAfter, m.line());
    }
}
