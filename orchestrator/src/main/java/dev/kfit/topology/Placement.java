package dev.kfit.topology;

import dev.kfit.error.InfraException;
import dev.kfit.host.Host;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which host runs each guest of a topology, in the topology's guest order. */
public record Placement(Map<String, Host> hosts) {
    public Placement {
        hosts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
    }

    /** Every guest on {@code host}. */
    public static Placement allOn(Host host, List<String> guests) {
        Map<String, Host> m = new LinkedHashMap<>();
        guests.forEach(g -> m.put(g, host));
        return new Placement(m);
    }

    public Host of(String guest) {
        Host h = hosts.get(guest);
        if (h == null) {
            throw new InfraException("guest '" + guest + "' has no host in this placement (" + names() + ")");
        }
        return h;
    }

    /** The hosts used, each once, in guest order. */
    public Set<Host> distinctHosts() {
        return new LinkedHashSet<>(hosts.values());
    }

    /** guest -> host name, for results and messages. */
    public Map<String, String> names() {
        Map<String, String> m = new LinkedHashMap<>();
        hosts.forEach((g, h) -> m.put(g, h.name()));
        return m;
    }
}
