package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Joins run directories of one spec, run on several hosts (ansible/fanout.yml gives each host one
 * shard of the cells, {@link Sharding}), into one run directory with the same layout: its cells and
 * builds copied in, one results.json, and the reports. Every path in a cell's result is relative to its
 * run directory, so it stays valid after the copy. Shards know every cell of their spec, so a merge of
 * shards names the cells that did not come back.
 */
public final class Merge {
    private Merge() {
    }

    /**
     * @param missing the spec's cells that no run holds, in spec order; empty when complete or when the
     *                runs were not shards (then the merge cannot know the whole)
     * @param note    one line about what is missing and why, or null
     */
    public record Merged(Results results, List<String> missing, String note) {
        public Merged {
            missing = List.copyOf(missing);
        }
    }

    public static Merged merge(RunLayout out, List<Path> runs) {
        return merge(out, runs, null);
    }

    /**
     * @param nightly the nightly the merged run is a night of (a fanned-out {@code kfit nightly}: its workers
     *                ran plain shards); null: the name the runs all carry, if they carry one and the same
     */
    public static Merged merge(RunLayout out, List<Path> runs, String nightly) {
        if (runs.isEmpty()) {
            throw new BadInputException("nothing to merge: name at least one run directory");
        }
        String spec = null;
        Path specFrom = null;
        Map<String, Path> cellFrom = new LinkedHashMap<>();
        List<CellResult> cells = new ArrayList<>();
        Map<String, Results.KernelInfo> kernels = new LinkedHashMap<>();
        Set<String> hosts = new LinkedHashSet<>();
        Set<String> qemus = new LinkedHashSet<>();
        Set<String> accels = new LinkedHashSet<>();
        Set<String> images = new LinkedHashSet<>();
        String startedAt = null;
        Map<Integer, Path> shardFrom = new LinkedHashMap<>();
        Integer shardCount = null;
        List<String> specCells = null;
        Path previous = null; // the results.json read before this one
        Set<String> nightlies = new LinkedHashSet<>(); // null for a run that was no night
        for (Path run : runs) {
            RunLayout in = new RunLayout(run.toAbsolutePath().normalize());
            if (in.dir().equals(out.dir())) {
                throw new BadInputException(run + ": is the output directory itself");
            }
            Results r = in.readResults();
            if (!Files.isRegularFile(in.spec())) {
                throw new BadInputException(in.spec() + ": no such file (a run directory keeps the spec it ran)");
            }
            String text = read(in.spec());
            if (spec == null) {
                spec = text;
                specFrom = in.spec();
            } else if (!spec.equals(text)) {
                throw new BadInputException(in.spec() + ": another spec than " + specFrom + "; only runs of one spec merge");
            }
            // Shards of one split, or no shards at all: anything else cannot be checked for completeness.
            Sharding.Index shard = r.run().shard() == null ? null : Sharding.Index.parse(in.results() + ": shard", r.run().shard());
            if (previous != null && (shard == null) != (shardCount == null)) {
                throw new BadInputException(in.results() + ": " + (shard == null ? "not a shard" : "shard " + shard)
                        + ", but " + previous + " " + (shardCount == null ? "is not a shard" : "is one")
                        + "; merge the shards of one split, or runs without --shard");
            }
            if (shard != null) {
                if (shardCount != null && (shardCount != shard.count() || !specCells.equals(r.run().specCells()))) {
                    throw new BadInputException(in.results() + ": shard " + shard + " of another split than "
                            + previous + " (" + shardCount + " shards); run every worker with the same spec, options and --durations");
                }
                Path first = shardFrom.putIfAbsent(shard.index(), in.dir());
                if (first != null) {
                    throw new BadInputException(in.dir() + ": shard " + shard + " is also in " + first + "; merge one of them");
                }
                shardCount = shard.count();
                specCells = r.run().specCells() == null ? List.of() : r.run().specCells();
            }
            previous = in.results();
            for (CellResult c : r.cells()) {
                Path first = cellFrom.putIfAbsent(c.id(), in.dir());
                if (first != null) {
                    throw new BadInputException(in.dir() + ": cell " + c.id() + " is also in " + first
                            + " (give each host its own shard, or merge only one of them)");
                }
                cells.add(c);
            }
            r.run().kernels().forEach(k -> kernels.putIfAbsent(k.label(), k));
            nightlies.add(r.run().nightly());
            hosts.add(r.run().host());
            if (!r.cells().isEmpty()) { // an empty shard ran no QEMU and booted no image
                qemus.add(r.run().qemu());
                accels.add(r.run().accel());
                images.add(r.run().guestImage());
            }
            if (startedAt == null || r.run().startedAt().compareTo(startedAt) < 0) {
                startedAt = r.run().startedAt();
            }
        }
        try {
            Files.createDirectories(out.dir());
            Files.writeString(out.spec(), spec);
            for (CellResult c : cells) {
                copyTree(cellFrom.get(c.id()).resolve("cells").resolve(c.id()), out.cell(c.id()));
            }
            for (Path run : runs) {
                copyTree(run.toAbsolutePath().normalize().resolve("builds"), out.builds());
            }
        } catch (IOException e) {
            throw new InfraException("cannot write " + out.dir() + ": " + e.getMessage(), e);
        }
        // In the spec's order, as a run of the whole spec would have them.
        if (specCells != null) {
            Map<String, Integer> order = new java.util.HashMap<>();
            specCells.forEach(id -> order.putIfAbsent(id, order.size()));
            cells.sort(java.util.Comparator.comparingInt(c -> order.getOrDefault(c.id(), Integer.MAX_VALUE)));
        }
        Integer n = shardCount;
        String night = nightly != null ? nightly : nightlies.size() == 1 ? nightlies.iterator().next() : null;
        Results merged = new Results(new Results.RunInfo(out.relative(out.spec()), startedAt, String.join(", ", hosts),
                String.join(" | ", qemus), String.join(", ", accels), List.copyOf(kernels.values()), String.join(", ", images),
                "merged from " + runs.size() + " run(s) on " + String.join(", ", hosts)
                        + (n == null ? "" : " (shards " + String.join(", ", shardFrom.keySet().stream().sorted()
                        .map(i -> i + "/" + n).toList()) + ")"),
                null, specCells).withNightly(night), cells);
        Runner.publish(merged, out);
        List<String> missing = specCells == null ? List.of() : specCells.stream().filter(id -> !cellFrom.containsKey(id)).toList();
        String note = null;
        if (!missing.isEmpty()) {
            List<String> absent = java.util.stream.IntStream.rangeClosed(1, n).filter(i -> !shardFrom.containsKey(i))
                    .mapToObj(i -> i + "/" + n).toList();
            note = "missing " + missing.size() + " of " + specCells.size() + " cells of the spec: " + String.join(", ", missing)
                    + (absent.isEmpty() ? " (every shard came back: a worker stopped before its last cells)"
                    : " (no run of shard " + String.join(", ", absent) + " was given: its worker failed?)");
        }
        return new Merged(merged, missing, note);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new InfraException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Copies {@code from} into {@code to}, replacing files of the same name; a missing {@code from} copies nothing. */
    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
