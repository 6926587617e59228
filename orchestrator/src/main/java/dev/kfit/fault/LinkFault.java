package dev.kfit.fault;

import dev.kfit.error.InfraException;
import dev.kfit.history.History;
import dev.kfit.spec.LinkSpec;
import dev.kfit.spec.Netem;
import dev.kfit.topology.LinkRelay;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A fault on the link between two guests, done by the link's relay (kfit-link), not by either guest.
 * partition: the relay drops all of the link's traffic both ways; netem: it delays, loses, duplicates
 * or reorders frames. Heal: the relay forwards unimpaired again. The history records the relay's own
 * time ({@code relay_ns}, its host's CLOCK_MONOTONIC) for each step next to kfit's, and the relay's
 * counters when healed (what the fault dropped).
 */
public final class LinkFault implements Fault {
    private final String type;
    private final LinkSpec link;
    private final LinkRelay relay;
    private final Netem netem;
    private final History history;
    private FaultTiming timing = FaultTiming.NOT_STARTED;

    private LinkFault(String type, LinkSpec link, LinkRelay relay, Netem netem, History history) {
        this.type = type;
        this.link = Objects.requireNonNull(link, "link");
        this.relay = Objects.requireNonNull(relay, "relay");
        this.netem = netem;
        this.history = Objects.requireNonNull(history, "history");
    }

    public static LinkFault partition(LinkSpec link, LinkRelay relay, History history) {
        return new LinkFault("partition", link, relay, null, history);
    }

    public static LinkFault netem(LinkSpec link, LinkRelay relay, Netem netem, History history) {
        if (Objects.requireNonNull(netem, "netem").isNone()) {
            throw new IllegalArgumentException("a netem fault needs an impairment");
        }
        return new LinkFault("netem", link, relay, netem, history);
    }

    @Override
    public String type() {
        return type;
    }

    /** The link's first guest: reports place a fault against a guest. */
    @Override
    public String guest() {
        return link.a();
    }

    public LinkSpec link() {
        return link;
    }

    /** Fires now: the relay acts when the command arrives ({@code atGuestNs} is not used). */
    @Override
    public void inject(long atGuestNs) {
        Map<String, Object> ev = event();
        timing = TimedInjection.run(history, InfraException.class,
                () -> netem == null ? relay.partition() : relay.netem(netem),
                relayNs -> {
                    ev.put("relay_ns", relayNs);
                    return ev;
                },
                e -> {
                    ev.put("message", e.getMessage());
                    return ev;
                });
    }

    @Override
    public FaultTiming poll() {
        return timing;
    }

    /** Heals also after a failed injection: the command may have reached the relay before the answer was lost. */
    @Override
    public void heal() {
        if (timing.startedHostNs() == null || timing.healOk() != null) {
            return;
        }
        Map<String, Object> ev = event();
        try {
            long relayNs = relay.heal();
            ev.put("relay_ns", relayNs);
            ev.put("ok", true);
            try {
                ev.put("stats", relay.stats());
            } catch (InfraException e) {
                ev.put("stats_error", e.getMessage()); // healed all the same
            }
            history.host("fault_heal", ev);
            timing = timing.healed(System.nanoTime(), true, timing.detail());
        } catch (InfraException e) {
            ev.put("ok", false);
            ev.put("message", e.getMessage());
            history.host("fault_heal", ev);
            timing = timing.healed(System.nanoTime(), false, e.getMessage());
        }
    }

    private Map<String, Object> event() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fault", type);
        m.put("guest", link.a());
        m.put("link", link.describe());
        m.put("relay", relay.name());
        if (netem != null) {
            m.put("netem", netem.describe());
        }
        return m;
    }
}
