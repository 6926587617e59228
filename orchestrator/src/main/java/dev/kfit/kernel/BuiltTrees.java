package dev.kfit.kernel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kfit.cache.Cache;
import dev.kfit.error.InfraException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * Built kernel trees (sources and objects) kept in the cache, {@code trees/<key>/}, so that a kernel that
 * differs from one already built by a few patches (a bisection step, the patched sibling of a plain
 * kernel) is built in that tree: it is taken out of the cache ({@link #take}, a rename that keeps every
 * mtime), {@code patch} touches only what it changes, make recompiles only that, and the tree is kept
 * again as the new build's. One tree per family thus walks from build to build. A family is what must be equal for a tree to serve:
 * the recipe, the source (for a git source: the repository, since another commit is a diff away), the
 * compiler and the config fragments' contents. Within a family a tree is keyed by its base (the source's
 * identity) and its patches' contents, in order. Only the {@link #keep} most recently kept trees stay.
 *
 * <p>The kernel cache's keys do not change: a tree only shortens how an entry is made, never what it is
 * (the same configuration steps run on a taken tree as on a fresh one).
 */
public final class BuiltTrees {
    static final String AREA = "trees";
    static final String META = "tree.json";
    /** How many trees stay by default ({@code KFIT_KEEP_TREES} overrides; 0 keeps none). */
    static final int DEFAULT_KEEP = 3;
    /** A base change of more files than this is not worth moving a tree: build afresh. */
    static final int MAX_REBASE_FILES = 20_000;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * A kept tree.
     *
     * @param base        the source identity its patches were applied to (for git: {@code git:<commit>})
     * @param patchSha256 its patches' contents, in the order applied; their files are in {@code patches/}
     * @param patchNames  their file names, as the build named them
     * @param lastUsed    milliseconds since the epoch: when it was kept (a taken tree comes back as a new one)
     */
    public record Kept(String key, String family, String base, List<String> patchSha256, List<String> patchNames,
                       long lastUsed) {
        public Kept {
            patchSha256 = List.copyOf(patchSha256);
            patchNames = List.copyOf(patchNames);
        }
    }

    /**
     * How to turn a kept tree into the wanted one: reverse its last {@code reverse} patches, move its
     * base to the wanted base when {@code rebase}, then apply the wanted patches from {@code applyFrom} on.
     */
    public record Plan(Kept from, int reverse, boolean rebase, int applyFrom, int cost) {
    }

    private final Cache cache;
    private final int keep;

    public BuiltTrees(Cache cache, int keep) {
        if (keep < 0) {
            throw new IllegalArgumentException("trees to keep: at least 0, got " + keep);
        }
        this.cache = cache;
        this.keep = keep;
    }

    /** With {@code KFIT_KEEP_TREES} from the environment, else {@link #DEFAULT_KEEP}. */
    public static BuiltTrees fromEnvironment(Cache cache) {
        String env = System.getenv("KFIT_KEEP_TREES");
        int n = DEFAULT_KEEP;
        if (env != null && !env.isBlank()) {
            try {
                n = Integer.parseInt(env.strip());
            } catch (NumberFormatException e) {
                throw new dev.kfit.error.BadInputException("KFIT_KEEP_TREES='" + env + "': not a number");
            }
        }
        return new BuiltTrees(cache, Math.max(0, n));
    }

    public int keep() {
        return keep;
    }

    /** The family key: what every tree that can serve a build shares. */
    public static String family(String recipe, String familySource, String compiler, List<Path> fragments) {
        Cache.Key k = new Cache.Key().add("recipe", recipe).add("family", familySource).add("compiler", compiler);
        for (Path f : fragments) {
            k.addFile("fragment", f);
        }
        return k.hex();
    }

    /** A tree's key within its family. */
    public static String key(String family, String base, List<String> patchSha256) {
        Cache.Key k = new Cache.Key().add("family", family).add("base", base);
        patchSha256.forEach(p -> k.add("patch", p));
        return k.hex();
    }

    /**
     * The cheapest way to the wanted tree from a kept one of its family, or null when none serves.
     * Cost: patches to reverse and apply, plus for another base the files that differ
     * ({@code rebaseFiles}, negative when the bases cannot be moved between, e.g. not a git source).
     * Of equal costs, the most recently used tree wins.
     */
    public static Plan choose(List<Kept> kept, String family, String base, List<String> wanted,
                              ToIntFunction<Kept> rebaseFiles) {
        Plan best = null;
        for (Kept k : kept) {
            if (!k.family().equals(family)) {
                continue;
            }
            Plan p;
            if (k.base().equals(base)) {
                int common = commonPrefix(k.patchSha256(), wanted);
                p = new Plan(k, k.patchSha256().size() - common, false, common,
                        k.patchSha256().size() - common + wanted.size() - common);
            } else {
                int files = rebaseFiles.applyAsInt(k);
                if (files < 0 || files > MAX_REBASE_FILES) {
                    continue;
                }
                p = new Plan(k, k.patchSha256().size(), true, 0, files + k.patchSha256().size() + wanted.size());
            }
            if (best == null || p.cost() < best.cost()
                    || (p.cost() == best.cost() && p.from().lastUsed() > best.from().lastUsed())) {
                best = p;
            }
        }
        return best;
    }

