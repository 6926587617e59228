package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.host.Host;
import dev.kfit.spec.GuestRole;
import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.topology.Placement;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts cells on hosts. Each host admits guests by the {@link Capacity} rule (one core per guest vCPU,
 * memory within what it has; a cell too big for a host still runs there alone). A topology's guests
 * go where their {@code host:} says, else all on one host ({@code pack}) or each on another
 * ({@code spread}). The next cell starts on whichever host frees up first; a host found dead gets no
 * more cells.
 */
final class Scheduler {
    private final List<Slot> slots = new ArrayList<>();
    private final Set<Host> dead = new LinkedHashSet<>();

    /** One host and what runs on it. */
    private record Slot(Host host, Capacity capacity, long memoryMb) {
    }

    /** {@code jobs} > 0: that many cells at once per host, whatever they cost. */
    Scheduler(List<Host> hosts, int jobs) {
        for (Host h : hosts) {
            Host.Resources r = h.resources();
            slots.add(new Slot(h, jobs > 0 ? Capacity.ofJobs(jobs) : Capacity.ofMachine(r.cores(), r.memoryMb()), r.memoryMb()));
        }
    }

    List<Host> hosts() {
        return slots.stream().map(Slot::host).toList();
    }

    /**
     * Checks up front that every topology can be placed on these hosts: a {@code host:} the inventory
     * lacks, a spread over more guests than hosts, or a guest bigger than every host is bad input.
     */
    void check(TopologySpec topology, GuestSpec guest, String where) {
        for (GuestRole g : topology.guests()) {
            if (g.host() != null && slot(g.host()) == null) {
                throw new BadInputException(where + ": topology '" + topology.name() + "' puts guest '" + g.name()
                        + "' on host '" + g.host() + "', which the run does not have (hosts: " + names() + ")");
            }
            long need = memoryOf(g, guest);
            boolean anyFits = slots.stream().anyMatch(s -> s.memoryMb() <= 0 || need <= s.memoryMb());
            if (!anyFits) {
                throw new BadInputException(where + ": guest '" + g.name() + "' of topology '" + topology.name()
                        + "' needs " + need + " MiB, more than any host has (" + describe() + "): it fits on no host");
            }
        }
        if (topology.placement() == TopologySpec.Placement.SPREAD) {
            long free = topology.guests().stream().filter(g -> g.host() == null).count();
            if (free > slots.size()) {
                throw new BadInputException(where + ": topology '" + topology.name() + "' spreads " + free
                        + " guests over distinct hosts, but the run has " + slots.size() + " (" + names() + ")");
            }
        }
    }

