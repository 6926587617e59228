package dev.kfit.kernel;

import dev.kfit.testing.Processes;
import dev.kfit.cache.Cache;
import dev.kfit.host.LocalHost;
import dev.kfit.spec.KernelSource;
import dev.kfit.spec.KernelSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a kept tree becomes the tree of another build, without compiling anything: taken out of the cache
 * with its mtimes, extra patches reversed, another commit of a git source reached by a diff.
 */
class KernelBuilderKeptTreeTest {
    @TempDir
    Path tmp;

    private static void run(Path dir, String... argv) throws Exception {
        List<String> a = new ArrayList<>(List.of(argv));
        Processes.Output r = Processes.run(java.time.Duration.ofMinutes(2), dir, a);
        assertThat(r.status()).as(String.join(" ", argv) + "\n" + r.stdout() + r.stderr()).isZero();
    }

    private static String git(Path repo, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("git", "-C", repo.toString(), "-c", "user.name=t", "-c", "user.email=t@t",
                "-c", "commit.gpgsign=false"));
        argv.addAll(List.of(args));
        Processes.Output r = Processes.run(java.time.Duration.ofMinutes(1), null, argv);
        assertThat(r.status()).as(r.stdout() + r.stderr()).isZero();
        return r.stdout().strip();
    }

    /** Every regular file under dir, by relative path, with its content. */
    private static Map<String, String> files(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return m;
    }

    private Path patch(String name, String file, String line) throws Exception {
        return Files.writeString(tmp.resolve(name), "--- /dev/null\n+++ b/" + file + "\n@@ -0,0 +1 @@\n+" + line + "\n");
    }

    private Path exportOf(Path repo, String commit, String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Path tar = tmp.resolve(name + ".tar");
        git(repo, "archive", "--format=tar", "--output=" + tar, commit);
        run(d, "tar", "-xf", tar.toString());
        return d;
    }

    @Test
    void aNeighbourPrefixIsTheKeptTreeWithItsExtraPatchesReversedAndItsMtimesKept() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache"));
        Path base = Files.createDirectories(tmp.resolve("base"));
        Files.writeString(base.resolve("Makefile"), "VERSION = 6\n");
        Path p1 = patch("0001-one.patch", "one.c", "1");
        Path p2 = patch("0002-two.patch", "two.c", "2");
        Path p3 = patch("0003-three.patch", "three.c", "3");
        // The kept tree: base + p1..p3, "built" (an object file beside the sources), an hour old.
        Path built = Files.createDirectories(tmp.resolve("built"));
        Files.writeString(built.resolve("Makefile"), "VERSION = 6\n");
        for (Path p : List.of(p1, p2, p3)) {
            run(built, "patch", "-p1", "--batch", "-i", p.toString());
        }
        Files.writeString(built.resolve("one.o"), "object");
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        for (String f : List.of("Makefile", "one.c", "one.o")) {
            Files.setLastModifiedTime(built.resolve(f), old);
        }
        BuiltTrees trees = new BuiltTrees(cache, 3);
        trees.keep(built, "fam", "debian:x=1", List.of(p1, p2, p3), 1);

        try (LocalHost host = new LocalHost()) {
            KernelBuilder kb = new KernelBuilder(host, cache, List.of(), s -> { });
            Path scratch = Files.createDirectories(tmp.resolve("scratch"));
            Path tree = scratch.resolve("tree");
            SourceArchive src = new SourceArchive("debian:x", "1", tmp.resolve("x.tar"), null, "debian:x=1");
            KernelSpec spec = new KernelSpec("x.p1", new KernelSource.DebianPackage("linux-source-6.12", null), List.of(p1), List.of());
            int applyFrom = kb.fromKeptTree(spec, src, "fam", List.of(Cache.sha256(p1)), tree, scratch.resolve("build.log"));
            assertThat(applyFrom).isEqualTo(1);
            assertThat(files(tree)).containsOnlyKeys("Makefile", "one.c", "one.o");
            assertThat(Files.getLastModifiedTime(tree.resolve("one.o"))).isEqualTo(old);
            assertThat(Files.getLastModifiedTime(tree.resolve("one.c"))).isEqualTo(old);
            // The kept tree was taken, not copied: the cache holds it no more until this build keeps its own.
            assertThat(trees.list()).isEmpty();
            assertThat(scratch.resolve("kept-patches/0003-0003-three.patch")).exists();
        }
    }

    @Test
    void anotherCommitOfAGitSourceIsReachedByTheirDiffWithThePatchesReversedFirst() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("linux"));
        git(repo, "init", "-q");
        Files.writeString(repo.resolve("Makefile"), "VERSION = 6\n");
        Files.writeString(repo.resolve("a.c"), "one\n");
        Files.writeString(repo.resolve("gone.c"), "x\n");
        Files.writeString(repo.resolve("same.c"), "same\n");
        git(repo, "add", ".");
        git(repo, "commit", "-q", "-m", "A");
        String a = git(repo, "rev-parse", "HEAD");
        Files.writeString(repo.resolve("a.c"), "two\n");
        Files.delete(repo.resolve("gone.c"));
        Files.writeString(repo.resolve("new.c"), "new\n");
        git(repo, "add", "-A");
        git(repo, "commit", "-q", "-m", "B");
        String b = git(repo, "rev-parse", "HEAD");

        Cache cache = new Cache(tmp.resolve("cache"));
        Path t1 = patch("0001-t.patch", "testbed.c", "t");
        Path built = exportOf(repo, a, "built");
        run(built, "patch", "-p1", "--batch", "-i", t1.toString());
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
        Files.setLastModifiedTime(built.resolve("same.c"), old);
        KernelSource.GitTree source = new KernelSource.GitTree(repo, "HEAD");
        String family = "git-family";
        new BuiltTrees(cache, 3).keep(built, family, "git:" + a, List.of(t1), 1);

        try (LocalHost host = new LocalHost()) {
            KernelBuilder kb = new KernelBuilder(host, cache, List.of(), s -> { });
            Path scratch = Files.createDirectories(tmp.resolve("scratch"));
            Path tree = scratch.resolve("tree");
            SourceArchive src = new SourceArchive("git:" + repo + "@HEAD", b, null, null, "git:" + b);
            KernelSpec spec = new KernelSpec("my-tree", source, List.of(t1), List.of());
            int applyFrom = kb.fromKeptTree(spec, src, family, List.of(Cache.sha256(t1)), tree, scratch.resolve("build.log"));
            // Its patch was reversed before the diff: the caller applies it again on B.
            assertThat(applyFrom).isZero();
            assertThat(files(tree)).isEqualTo(files(exportOf(repo, b, "expected")));
            assertThat(Files.getLastModifiedTime(tree.resolve("same.c"))).isEqualTo(old);
            assertThat(scratch.resolve("rebase.diff")).doesNotExist();
        }
    }
}
