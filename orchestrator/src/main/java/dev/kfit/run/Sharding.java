package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.spec.CellSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a spec's cells into N shards of about the same expected duration, so N workers that each run
 * one ({@code kfit run --shard I/N}) finish together. Longest expected cell first, each to the shard with
 * the least so far: a shard ends at most one longest cell after the others. No randomness and no
 * dependence on the machine, so every worker computes the same split from the same spec on its own.
 */
public final class Sharding {
    /** More workers than this is a typo, not a lab. */
    static final int MAX_SHARDS = 1000;
    private static final Pattern SYNTAX = Pattern.compile("([0-9]{1,9})/([0-9]{1,9})");

    private Sharding() {
    }

    /** Shard {@code index} (1-based) of {@code count}, written {@code I/N}. */
    public record Index(int index, int count) {
        public Index {
            if (count < 1 || index < 1 || index > count) {
                throw new IllegalArgumentException("shard " + index + "/" + count + " out of range");
            }
        }

        /** {@code text} as given to {@code option}; anything but 1 &lt;= I &lt;= N is bad input naming the option. */
        public static Index parse(String option, String text) {
            Matcher m = SYNTAX.matcher(text.strip());
            if (!m.matches()) {
                throw new BadInputException(option + " '" + text + "': expected I/N, shard I of N counted from 1, e.g. 2/3");
            }
            int i = Integer.parseInt(m.group(1));
            int n = Integer.parseInt(m.group(2));
            checkCount(option + " " + text, n);
            if (i < 1 || i > n) {
                throw new BadInputException(option + " " + text + ": I must be between 1 and " + n + " (shards count from 1)");
            }
            return new Index(i, n);
        }

        @Override
        public String toString() {
            return index + "/" + count;
        }
    }

    /** A cell and how long it is expected to take. */
    public record Estimated(CellSpec cell, CellDurations.Estimate estimate) {
        public Duration expected() {
            return estimate.expected();
        }
    }

    /**
     * One shard's cells, in the spec's order (so a worker builds and runs kernel by kernel as usual).
     *
     * @param allCells every cell id of the split, in spec order: what all shards together run
     */
    public record Shard(Index index, List<Estimated> cells, List<String> allCells) {
        public Shard {
            cells = List.copyOf(cells);
            allCells = List.copyOf(allCells);
        }

        public Duration total() {
            return cells.stream().map(Estimated::expected).reduce(Duration.ZERO, Duration::plus);
        }

        public List<CellSpec> specs() {
            return cells.stream().map(Estimated::cell).toList();
        }
    }

    /** {@code n} must be a usable shard count; {@code what} names where it came from. */
    public static void checkCount(String what, int n) {
        if (n < 1 || n > MAX_SHARDS) {
            throw new BadInputException(what + ": the number of shards must be between 1 and " + MAX_SHARDS + ", got " + n);
        }
    }

    /** {@code cells} into {@code n} shards; more shards than cells leaves the last ones empty. */
    public static List<Shard> split(List<CellSpec> cells, int n, CellDurations durations) {
        checkCount("shards", n);
        List<Estimated> estimated = cells.stream().map(c -> new Estimated(c, durations.of(c))).toList();
        // Longest first; equal ones in spec order, so the order, and with it the split, is total.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < estimated.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing((Integer i) -> estimated.get(i).expected()).reversed()
                .thenComparing(Comparator.naturalOrder()));
        long[] loadMs = new long[n];
        List<List<Integer>> members = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            members.add(new ArrayList<>());
        }
        List<java.util.Set<String>> kernels = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            kernels.add(new java.util.HashSet<>());
        }
        for (int i : order) {
            String kernel = estimated.get(i).cell().kernel().label();
            int least = 0;
            for (int s = 1; s < n; s++) {
                // Among equally loaded shards, one that already builds this kernel (a build takes minutes
                // and is not in the estimate); else the lowest.
                if (loadMs[s] < loadMs[least]
                        || loadMs[s] == loadMs[least] && kernels.get(s).contains(kernel) && !kernels.get(least).contains(kernel)) {
                    least = s;
                }
            }
            loadMs[least] += estimated.get(i).expected().toMillis();
            members.get(least).add(i);
            kernels.get(least).add(kernel);
        }
        List<String> all = cells.stream().map(CellSpec::id).toList();
        List<Shard> shards = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            List<Integer> mine = members.get(s);
            mine.sort(Comparator.naturalOrder());
            shards.add(new Shard(new Index(s + 1, n), mine.stream().map(estimated::get).toList(), all));
        }
        return List.copyOf(shards);
    }

    /** What {@code kfit shard} prints: each shard's expected total and cells, then the spread. */
    public static String render(List<Shard> shards) {
        StringBuilder out = new StringBuilder();
        int cells = shards.isEmpty() ? 0 : shards.get(0).allCells().size();
        int width = shards.stream().flatMap(s -> s.cells().stream()).mapToInt(e -> e.cell().id().length()).max().orElse(0);
        for (Shard s : shards) {
            if (s.cells().isEmpty()) {
                out.append("shard ").append(s.index()).append(": no cells (").append(cells).append(" cells for ")
                        .append(shards.size()).append(" shards)\n");
                continue;
            }
            out.append("shard ").append(s.index()).append(": ").append(s.cells().size())
                    .append(s.cells().size() == 1 ? " cell" : " cells").append(", expected ").append(seconds(s.total())).append('\n');
            for (Estimated e : s.cells()) {
                out.append(String.format("  %-" + width + "s  %8s  %s%n", e.cell().id(), seconds(e.expected()), e.estimate().basis()));
            }
        }
        Duration longest = shards.stream().map(Shard::total).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        Duration shortest = shards.stream().map(Shard::total).min(Comparator.naturalOrder()).orElse(Duration.ZERO);
        out.append(String.format("%d cells over %d shards: longest shard %s, shortest %s%n",
                cells, shards.size(), seconds(longest), seconds(shortest)));
        return out.toString();
    }

    /** Whole seconds, so a listing reads the same on every worker. */
    public static String seconds(Duration d) {
        return Progress.duration(Math.round(d.toMillis() / 1000.0));
    }
}
