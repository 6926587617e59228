package dev.kfit.kernel;

import dev.kfit.cache.Cache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BuiltTreesTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve("in").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    private Path builtTree(String marker) throws IOException {
        Path t = Files.createTempDirectory(dir, "tree");
        Files.writeString(t.resolve("vmlinux.o"), marker);
        return t;
    }

    private static BuiltTrees.Kept kept(String family, String base, long used, String... patches) {
        List<String> shas = List.of(patches);
        return new BuiltTrees.Kept(BuiltTrees.key(family, base, shas), family, base, shas,
                shas.stream().map(s -> s + ".patch").toList(), used);
    }

    @Test
    void theFamilyIsTheSourceTheCompilerAndTheFragmentsContents() throws IOException {
        Path a = file("a.config", "CONFIG_PCI_P2PDMA=y\n");
        Path b = file("b.config", "CONFIG_PCI_P2PDMA=y\n");
        Path c = file("c.config", "CONFIG_PCI_P2PDMA=n\n");
        String f = BuiltTrees.family("r1", "debian:linux-source-6.12=6.12.117-1", "gcc 12", List.of(a));
        assertThat(BuiltTrees.family("r1", "debian:linux-source-6.12=6.12.117-1", "gcc 12", List.of(b))).isEqualTo(f);
        assertThat(BuiltTrees.family("r1", "debian:linux-source-6.12=6.12.117-1", "gcc 12", List.of(c))).isNotEqualTo(f);
        assertThat(BuiltTrees.family("r1", "debian:linux-source-7.2=7.2.13-1", "gcc 12", List.of(a))).isNotEqualTo(f);
        assertThat(BuiltTrees.family("r1", "debian:linux-source-6.12=6.12.117-1", "gcc 13", List.of(a))).isNotEqualTo(f);
        assertThat(BuiltTrees.family("r2", "debian:linux-source-6.12=6.12.117-1", "gcc 12", List.of(a))).isNotEqualTo(f);
    }

    @Test
    void aTreeIsKeyedByItsBaseAndItsPatchesInOrder() {
        String k = BuiltTrees.key("fam", "debian:x=1", List.of("p1", "p2"));
        assertThat(BuiltTrees.key("fam", "debian:x=1", List.of("p1", "p2"))).isEqualTo(k);
        assertThat(BuiltTrees.key("fam", "debian:x=1", List.of("p2", "p1"))).isNotEqualTo(k);
        assertThat(BuiltTrees.key("fam", "debian:x=1", List.of("p1"))).isNotEqualTo(k);
        assertThat(BuiltTrees.key("fam", "debian:x=2", List.of("p1", "p2"))).isNotEqualTo(k);
        assertThat(BuiltTrees.key("other", "debian:x=1", List.of("p1", "p2"))).isNotEqualTo(k);
    }

    @Test
    void choosesTheTreeFewestPatchesAway() {
        List<BuiltTrees.Kept> kept = List.of(
                kept("fam", "b", 1, "p1"),
                kept("fam", "b", 2, "p1", "p2", "p3", "p4"),
                kept("fam", "b", 3),
                kept("other", "b", 9, "p1", "p2"));
        // Prefix of 2: one patch on top of p1 beats reversing two of p1..p4 or applying two on the plain tree.
        BuiltTrees.Plan p = BuiltTrees.choose(kept, "fam", "b", List.of("p1", "p2"), k -> -1);
        assertThat(p.from().patchSha256()).containsExactly("p1");
        assertThat(p.reverse()).isZero();
        assertThat(p.applyFrom()).isEqualTo(1);
        assertThat(p.cost()).isEqualTo(1);
        // Prefix of 3: reverse p4 of the full tree.
        p = BuiltTrees.choose(kept, "fam", "b", List.of("p1", "p2", "p3"), k -> -1);
        assertThat(p.from().patchSha256()).hasSize(4);
        assertThat(p.reverse()).isEqualTo(1);
        assertThat(p.applyFrom()).isEqualTo(3);
        // The same patches with another content at position 2: reverse from there.
        p = BuiltTrees.choose(kept, "fam", "b", List.of("p1", "x2", "p3", "p4"), k -> -1);
        assertThat(p.from().patchSha256()).containsExactly("p1");
        assertThat(p.applyFrom()).isEqualTo(1);
    }

    @Test
    void equalCostsGoToTheMostRecentlyUsedTree() {
        List<BuiltTrees.Kept> kept = List.of(kept("fam", "b", 5, "p1"), kept("fam", "b", 7, "p1", "p2", "p3"));
        BuiltTrees.Plan p = BuiltTrees.choose(kept, "fam", "b", List.of("p1", "p2"), k -> -1);
        assertThat(p.cost()).isEqualTo(1);
        assertThat(p.from().lastUsed()).isEqualTo(7);
    }

    @Test
    void noTreeOfTheFamilyOrAnotherBaseThatCannotMoveMeansAFreshBuild() {
        List<BuiltTrees.Kept> kept = List.of(kept("other", "b", 1), kept("fam", "a", 1, "p1"));
        assertThat(BuiltTrees.choose(kept, "fam", "b", List.of("p1"), k -> -1)).isNull();
        assertThat(BuiltTrees.choose(List.of(), "fam", "b", List.of(), k -> -1)).isNull();
        assertThat(BuiltTrees.choose(kept, "fam", "b", List.of("p1"), k -> BuiltTrees.MAX_REBASE_FILES + 1)).isNull();
    }

    @Test
    void anotherCommitOfAGitSourceIsADiffAwayAndTheSmallestDiffWins() {
        List<BuiltTrees.Kept> kept = List.of(kept("fam", "git:aaa", 1, "t1"), kept("fam", "git:bbb", 2));
        BuiltTrees.Plan p = BuiltTrees.choose(kept, "fam", "git:ccc", List.of("t1"),
                k -> k.base().equals("git:aaa") ? 3 : 40);
        assertThat(p.from().base()).isEqualTo("git:aaa");
        assertThat(p.rebase()).isTrue();
        assertThat(p.reverse()).isEqualTo(1);
        assertThat(p.applyFrom()).isZero();
        assertThat(p.cost()).isEqualTo(3 + 1 + 1);
    }

    @Test
    void keepsTreesWithTheirPatchesAndEvictsTheLeastRecentlyUsedBeyondTheBound() throws Exception {
        Cache cache = new Cache(dir.resolve("cache"));
        BuiltTrees trees = new BuiltTrees(cache, 2);
        Path p1 = file("0001-a.patch", "one");
        Path p2 = file("0002-b.patch", "two");
        trees.keep(builtTree("plain"), "fam", "b", List.of(), 100);
        trees.keep(builtTree("one"), "fam", "b", List.of(p1), 200);
        List<BuiltTrees.Kept> all = trees.list();
        assertThat(all).extracting(BuiltTrees.Kept::lastUsed).containsExactly(200L, 100L);
        BuiltTrees.Kept one = all.get(0);
        assertThat(one.patchNames()).containsExactly("0001-a.patch");
        assertThat(one.patchSha256()).containsExactly(Cache.sha256(p1));
        assertThat(Files.readString(trees.tree(one).resolve("vmlinux.o"))).isEqualTo("one");
        assertThat(Files.readString(trees.patch(one, 0))).isEqualTo("one");

        // A third tree beyond the bound of 2: the least recently kept one, the plain tree, goes.
        trees.keep(builtTree("two"), "fam", "b", List.of(p1, p2), 400);
        List<String> left = new ArrayList<>();
        trees.list().forEach(k -> left.add(k.patchNames().toString()));
        assertThat(left).containsExactly("[0001-a.patch, 0002-b.patch]", "[0001-a.patch]");
        assertThat(trees.list().get(1).key()).isEqualTo(one.key());
        try (var s = Files.list(cache.dir(BuiltTrees.AREA))) {
            assertThat(s.filter(p -> p.getFileName().toString().contains(".tmp-")).toList()).isEmpty();
        }
    }

    @Test
    void keepingNoneDeletesTheTree() throws Exception {
        Cache cache = new Cache(dir.resolve("cache"));
        BuiltTrees trees = new BuiltTrees(cache, 0);
        Path t = builtTree("x");
        trees.keep(t, "fam", "b", List.of(), 1);
        assertThat(t).doesNotExist();
        assertThat(trees.list()).isEmpty();
    }

    @Test
    void theCommitsOfAGitRepositoryShareAFamilyOtherSourcesAreTheirOwn() {
        SourceArchive a = new SourceArchive("git:/src/linux@v6.12", "aaa", null, null, "git:aaa");
        SourceArchive b = new SourceArchive("git:/src/linux@HEAD", "bbb", null, null, "git:bbb");
        dev.kfit.spec.KernelSource repo = new dev.kfit.spec.KernelSource.GitTree(Path.of("/src/linux"), "v6.12");
        assertThat(KernelBuilder.familySource(repo, a)).isEqualTo("git-repo:/src/linux").isEqualTo(KernelBuilder.familySource(repo, b));
        SourceArchive deb = new SourceArchive("debian:linux-source-6.12", "6.12.117-1", Path.of("/c/x.tar.xz"), null,
                "debian:linux-source-6.12=6.12.117-1");
        assertThat(KernelBuilder.familySource(new dev.kfit.spec.KernelSource.DebianPackage("linux-source-6.12", null), deb))
                .isEqualTo("debian:linux-source-6.12=6.12.117-1");
    }

    /**
     * The first tree of a family is built under the family's lock: a second kfit that wants the family
     * is told it waits, and goes on once the first lets go. The holder is another process (a POSIX lock
     * taken by python3), as it is for two kfit runs.
     */
    @Test
    void aSecondBuildOfAFamilyWaitsForTheFirstTree() throws Exception {
        Cache cache = new Cache(dir.resolve("cache"));
        BuiltTrees trees = new BuiltTrees(cache, 2);
        Path lockFile = cache.dir(BuiltTrees.AREA).resolve("family-f1.lock");
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl, sys, time\n"
                + "f = open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(1.5)",
                lockFile.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine()).isEqualTo("held");
            List<String> said = new ArrayList<>();
            long t0 = System.nanoTime();
            try (AutoCloseable first = trees.lockFamily("f1", () -> said.add("waiting"))) {
                assertThat(said).containsExactly("waiting");
                assertThat((System.nanoTime() - t0) / 1e9).isGreaterThan(0.5);
            }
            // Free now, and another family was never held: neither waits.
            said.clear();
            try (AutoCloseable again = trees.lockFamily("f1", () -> said.add("waiting"));
                 AutoCloseable other = trees.lockFamily("f2", () -> said.add("waiting"))) {
                assertThat(said).isEmpty();
            }
        } finally {
            holder.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
