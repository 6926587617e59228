package dev.kfit.kernel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kfit.cache.Cache;
import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.host.Command;
import dev.kfit.host.CommandFailedException;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;
import dev.kfit.host.LocalProvisioning;
import dev.kfit.spec.KernelSource;
import dev.kfit.spec.KernelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds a kernel from a source, a patch series and config fragments: tinyconfig, the fragments
 * merged on top, olddefconfig, a check that nothing required was dropped, then {@code make bzImage}
 * with every core and ccache. Results are cached by content; a cache hit does not run make.
 */
public final class KernelBuilder {
    /** Bump when the build steps change, so old cache entries are not reused. */
    static final String RECIPE = "kfit-kernel-recipe-1";
    static final String AREA = "kernels";
    /** Beside build.json in a cache entry: when the build started, one ISO-8601 instant (see {@link KernelBuild}). */
    static final String STARTED_AT = "build-started-at";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern HUNK_FAILED = Pattern.compile("Hunk #(\\d+) FAILED at (\\d+)");
    private static final Pattern PATCHING = Pattern.compile("^(?:patching|checking) file (\\S+)", Pattern.MULTILINE);

    /** patch's messages are parsed: keep them untranslated. */
    private static final Map<String, String> C_LOCALE = Map.of("LC_ALL", "C");
    private final Host host;
    private final Cache cache;
    private final List<Path> builtinFragments;
    private final DebianSources debian;
    private final Consumer<String> progress;
    private final BuiltTrees trees;
    private String compiler;

    public KernelBuilder(Host host, Cache cache, List<Path> builtinFragments, Consumer<String> progress) {
        this.host = host;
        this.cache = cache;
        this.builtinFragments = List.copyOf(builtinFragments);
        this.debian = new DebianSources(host, cache);
        this.progress = progress;
        this.trees = BuiltTrees.fromEnvironment(cache);
    }

    public KernelBuild build(KernelSpec spec) {
        SourceArchive source = resolve(spec.source());
        List<Path> patches = spec.patchFiles();
        List<Path> fragments = new ArrayList<>(builtinFragments);
        fragments.addAll(spec.fragments());
        // Parse fragments before anything slow, so a bad line is reported at once.
        List<KernelConfig.Requirement> required = KernelConfig.requirements(fragments);

        Cache.Key key = new Cache.Key().add("recipe", RECIPE).add("source", source.identity()).add("compiler", compiler());
        for (Path p : patches) {
            key.addFile("patch:" + p.getFileName(), p);
        }
        for (Path f : fragments) {
            key.addFile("fragment:" + f.getFileName(), f);
        }
        String k = key.hex();
        // The key holds every patch's contents, so the patches as they are now are those a cache hit was built from.
        List<KernelBuild.AppliedPatch> patchset = patches.stream().map(KernelBuild.AppliedPatch::of).toList();
        Path entry = cache.dir(AREA).resolve(k);
        KernelBuild hit = readEntry(entry);
        if (hit != null) {
            progress.accept("kernel " + spec.label() + ": cached (" + hit.kernelVersion() + ", key " + k + ")");
            return withLabel(hit, spec.label(), patchset).asCached();
        }
        try (AutoCloseable lock = cache.lock(AREA, k)) {
            hit = readEntry(entry);
            if (hit != null) {
                return withLabel(hit, spec.label(), patchset).asCached();
            }
            cache.removeStaleScratch(AREA, k);
            Path scratch = cache.scratch(AREA, k);
            try {
                make(spec, source, patchset, patches, fragments, required, k, scratch);
                cache.publish(scratch, AREA, k);
            } finally {
                Cache.deleteTree(scratch);
            }
            return withLabel(readEntry(entry), spec.label(), patchset);
        } catch (InfraException | BadInputException e) {
            throw e;
        } catch (Exception e) {
            throw new InfraException("building kernel " + spec.label() + ": " + e.getMessage(), e);
        }
    }