    static int commonPrefix(List<String> a, List<String> b) {
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        return i;
    }

    /** The kept trees, most recently used first; unreadable entries are left out. */
    public List<Kept> list() {
        Path area = cache.dir(AREA);
        List<Kept> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(area)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                Kept k = read(d);
                if (k != null) {
                    out.add(k);
                }
            }
        } catch (IOException e) {
            throw new InfraException("cannot list " + area + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingLong(Kept::lastUsed).reversed());
        return out;
    }

    /** The tree (sources and objects) of a kept entry. */
    public Path tree(Kept k) {
        return cache.dir(AREA).resolve(k.key()).resolve("tree");
    }

    /** The file of a kept entry's {@code i}-th patch (0-based), for reversing it. */
    public Path patch(Kept k, int i) {
        return patchIn(cache.dir(AREA).resolve(k.key()).resolve("patches"), k, i);
    }

    /** The {@code i}-th patch (0-based) of {@code k} among patch files copied to {@code dir} by {@link #take}. */
    public static Path patchIn(Path dir, Kept k, int i) {
        return dir.resolve(String.format("%04d-%s", i + 1, k.patchNames().get(i)));
    }

    /**
     * Takes a kept tree out of the cache for a build, with {@link #lock()} held: the tree is renamed to
     * {@code tree} (on 2 cores a copy of its 2 GB took 10 to 25 s of every incremental build) and its patch
     * files are copied to {@code patchesTo}; the entry is gone until that build keeps its own tree. The
     * build holds its family's lock meanwhile ({@link #lockFamily}), so that the next build of the family
     * waits for the tree instead of starting from scratch.
     */
    public void take(Kept k, Path tree, Path patchesTo) throws IOException {
        Path entry = cache.dir(AREA).resolve(k.key());
        Files.move(entry.resolve("tree"), tree, StandardCopyOption.ATOMIC_MOVE);
        Files.createDirectories(patchesTo);
        for (int i = 0; i < k.patchNames().size(); i++) {
            Files.copy(patch(k, i), patchIn(patchesTo, k, i));
        }
        Cache.deleteTree(entry);
    }

    /** Holds the trees' lock until closed: taking, keeping and evicting are done under it. */
    public AutoCloseable lock() {
        return cache.lock(AREA, "all");
    }

    /**
     * Held by a build of {@code family} from before it looks for a kept tree until it keeps its own: a
     * second build of the family (another kfit on this machine) waits and starts from that tree, instead
     * of compiling the same files at the same time on the same cores, or from scratch because the tree was
     * taken. {@code waiting} runs when it has to wait.
     */
    public AutoCloseable lockFamily(String family, Runnable waiting) {
        return cache.lock(AREA, "family-" + family, waiting);
    }

    /**
     * Moves a freshly built {@code tree} into the cache with its patch files, then evicts the least
     * recently used trees beyond {@link #keep}. With {@code keep} 0 the tree is deleted.
     */
    public void keep(Path tree, String family, String base, List<Path> patches, long now) throws IOException {
        if (keep == 0) {
            Cache.deleteTree(tree);
            return;
        }
        List<String> shas = patches.stream().map(Cache::sha256).toList();
        List<String> names = patches.stream().map(p -> p.getFileName().toString()).toList();
        String key = key(family, base, shas);
        Path area = cache.dir(AREA);
        Path scratch = Files.createTempDirectory(area, key + ".tmp-");
        try {
            Files.move(tree, scratch.resolve("tree"), StandardCopyOption.ATOMIC_MOVE);
            Path pd = Files.createDirectories(scratch.resolve("patches"));
            for (int i = 0; i < patches.size(); i++) {
                Files.copy(patches.get(i), pd.resolve(String.format("%04d-%s", i + 1, names.get(i))));
            }
            write(scratch, new Kept(key, family, base, shas, names, now));
            cache.publish(scratch, AREA, key);
        } finally {
            Cache.deleteTree(scratch);
        }
        evict();
    }

    /** Removes the least recently used trees beyond {@link #keep}, and scratch left by a crash. */
    void evict() throws IOException {
        List<Kept> all = list();
        for (Kept k : all.subList(Math.min(keep, all.size()), all.size())) {
            Cache.deleteTree(cache.dir(AREA).resolve(k.key()));
        }
        try (Stream<Path> s = Files.list(cache.dir(AREA))) {
            for (Path p : s.filter(p -> p.getFileName().toString().contains(".tmp-")).toList()) {
                Cache.deleteTree(p);
            }
        }
    }

    private static Kept read(Path dir) {
        Path meta = dir.resolve(META);
        if (!Files.isRegularFile(meta) || !Files.isDirectory(dir.resolve("tree"))) {
            return null;
        }
        try {
            return JSON.readValue(meta.toFile(), Kept.class);
        } catch (IOException e) {
            return null;
        }
    }

    private static void write(Path dir, Kept k) {
        try {
            Path tmp = dir.resolve(META + ".tmp");
            JSON.writeValue(tmp.toFile(), k);
            Files.move(tmp, dir.resolve(META), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new InfraException("cannot write " + dir.resolve(META) + ": " + e.getMessage(), e);
        }
    }
}
