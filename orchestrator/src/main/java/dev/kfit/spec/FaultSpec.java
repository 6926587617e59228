package dev.kfit.spec;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One fault injected during an {@code rdma-traffic} workload.
 *
 * @param type      a {@link FaultType}'s YAML name, see {@link #kind()}
 * @param guest     the guest it hits, one of the scenario topology's; for a link fault the link's first guest
 *                  (reports show a fault against a guest)
 * @param link      for link faults ({@link FaultType#onLink()}): the link, as the spec wrote it; else null
 * @param netem     for {@code netem}: the impairment, never {@link Netem#isNone() none}; else null
 * @param at        when it is injected, counted from the workload's start; less than the workload's duration
 * @param healAfter how long after the injection returned the fault is healed (link up, rescan, ...)
 * @param line      the fault's line in the spec, so later problems with it can point there
 */
public record FaultSpec(String type, String guest, LinkSpec link, Netem netem, Duration at, Duration healAfter,
                        int line) {
    static final Duration DEFAULT_HEAL_AFTER = Duration.ofSeconds(5);
    static final List<String> NETEM_KEYS = List.of("delay", "jitter", "loss", "duplicate", "reorder");
    public static final List<String> KEYS = List.of("type", "guest", "link", "at", "heal_after", "delay", "jitter", "loss",
            "duplicate", "reorder");

    public FaultSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(healAfter, "healAfter");
    }

    /** A fault on a guest (neither link nor impairment). */
    public FaultSpec(String type, String guest, Duration at, Duration healAfter, int line) {
        this(type, guest, null, null, at, healAfter, line);
    }

    /** The type as an enum; null only if the record was built by hand with an unknown type. */
    public FaultType kind() {
        return FaultType.byName(type);
    }

    /** Checks against the scenario it belongs to: its topology, server, client and duration. */
    public static FaultSpec parse(SpecMap m, TopologySpec topology, String server, String client, Duration duration) {
        FaultType kind = m.value("type", t -> {
            FaultType k = FaultType.byName(t);
            if (k == null) {
                throw new SpecProblem("unknown fault type '" + t + "' (known: " + FaultType.names() + ")");
            }
            return k;
        });
        LinkSpec link = null;
        String guest;
        if (kind.onLink()) {
            if (m.has("guest")) {
                throw m.error("guest", "fault '" + kind.yamlName() + "' acts on a link: name it with link: [a, b],"
                        + " not guest");
            }
            link = link(m, kind, topology, server, client);
            guest = link.a();
        } else {
            if (m.has("link")) {
                throw m.error("link", "'link' is only for the link faults (partition, netem), not '"
                        + kind.yamlName() + "': name its guest with guest:");
            }
            guest = m.has("guest") ? m.string("guest") : kind.onServerByDefault() ? server : client;
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
        }
        Netem netem = kind == FaultType.NETEM ? netem(m) : null;
        if (kind != FaultType.NETEM) {
            for (String key : NETEM_KEYS) {
                if (m.has(key)) {
                    throw m.error(key, "'" + key + "' is only for netem faults, not '" + kind.yamlName() + "'");
                }
            }
        }
        Duration at = m.value("at", SpecValues::duration);
        // The fault has to land while the workload runs, or it tests nothing.
        if (at.compareTo(duration) >= 0) {
            throw m.error("at", "fault at (" + SpecValues.format(at) + ") must be less than duration ("
                    + SpecValues.format(duration) + ")");
        }
        if (!kind.healable() && kind != FaultType.KILL_PIN_HOLDER && m.has("heal_after")) {
            throw m.error("heal_after", "fault '" + kind.yamlName() + "' has nothing to heal: remove heal_after");
        }
        Duration healAfter = m.duration("heal_after", DEFAULT_HEAL_AFTER);
        return new FaultSpec(kind.yamlName(), guest, link, netem, at, healAfter, m.line());
    }

    /** {@code link: [a, b]}, two guests joined by a link; without it, the server's link to the client. */
    private static LinkSpec link(SpecMap m, FaultType kind, TopologySpec topology, String server, String client) {
        if (!m.has("link")) {
            LinkSpec dflt = new LinkSpec(server, client);
            if (topology.links().stream().noneMatch(dflt::sameAs)) {
                throw m.errorAtFirst("fault '" + kind.yamlName() + "' needs a link, but topology '" + topology.name()
                        + "' has none between server '" + server + "' and client '" + client + "': name one with link:",
                        "type");
            }
            return dflt;
        }
        List<YamlNode> ends = m.list("link", true);
        if (ends.size() != 2) {
            throw m.error("link", "link must name two guests, such as [target, initiator], got " + ends.size()
                    + " entries");
        }
        String a = SpecMap.item(m.file(), "link", ends.get(0), t -> t);
        String b = SpecMap.item(m.file(), "link", ends.get(1), t -> t);
        for (String g : List.of(a, b)) {
            if (!topology.hasGuest(g)) {
                throw m.error("link", "link names guest '" + g + "' which topology '" + topology.name()
                        + "' does not have (guests: " + topology.guestList() + ")");
            }
        }
        LinkSpec link = new LinkSpec(a, b);
        if (topology.links().stream().noneMatch(link::sameAs)) {
            throw m.error("link", "guests '" + a + "' and '" + b + "' are not linked in topology '" + topology.name()
                    + "' (links: " + String.join(", ", topology.links().stream().map(LinkSpec::describe).toList()) + ")");
        }
        return link;
    }

    /** delay, jitter, loss, duplicate, reorder: each checked at its own line, at least one of them set. */
    private static Netem netem(SpecMap m) {
        Duration delay = m.duration("delay", Duration.ZERO);
        if (delay.compareTo(Netem.MAX_DELAY) > 0) {
            throw m.error("delay", "delay must be at most " + SpecValues.format(Netem.MAX_DELAY) + ", got "
                    + SpecValues.format(delay));
        }
        Duration jitter = m.duration("jitter", Duration.ZERO);
        if (jitter.compareTo(delay) > 0) {
            throw m.error("jitter", "jitter (" + SpecValues.format(jitter) + ") must be at most the delay ("
                    + SpecValues.format(delay) + ")");
        }
        double loss = m.value("loss", 0.0, t -> SpecValues.percent("loss", t));
        double duplicate = m.value("duplicate", 0.0, t -> SpecValues.percent("duplicate", t));
        double reorder = m.value("reorder", 0.0, t -> SpecValues.percent("reorder", t));
        if (reorder > 0 && delay.isZero()) {
            throw m.error("reorder", "reorder needs a delay: only delayed frames can be overtaken");
        }
        Netem n = new Netem(delay, jitter, loss, duplicate, reorder);
        if (n.isNone()) {
            throw m.errorAtFirst("fault 'netem' needs at least one impairment: delay, loss, duplicate or reorder",
                    "type");
        }
        return n;
    }
}
