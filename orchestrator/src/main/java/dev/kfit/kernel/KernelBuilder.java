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
    private String compiler;

    public KernelBuilder(Host host, Cache cache, List<Path> builtinFragments, Consumer<String> progress) {
        this.host = host;
        this.cache = cache;
        this.builtinFragments = List.copyOf(builtinFragments);
        this.debian = new DebianSources(host, cache);
        this.progress = progress;
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
        long t0 = System.nanoTime();
        String builtAt = Instant.now().toString();
        Path log = scratch.resolve("build.log");
        Path tree = scratch.resolve("tree");
        Files.createDirectories(tree);
        progress.accept("kernel " + spec.label() + ": building from " + source.origin() + " " + source.version()
                + " (log: " + cache.dir(AREA).resolve(k).resolve("build.log") + ")");
        if (source.tarball() != null) {
            step(log, Duration.ofMinutes(10), tree, "unpack " + source.tarball(),
                    "tar", "-xf", source.tarball().toString(), "-C", tree.toString(), "--strip-components=1");
        } else {
            step(log, Duration.ofMinutes(10), tree, "copy " + source.tree(),
                    "rsync", "-a", "--exclude=.git", source.tree() + "/", tree + "/");
        }
        String baseVersion = kernelVersion(tree, log);
        for (Path p : patches) {
            applyPatch(tree, p, source, baseVersion, log);
        }
        step(log, Duration.ofMinutes(5), tree, "make tinyconfig", "make", "tinyconfig");
        List<String> merge = new ArrayList<>(List.of("scripts/kconfig/merge_config.sh", "-m", ".config"));
        fragments.forEach(f -> merge.add(f.toString()));
        step(log, Duration.ofMinutes(5), tree, "merge config fragments", merge.toArray(String[]::new));
        step(log, Duration.ofMinutes(5), tree, "make olddefconfig", "make", "olddefconfig");
        KernelConfig.check(tree.resolve(".config"), required);
        int jobs = Runtime.getRuntime().availableProcessors() + 1;
        step(log, Duration.ofMinutes(90), tree, "make bzImage", "make", "-j" + jobs, "bzImage");
        String version = kernelVersion(tree, log);

        Files.copy(tree.resolve("arch/x86/boot/bzImage"), scratch.resolve("bzImage"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(tree.resolve(".config"), scratch.resolve("config"), StandardCopyOption.REPLACE_EXISTING);
        Cache.deleteTree(tree);
        double seconds = (System.nanoTime() - t0) / 1e9;
        KernelBuild b = new KernelBuild(spec.label(), k, version, source.identity(),
                patches.stream().map(p -> p.getFileName().toString()).toList(), compiler(),
                null, null, null, false, seconds, builtAt, patchset);
        JSON.writeValue(scratch.resolve("build.json").toFile(), b);
        Files.writeString(scratch.resolve(STARTED_AT), builtAt + "\n");
        progress.accept(String.format("kernel %s: built %s in %.0f s", spec.label(), version, seconds));
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

    private void step(Path log, Duration timeout, Path dir, String what, String... argv) {
        appendLog(log, "\n== " + what + "\n$ " + String.join(" ", argv) + "\n");
        Map<String, String> env = Map.of(
                "PATH", "/usr/lib/ccache:" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "CCACHE_DIR", cache.dir("ccache").toString(),
                "CCACHE_BASEDIR", dir.toString(),
                "KBUILD_BUILD_USER", "kfit",
                "KBUILD_BUILD_HOST", "kfit");
        CommandResult r = host.run(new Command(List.of(argv), dir, env, timeout, log));
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

    private synchronized String compiler() {
        if (compiler == null) {
            CommandResult r = host.run(Command.of(Duration.ofSeconds(30), "gcc", "--version"));
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