    /**
     * Blocks until the topology's guests fit somewhere, then takes their room and says where they go.
     * Fails at once when no live host could ever take them.
     */
    synchronized Placement acquire(TopologySpec topology, GuestSpec guest, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            Map<String, Slot> chosen = choose(topology, guest, true);
            if (chosen != null) {
                take(topology, guest, chosen, true);
                Map<String, Host> m = new LinkedHashMap<>();
                chosen.forEach((g, s) -> m.put(g, s.host()));
                return new Placement(m);
            }
            if (choose(topology, guest, false) == null) {
                throw new InfraException("no live host can take topology '" + topology.name() + "' (dead: "
                        + dead.stream().map(Host::name).toList() + ", hosts: " + names() + ")");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new InfraException("no room for topology '" + topology.name() + "' on any host after " + max.toHours() + " h");
            }
            wait(Math.max(1, Math.min(left / 1_000_000, 5_000)));
        }
    }

    synchronized void release(TopologySpec topology, GuestSpec guest, Placement placement) {
        Map<String, Slot> m = new LinkedHashMap<>();
        placement.hosts().forEach((g, h) -> m.put(g, slotOf(h)));
        take(topology, guest, m, false);
        notifyAll();
    }

    /** A host that stopped answering: no more cells go there. */
    synchronized void markDead(Host h) {
        dead.add(h);
        notifyAll();
    }

    synchronized boolean isDead(Host h) {
        return dead.contains(h);
    }

    /**
     * Where each guest would go: {@code now} = with what runs at the moment, else on idle live hosts
     * (can it ever be placed?). Null when it does not fit.
     */
    private Map<String, Slot> choose(TopologySpec topology, GuestSpec guest, boolean now) {
        List<Slot> live = slots.stream().filter(s -> !dead.contains(s.host())).toList();
        Map<String, Slot> placed = new LinkedHashMap<>();
        for (GuestRole g : topology.guests()) {
            if (g.host() != null) {
                Slot s = slot(g.host());
                if (s == null || dead.contains(s.host())) {
                    return null;
                }
                placed.put(g.name(), s);
            }
        }
        List<GuestRole> free = topology.guests().stream().filter(g -> g.host() == null).toList();
        if (free.isEmpty()) {
            return fits(topology, guest, placed, now) ? placed : null;
        }
        List<Slot> order = new ArrayList<>(live);
        // The least loaded host first, so cells spread over idle hosts before doubling up.
        order.sort(Comparator.comparingInt((Slot s) -> s.capacity().usedCpus()).thenComparing(s -> slots.indexOf(s)));
        if (topology.placement() == TopologySpec.Placement.SPREAD) {
            Set<Slot> used = new LinkedHashSet<>(placed.values());
            for (GuestRole g : free) {
                Slot pick = order.stream().filter(s -> !used.contains(s)).filter(s -> {
                    Map<String, Slot> trial = new LinkedHashMap<>(placed);
                    trial.put(g.name(), s);
                    return fits(topology, guest, trial, now);
                }).findFirst().orElse(null);
                if (pick == null) {
                    return null;
                }
                placed.put(g.name(), pick);
                used.add(pick);
            }
            return placed;
        }
        for (Slot s : order) {
            Map<String, Slot> trial = new LinkedHashMap<>(placed);
            free.forEach(g -> trial.put(g.name(), s));
            if (fits(topology, guest, trial, now)) {
                return trial;
            }
        }
        return null;
    }

    /** Whether each host can take its share of the topology beside (now) or instead of (ever) what runs. */
    private boolean fits(TopologySpec topology, GuestSpec guest, Map<String, Slot> placed, boolean now) {
        for (Map.Entry<Slot, Capacity.Cost> e : costs(topology, guest, placed).entrySet()) {
            Slot s = e.getKey();
            if (s.memoryMb() > 0 && e.getValue().memoryMb() > s.memoryMb()) {
                return false; // more than the host has at all: never runs there
            }
            if (now && !s.capacity().fits(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private void take(TopologySpec topology, GuestSpec guest, Map<String, Slot> placed, boolean acquire) {
        for (Map.Entry<Slot, Capacity.Cost> e : costs(topology, guest, placed).entrySet()) {
            if (acquire) {
                e.getKey().capacity().take(e.getValue());
            } else {
                e.getKey().capacity().release(e.getValue());
            }
        }
    }

    private static Map<Slot, Capacity.Cost> costs(TopologySpec topology, GuestSpec guest, Map<String, Slot> placed) {
        Map<Slot, Capacity.Cost> per = new LinkedHashMap<>();
        for (GuestRole g : topology.guests()) {
            Slot s = placed.get(g.name());
            if (s == null) {
                continue; // not placed yet (spread places one guest at a time)
            }
            Capacity.Cost c = per.getOrDefault(s, new Capacity.Cost(0, 0));
            per.put(s, new Capacity.Cost(c.cpus() + guest.cpus(), c.memoryMb() + memoryOf(g, guest)));
        }
        return per;
    }

    /** What a whole topology costs on one host: its guests' vCPUs, and their memory plus QEMU's. */
    static Capacity.Cost cost(TopologySpec topology, GuestSpec guest) {
        int cpus = 0;
        long mem = 0;
        for (GuestRole g : topology.guests()) {
            cpus += guest.cpus();
            mem += memoryOf(g, guest);
        }
        return new Capacity.Cost(cpus, mem);
    }

    static long memoryOf(GuestRole g, GuestSpec guest) {
        return guest.memoryMb() + g.cmbMb() + Capacity.QEMU_OVERHEAD_MB;
    }

    private Slot slot(String name) {
        return slots.stream().filter(s -> s.host().name().equals(name)).findFirst().orElse(null);
    }

    private Slot slotOf(Host h) {
        return slots.stream().filter(s -> s.host() == h).findFirst()
                .orElseThrow(() -> new IllegalStateException("host " + h.name() + " is not scheduled"));
    }

    private String names() {
        return String.join(", ", slots.stream().map(s -> s.host().name()).toList());
    }

    /** For the run's report: how cells shared the hosts. */
    String describe() {
        List<String> parts = new ArrayList<>();
        for (Slot s : slots) {
            parts.add(s.host().name() + ": " + s.capacity().describe());
        }
        return String.join("; ", parts);
    }
}
