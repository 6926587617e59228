package dev.kfit.spec;

import dev.kfit.error.BadInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The guests a scenario runs on and the network links between them. {@link #SINGLE} and {@link #PAIR}
 * are built in; a spec may define more under {@code topologies:}.
 */
public record TopologySpec(String name, List<GuestRole> guests, List<LinkSpec> links, Placement placement) {
    public static final String SINGLE = "single";
    public static final String PAIR = "pair";
    public static final String TARGET = "target";
    public static final String INITIATOR = "initiator";
    static final List<String> KEYS = List.of("name", "guests", "links", "placement");

    /**
     * How a topology's guests without {@code host:} are put on the run's hosts: all on one host
     * ({@code pack}, the default: links stay on loopback) or each on a different host ({@code spread}:
     * links cross the hosts' network). Only matters with {@code --hosts}.
     */
    public enum Placement {
        PACK, SPREAD;

        static Placement parse(String text) {
            for (Placement p : values()) {
                if (p.name().equalsIgnoreCase(text)) {
                    return p;
                }
            }
            throw new SpecProblem("unknown placement '" + text + "' (known: pack, spread)");
        }
    }

    public TopologySpec {
        Objects.requireNonNull(name, "name");
        guests = List.copyOf(guests);
        links = List.copyOf(links);
        Objects.requireNonNull(placement, "placement");
    }

    public TopologySpec(String name, List<GuestRole> guests, List<LinkSpec> links) {
        this(name, guests, links, Placement.PACK);
    }

    /** The guest called {@code guestName}, or null. */
    public GuestRole find(String guestName) {
        return guests.stream().filter(g -> g.name().equals(guestName)).findFirst().orElse(null);
    }

    public boolean hasGuest(String guestName) {
        return find(guestName) != null;
    }

    /** The links {@code guestName} is on, in spec order. */
    public List<LinkSpec> linksOf(String guestName) {
        return links.stream().filter(l -> l.touches(guestName)).toList();
    }

    /** "target, initiator": for messages. */
    public String guestList() {
        return String.join(", ", guests.stream().map(GuestRole::name).toList());
    }

    /**
     * {@code single}: the target alone; {@code pair}: the target and an initiator without NVMe, linked.
     * The target's CMB is the spec's {@code guest.cmb}, so specs written before topologies keep their meaning.
     */
    public static List<TopologySpec> builtIns(GuestSpec guest) {
        GuestRole target = new GuestRole(TARGET, guest.cmbMb());
        return List.of(
                new TopologySpec(SINGLE, List.of(target), List.of()),
                new TopologySpec(PAIR, List.of(target, new GuestRole(INITIATOR, 0)),
                        List.of(new LinkSpec(TARGET, INITIATOR))));
    }

    /** The built-ins followed by the spec's {@code topologies:}, checked. */
    static List<TopologySpec> parseAll(SpecMap top, GuestSpec guest) {
        List<TopologySpec> all = new ArrayList<>(builtIns(guest));
        List<String> builtInNames = all.stream().map(TopologySpec::name).toList();
        Map<String, Integer> seen = new HashMap<>();
        for (YamlNode node : top.list("topologies", false)) {
            SpecMap m = SpecMap.of(top.file(), node, "topology").allowOnly(KEYS);
            String name = m.value("name", t -> SpecLoader.label("topology name", t));
            // Scenarios default to the built-ins: redefining one would silently change them all.
            if (builtInNames.contains(name)) {
                throw m.error("name", "topology '" + name + "' is built in");
            }
            SpecLoader.unique(m, "name", "topology name", name, seen);
            all.add(parse(name, m));
        }
        return List.copyOf(all);
    }

    private static TopologySpec parse(String name, SpecMap m) {
        List<YamlNode> guestNodes = m.list("guests", true);
        if (guestNodes.isEmpty()) {
            throw m.error("guests", "'guests' is empty: list at least one guest");
        }
        List<GuestRole> guests = new ArrayList<>();
        Map<String, Integer> guestNames = new HashMap<>();
        for (YamlNode node : guestNodes) {
            SpecMap g = SpecMap.of(m.file(), node, "topology guest").allowOnly(GuestRole.KEYS);
            GuestRole guest = GuestRole.parse(g);
            SpecLoader.unique(g, "name", "guest name", guest.name(), guestNames);
            guests.add(guest);
        }
        TopologySpec partial = new TopologySpec(name, guests, List.of());

        List<LinkSpec> links = new ArrayList<>();
        List<Integer> linkLines = new ArrayList<>();
        for (YamlNode node : m.list("links", false)) {
            LinkSpec link = link(m, node, partial);
            for (int i = 0; i < links.size(); i++) {
                if (links.get(i).sameAs(link)) {
                    throw BadInputException.at(m.file(), node.line(), "duplicate link " + link.describe()
                            + " (first at line " + linkLines.get(i) + ")");
                }
            }
            links.add(link);
            linkLines.add(node.line());
        }
        Placement placement = m.value("placement", Placement.PACK, Placement::parse);
        return new TopologySpec(name, guests, links, placement);
    }

    private static LinkSpec link(SpecMap m, YamlNode node, TopologySpec topology) {
        if (!(node instanceof YamlNode.Seq seq) || seq.items().size() != 2
                || seq.items().stream().anyMatch(i -> !(i instanceof YamlNode.Scalar s) || s.isEmpty())) {
            String got = node instanceof YamlNode.Seq list ? "a list of " + list.items().size() + " entries"
                    + (list.items().size() == 2 ? " that are not both names" : "") : node.describe();
            throw BadInputException.at(m.file(), node.line(),
                    "each link must be a two-element list [guest, guest] such as [target, initiator], got " + got);
        }
        String[] ends = new String[2];
        for (int i = 0; i < 2; i++) {
            YamlNode.Scalar end = (YamlNode.Scalar) seq.items().get(i);
            if (!topology.hasGuest(end.text())) {
                throw BadInputException.at(m.file(), end.line(), "link names unknown guest '" + end.text()
                        + "' (guests: " + topology.guestList() + ")");
            }
            ends[i] = end.text();
        }
        if (ends[0].equals(ends[1])) {
            throw BadInputException.at(m.file(), node.line(), "link from guest '" + ends[0] + "' to itself");
        }
        return new LinkSpec(ends[0], ends[1]);
    }

    /**
     * The topology a scenario names with {@code topology:}, or {@code dflt}; an unknown name is an error at
     * that line.
     */
    public static TopologySpec pick(SpecMap m, String dflt, List<TopologySpec> topologies) {
        String name = m.has("topology") ? m.string("topology") : dflt;
        return topologies.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() ->
                m.error("topology", "unknown topology '" + name + "' (known: "
                        + String.join(", ", topologies.stream().map(TopologySpec::name).toList()) + ")"));
    }
}