    private void make(KernelSpec spec, SourceArchive source, List<KernelBuild.AppliedPatch> patchset, List<Path> patches,
                      List<Path> fragments, List<KernelConfig.Requirement> required, String k, Path scratch) throws IOException {
        String builtAt = Instant.now().toString();
        Path log = scratch.resolve("build.log");
        Path tree = scratch.resolve("tree");
        progress.accept("kernel " + spec.label() + ": building from " + source.origin() + " " + source.version()
                + " (log: " + cache.dir(AREA).resolve(k).resolve("build.log") + ")");
        String family = BuiltTrees.family(RECIPE, familySource(spec.source(), source), compiler(), fragments);
        List<String> wanted = patches.stream().map(Cache::sha256).toList();
        // The family's tree walks from build to build (BuiltTrees.take): another kfit building in this family
        // (two test classes, two specs at once) is waited for, and this build then starts from its tree, about
        // 30 s after it, instead of from scratch beside it on the same cores. The wait is bounded.
        AutoCloseable familyLock = trees.keep() > 0 ? trees.lockFamily(family, () -> progress.accept(
                "kernel " + spec.label() + ": another build is using its family's tree; waiting to build from it")) : null;
        try {
            long t0 = System.nanoTime();
            int applyFrom = fromKeptTree(spec, source, family, wanted, tree, log);
            boolean fromScratch = applyFrom < 0;
            if (fromScratch) {
                Files.createDirectories(tree);
                unpack(spec.source(), source, tree, scratch, log);
                applyFrom = 0;
            }
            // On a fresh machine the tool chain may still be installing: the fetch and unpack above needed none.
            awaitToolchain(spec);
            List<Path> inTree = new ArrayList<>(patches.subList(0, applyFrom));
            try {
                String baseVersion = kernelVersion(tree, log);
                for (Path p : patches.subList(applyFrom, patches.size())) {
                    applyPatch(tree, p, source, baseVersion, log);
                    inTree.add(p);
                }
                // Decided before the configuration, whose host tools would otherwise be ccache's first results.
                boolean viaCcache = !fromScratch || ccacheInUse(log);
                configure(tree, fragments, log, viaCcache);
                KernelConfig.check(tree.resolve(".config"), required);
                int jobs = Runtime.getRuntime().availableProcessors() + 1;
                step(log, Duration.ofMinutes(90), tree, "make bzImage", viaCcache, "make", "-j" + jobs, "bzImage");
            } catch (BadInputException | CommandFailedException e) {
                keepFailedTree(e, tree, family, source.identity(), inTree, log);
                throw e;
            }
            String version = kernelVersion(tree, log);

            Files.copy(tree.resolve("arch/x86/boot/bzImage"), scratch.resolve("bzImage"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(tree.resolve(".config"), scratch.resolve("config"), StandardCopyOption.REPLACE_EXISTING);
            if (Files.isRegularFile(tree.resolve("System.map"))) {
                Files.copy(tree.resolve("System.map"), scratch.resolve("System.map"), StandardCopyOption.REPLACE_EXISTING);
            }
            keepTree(tree, family, source.identity(), patches, log);
            double seconds = (System.nanoTime() - t0) / 1e9;
            KernelBuild b = new KernelBuild(spec.label(), k, version, source.identity(),
                    patches.stream().map(p -> p.getFileName().toString()).toList(), compiler(),
                    null, null, null, false, seconds, builtAt, patchset);
            JSON.writeValue(scratch.resolve("build.json").toFile(), b);
            Files.writeString(scratch.resolve(STARTED_AT), builtAt + "\n");
            progress.accept(String.format("kernel %s: built %s in %.0f s", spec.label(), version, seconds));
        } finally {
            closeQuietly(familyLock);
        }
    }

    /**
     * tinyconfig, kfit's fragments merged on top, olddefconfig; skipped in a taken tree whose .config was
     * made from the same inputs (a patched sibling or a bisection step whose patches touch no Kconfig
     * file): 8-14 s of every incremental build under load. The inputs are recorded beside the .config.
     */
    private void configure(Path tree, List<Path> fragments, Path log, boolean viaCcache) throws IOException {
        Path stamp = tree.resolve(CONFIG_INPUTS);
        String inputs = configInputs(tree, fragments, compiler());
        if (Files.isRegularFile(tree.resolve(".config")) && Files.isRegularFile(stamp)
                && Files.readString(stamp).strip().equals(inputs)) {
            appendLog(log, "\n== configuration kept: the tree's .config was made from the same Kconfig files, "
                    + "fragments and compiler (" + inputs.substring(0, 16) + ")\n");
            return;
        }
        Files.deleteIfExists(stamp);
        String jobs = "-j" + Runtime.getRuntime().availableProcessors(); // kconfig's own tools compile first
        List<String> merge = new ArrayList<>(List.of("scripts/kconfig/merge_config.sh", "-m", ".config"));
        if (Files.isRegularFile(tree.resolve(TINY_BASE))) {
            // What `make tinyconfig` does (allnoconfig on tiny-base.config, tiny.config merged, olddefconfig),
            // with kfit's fragments merged beside tiny.config: one olddefconfig instead of two (6.12: 8.9 s
            // instead of 17.8 s, idle, 2 cores). The .config is byte for byte the one tinyconfig then
            // olddefconfig gave for 6.12 and 7.2 (compared on both).
            step(log, Duration.ofMinutes(5), tree, "make allnoconfig (tiny base)", viaCcache, "make", jobs,
                    "KCONFIG_ALLCONFIG=" + TINY_BASE, "allnoconfig");
            for (String tiny : List.of("kernel/configs/tiny.config", "arch/x86/configs/tiny.config")) {
                if (Files.isRegularFile(tree.resolve(tiny))) {
                    merge.add(tiny);
                }
            }
        } else {
            step(log, Duration.ofMinutes(5), tree, "make tinyconfig", viaCcache, "make", jobs, "tinyconfig");
        }
        fragments.forEach(f -> merge.add(f.toString()));
        step(log, Duration.ofMinutes(5), tree, "merge config fragments", merge.toArray(String[]::new));
        step(log, Duration.ofMinutes(5), tree, "make olddefconfig", viaCcache, "make", jobs, "olddefconfig");
        Files.writeString(stamp, inputs + "\n");
    }

    static final String CONFIG_INPUTS = ".kfit-config-inputs";
    private static final String TINY_BASE = "kernel/configs/tiny-base.config";

    /**
     * A hash of what decides the .config besides kconfig's own code: every Kconfig file of the tree (path
     * and content), the tiny.config fragments, kfit's fragments and the compiler (Kconfig asks it what it
     * supports).
     */
    static String configInputs(Path tree, List<Path> fragments, String compiler) throws IOException {
        Cache.Key key = new Cache.Key();
        try (Stream<Path> walk = Files.walk(tree)) {
            walk.filter(p -> {
                String n = p.getFileName().toString();
                return (n.startsWith("Kconfig") || n.equals("tiny.config")) && Files.isRegularFile(p);
            }).map(tree::relativize).sorted().forEach(rel -> key.addFile(rel.toString(), tree.resolve(rel)));
        }
        fragments.forEach(f -> key.addFile("fragment", f));
        return key.add("compiler", compiler).hex();
    }

    /**
     * A build that failed in a patch that does not apply, a dropped option or a compile error leaves a tree
     * that is still its source with {@code inTree} applied (patches are tried dry first; kbuild deletes
     * the target of a failed rule): kept, the family's next build (a bisection's next step) starts from it
     * rather than from scratch. A timed-out make may have left a half-written object: that tree goes.
     */
    private void keepFailedTree(Exception e, Path tree, String family, String base, List<Path> inTree, Path log) {
        if (e instanceof CommandFailedException c && c.result().timedOut() || !Files.isDirectory(tree)) {
            return;
        }
        try {
            appendLog(log, "\n== the build failed; its tree is kept for the next build of the family\n");
            keepTree(tree, family, base, inTree, log);
        } catch (Exception ex) {
            appendLog(log, "\n== could not keep the failed build's tree: " + ex.getMessage() + "\n");
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // a lock on a file channel: closing the channel releases it in any case
        }
    }

    /** Unpacks (or copies, or exports from git) the source into the empty {@code tree}. */
    private void unpack(KernelSource kind, SourceArchive source, Path tree, Path scratch, Path log) throws IOException {
        if (kind instanceof KernelSource.GitTree g) {
            Path tar = scratch.resolve("source.tar");
            step(log, Duration.ofMinutes(10), tree, "git archive " + source.version(),
                    "git", "-C", g.repo().toString(), "archive", "--format=tar", "--output=" + tar, source.version());
            step(log, Duration.ofMinutes(10), tree, "unpack " + tar, "tar", "-xf", tar.toString(), "-C", tree.toString());
            Files.delete(tar);
        } else if (source.tarball() != null) {
            List<String> tarArgv = new ArrayList<>(List.of("tar"));
            if (source.tarball().getFileName().toString().endsWith(".xz")) {
                // Debian's source tarballs are xz in many blocks (6.12: 62), which xz 5.4 decompresses on
                // every core; tar's own call uses one. 2 cores: 5 s instead of 9 s to decompress, but the
                // 1.5 GB of writes bound the unpack (30-31 s instead of 32-33 s).
                tarArgv.addAll(List.of("-I", "xz -T0"));
            }
            tarArgv.addAll(List.of("-xf", source.tarball().toString(), "-C", tree.toString(), "--strip-components=1"));
            step(log, Duration.ofMinutes(10), tree, "unpack " + source.tarball(), tarArgv.toArray(String[]::new));
        } else {
            step(log, Duration.ofMinutes(10), tree, "copy " + source.tree(),
                    "rsync", "-a", "--exclude=.git", source.tree() + "/", tree + "/");
        }
    }

    /** What a kept tree must share with this build: the source, or for git the repository (commits are a diff apart). */
    static String familySource(KernelSource kind, SourceArchive source) {
        if (kind instanceof KernelSource.GitTree g) {
            return "git-repo:" + g.repo().toAbsolutePath().normalize();
        }
        return source.identity();
    }

    /**
     * Makes {@code tree} from the cheapest kept tree of the family (see {@link BuiltTrees}): taken out of
     * the cache with its mtimes, its extra patches reversed, for git its commit moved to this one by a diff.
     * The caller holds the family's lock.
     *
     * @return how many of the wanted patches the tree already has (the rest are applied next), or -1
     *         when no kept tree serves or using one failed (the tree is then absent: build afresh)
     */
    int fromKeptTree(KernelSpec spec, SourceArchive source, String family, List<String> wanted, Path tree, Path log) {
        if (trees.keep() == 0) {
            return -1;
        }
        try (AutoCloseable lock = trees.lock()) {
            BuiltTrees.Plan plan = BuiltTrees.choose(trees.list(), family, source.identity(), wanted,
                    k -> rebaseFiles(spec.source(), k.base(), source.identity()));
            if (plan == null) {
                return -1;
            }
            awaitToolchain(spec);
            BuiltTrees.Kept from = plan.from();
            progress.accept("kernel " + spec.label() + ": incremental, from the built tree " + from.key() + " ("
                    + from.patchNames().size() + " patches; reverse " + plan.reverse() + (plan.rebase() ? ", move to " + source.version() : "")
                    + ", apply " + (wanted.size() - plan.applyFrom()) + ")");
            Path keptPatches = tree.getParent().resolve("kept-patches");
            appendLog(log, "\n== take the built tree " + from.key() + " (moved out of the cache; kept again after this build)\n");
            trees.take(from, tree, keptPatches);
            for (int i = from.patchNames().size() - 1; i >= from.patchNames().size() - plan.reverse(); i--) {
                step(log, Duration.ofMinutes(2), tree, "reverse " + from.patchNames().get(i),
                        "patch", "-p1", "-R", "--batch", "-i", BuiltTrees.patchIn(keptPatches, from, i).toString());
            }
            if (plan.rebase()) {
                KernelSource.GitTree g = (KernelSource.GitTree) spec.source();
                Path diff = tree.getParent().resolve("rebase.diff");
                step(log, Duration.ofMinutes(10), tree, "git diff to " + source.version(), "git", "-C", g.repo().toString(),
                        "diff", "--binary", "--no-renames", "--output=" + diff, commitOf(from.base()), source.version());
                // git apply in the tree as a plain directory, never in a repository that may lie above the cache.
                appendLog(log, "\n== apply the diff\n$ git apply --whitespace=nowarn " + diff + "\n");
                CommandResult applied = host.run(new Command(List.of("git", "apply", "--whitespace=nowarn", diff.toString()), tree,
                        Map.of("GIT_CEILING_DIRECTORIES", tree.getParent().toString()), Duration.ofMinutes(10), log));
                if (!applied.ok()) {
                    throw new CommandFailedException("applying the diff to " + source.version() + " (log: " + log + ")", applied);
                }
                Files.delete(diff);
            }
            return plan.applyFrom();
        } catch (Exception e) {
            appendLog(log, "\n== the built tree did not serve (" + e.getMessage() + "): building afresh\n");
            progress.accept("kernel " + spec.label() + ": the built tree did not serve (" + e.getMessage() + "); building afresh");
            try {
                Cache.deleteTree(tree);
            } catch (IOException ex) {
                throw new InfraException("cannot remove " + tree + ": " + ex.getMessage(), ex);
            }
            return -1;
        }
    }

    /** Files that differ between two commits of a git source, or -1 when the bases are not both commits. */
    private int rebaseFiles(KernelSource kind, String fromBase, String toBase) {
        if (!(kind instanceof KernelSource.GitTree g) || !fromBase.startsWith("git:") || !toBase.startsWith("git:")) {
            return -1;
        }
        CommandResult r = host.run(Command.of(Duration.ofMinutes(2), "git", "-C", g.repo().toString(), "diff",
                "--name-only", "--no-renames", commitOf(fromBase), commitOf(toBase)));
        return r.ok() ? (int) r.output().lines().filter(l -> !l.isBlank()).count() : -1;
    }

    private static String commitOf(String gitIdentity) {
        return gitIdentity.substring("git:".length());
    }

    /** Keeps the built tree for later incremental builds (or deletes it when none are kept). */
    private void keepTree(Path tree, String family, String base, List<Path> patches, Path log) throws IOException {
        if (trees.keep() == 0) {
            Cache.deleteTree(tree);
            return;
        }
        try (AutoCloseable lock = trees.lock()) {
            trees.keep(tree, family, base, patches, System.currentTimeMillis());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            appendLog(log, "\n== could not keep the built tree: " + e.getMessage() + "\n");
        }
        Cache.deleteTree(tree);
    }

    private void applyPatch(Path tree, Path patch, SourceArchive source, String base, Path log) {
        Command dry = Command.of(Duration.ofMinutes(2), "patch", "-p1", "--forward", "--batch", "--dry-run",
                "-i", patch.toString()).in(tree).withEnv(C_LOCALE);
        CommandResult r = host.run(dry);
        appendLog(log, "$ " + dry.display() + "\n" + r.output());
        if (!r.ok()) {
            throw new BadInputException("patch " + patch + " does not apply to " + source.origin() + " " + base
                    + " (" + source.version() + "): " + describeFailure(r.output()));
        }
        CommandResult real = host.run(Command.of(Duration.ofMinutes(2), "patch", "-p1", "--forward", "--batch",
                "-i", patch.toString()).in(tree).withEnv(C_LOCALE).loggingTo(log));
        if (!real.ok()) {
            throw new CommandFailedException("applying " + patch, real);
        }
    }

    /** The first failing hunk and its file, from patch's output, as one line. */
    static String describeFailure(String output) {
        String file = null;
        for (String line : output.split("\n")) {
            Matcher p = PATCHING.matcher(line);
            if (p.find()) {
                file = p.group(1);
            }
            Matcher h = HUNK_FAILED.matcher(line);
            if (h.find()) {
                return "hunk #" + h.group(1) + " FAILED at line " + h.group(2) + (file != null ? " of " + file : "");
            }
            if (line.contains("Reversed (or previously applied) patch detected")) {
                return "already applied (reversed patch detected)" + (file != null ? " in " + file : "");
            }
            if (line.contains("can't find file to patch")) {
                return "a file it patches does not exist in this tree";
            }
            if (line.contains("Only garbage was found") || line.contains("malformed patch")) {
                return "not a patch (" + line.strip() + ")";
            }
        }
        String trimmed = output.strip().replace('\n', ' ');
        return trimmed.isEmpty() ? "patch failed without output" : trimmed;
    }

    private String kernelVersion(Path tree, Path log) {
        CommandResult r = host.run(Command.of(Duration.ofMinutes(1), "make", "-s", "kernelversion").in(tree));
        if (!r.ok()) {
            appendLog(log, r.output());
            throw new CommandFailedException("make kernelversion", r);
        }
        return r.output().strip();
    }

    static final String FIRST_BUILD_MARK = "kfit-first-build-without-ccache";

    /**
     * Whether a build from scratch compiles through ccache: not the first one on a machine whose ccache
     * holds nothing yet. Every compile of it would miss, and a miss costs about 9 % in depend mode
     * (`make -j2 kernel/ mm/` of 6.12 from clean: 75.9-76.3 s against 68.8-70.1 s bare, 2026-12-01),
     * 40 s of a new user's first run. Its tree is kept, and that is what the family's next builds start
     * from; a mark in the ccache directory sends every later build through ccache, so a tree evicted or
     * a build beside another one of its family is served from ccache from the second build on.
     */
    private boolean ccacheInUse(Path log) throws IOException {
        if (throughCcache(cache.dir("ccache"))) {
            return true;
        }
        appendLog(log, "\n== make without ccache: the first build on this machine, and its ccache is empty "
                + "(every compile would miss; storing costs about 9 %)\n");
        return false;
    }

    /** Whether {@code ccacheDir} has been used (or skipped once already); marks the skip when not. */
    static boolean throughCcache(Path ccacheDir) throws IOException {
        if (Files.exists(ccacheDir.resolve(FIRST_BUILD_MARK))) {
            return true;
        }
        try (Stream<Path> s = Files.list(ccacheDir)) {
            // ccache keeps its results in 16 subdirectories named by a hex digit.
            if (s.anyMatch(p -> p.getFileName().toString().matches("[0-9a-f]") && Files.isDirectory(p))) {
                return true;
            }
        }
        Files.writeString(ccacheDir.resolve(FIRST_BUILD_MARK), Instant.now() + "\n");
        return false;
    }

    private void step(Path log, Duration timeout, Path dir, String what, String... argv) {
        step(log, timeout, dir, what, true, argv);
    }

    private void step(Path log, Duration timeout, Path dir, String what, boolean viaCcache, String... argv) {
        appendLog(log, "\n== " + what + "\n$ " + String.join(" ", argv) + "\n");
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        Map<String, String> env = Map.of(
                "PATH", viaCcache ? "/usr/lib/ccache:" + path : path,
                "CCACHE_DIR", cache.dir("ccache").toString(),
                "CCACHE_BASEDIR", dir.toString(),
                // Depend mode: a miss takes the header list from the compiler's own -MMD output instead
                // of running the preprocessor a second time. An empty ccache then costs a kernel build
                // 5-9 % instead of 55-70 % (drivers/acpi: 41 s bare, 64-70 s default mode, 44 s depend
                // mode; kernel/ mm/: 69-70 s bare, 76 s depend mode; hits are the same). What it gives
                // up, hits on preprocessed output after a header changed, the kept trees already cover.
                "CCACHE_DEPEND", "1",
                "KBUILD_BUILD_USER", "kfit",
                "KBUILD_BUILD_HOST", "kfit");
        CommandResult r = host.run(new Command(List.of(argv), dir, env, timeout, log));
        // Each step's time in the log: where a slow build went (unpack, configuration, make).
        appendLog(log, String.format(java.util.Locale.ROOT, "== %s: %.1f s%n", what, r.elapsed().toMillis() / 1000.0));
        if (!r.ok()) {
            throw new CommandFailedException("kernel build step '" + what + "' failed (full log: " + log + ")", r);
        }
    }

    private SourceArchive resolve(KernelSource s) {
        if (s instanceof KernelSource.DebianPackage d) {
            return debian.fetch(d.packageName(), d.version());
        }
        if (s instanceof KernelSource.Tarball t) {
            return new SourceArchive("tar:" + t.file(), Cache.sha256(t.file()), t.file(), null, "tar:" + Cache.sha256(t.file()));
        }
        if (s instanceof KernelSource.GitTree g) {
            CommandResult r = host.run(Command.of(Duration.ofMinutes(1), "git", "-C", g.repo().toString(),
                    "rev-parse", "--verify", "--quiet", g.ref() + "^{commit}"));
            if (!r.ok() || r.output().isBlank()) {
                throw new BadInputException("git source " + g.repo() + ": no commit '" + g.ref() + "'");
            }
            String commit = r.output().strip();
            return new SourceArchive("git:" + g.repo() + "@" + g.ref(), commit, null, null, "git:" + commit);
        }
        if (s instanceof KernelSource.LocalTree t) {
            return new SourceArchive("dir:" + t.dir(), treeIdentity(t.dir()), null, t.dir(), "dir:" + t.dir() + ":" + treeIdentity(t.dir()));
        }
        throw new IllegalArgumentException("unknown source " + s);
    }

    /** A local tree changes in place: key it by every file's path, size and modification time. */
    private static String treeIdentity(Path dir) {
        Cache.Key key = new Cache.Key();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(p -> !p.toString().contains("/.git/") && Files.isRegularFile(p)).sorted().forEach(p -> {
                try {
                    key.add(dir.relativize(p).toString(), Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis());
                } catch (IOException e) {
                    throw new InfraException("cannot stat " + p + ": " + e.getMessage(), e);
                }
            });
        } catch (IOException e) {
            throw new InfraException("cannot read kernel tree " + dir + ": " + e.getMessage(), e);
        }
        return key.hex();
    }

    private void awaitToolchain(KernelSpec spec) {
        if (host.isLocal()) {
            LocalProvisioning.awaitToolchain(m -> progress.accept("kernel " + spec.label() + ": " + m));
        }
    }

    /**
     * The compiler's first line of {@code gcc --version}. Asked before the tool chain may have been installed
     * (it keys the cache, before the source is unpacked): when there is no gcc yet, asked again after it.
     * A gcc already present is the one kept (provisioning installs, never upgrades).
     */
    private synchronized String compiler() {
        if (compiler == null) {
            CommandResult r = host.run(Command.of(Duration.ofSeconds(30), "gcc", "--version"));
            if (!r.ok() && host.isLocal() && LocalProvisioning.awaitToolchain(progress) != null) {
                r = host.run(Command.of(Duration.ofSeconds(30), "gcc", "--version"));
            }
            if (!r.ok()) {
                throw new CommandFailedException("no C compiler for kernel builds (run ./kfit provision)", r);
            }
            compiler = r.output().lines().findFirst().orElse("gcc").strip();
        }
        return compiler;
    }

    static KernelBuild readEntry(Path entry) {
        Path meta = entry.resolve("build.json");
        if (!Files.isRegularFile(meta) || !Files.isRegularFile(entry.resolve("bzImage"))) {
            return null;
        }
        try {
            KernelBuild b = JSON.readValue(meta.toFile(), KernelBuild.class);
            Path started = entry.resolve(STARTED_AT);
            String builtAt = Files.isRegularFile(started) ? Files.readString(started).strip() : startOfOldBuild(meta, b.buildSeconds());
            return new KernelBuild(b.label(), b.cacheKey(), b.kernelVersion(), b.source(), b.patches(), b.compiler(),
                    entry.resolve("bzImage"), entry.resolve("config"), entry.resolve("build.log"), false, b.buildSeconds(),
                    builtAt, null);
        } catch (IOException e) {
            return null; // unreadable metadata: rebuild
        }
    }

    /**
     * When a build made before its start time was recorded started: build.json is written as
     * make ends, and publishing the entry renames the directory (which keeps the file's time), so its
     * modification time less the build's duration. The same in every run that finds the entry.
     */
    static String startOfOldBuild(Path buildJson, double buildSeconds) throws IOException {
        Instant written = Files.getLastModifiedTime(buildJson).toInstant();
        return written.minusMillis(Math.round(buildSeconds * 1000)).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static KernelBuild withLabel(KernelBuild b, String label, List<KernelBuild.AppliedPatch> patchset) {
        return new KernelBuild(label, b.cacheKey(), b.kernelVersion(), b.source(), b.patches(), b.compiler(),
                b.bzImage(), b.config(), b.buildLog(), b.cached(), b.buildSeconds(), b.builtAt(), patchset);
    }

    private static void appendLog(Path log, String text) {
        try {
            Files.writeString(log, text, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new InfraException("cannot write " + log + ": " + e.getMessage(), e);
        }
    }
}
