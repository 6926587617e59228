package dev.kfit.bisect;

import dev.kfit.testing.Processes;
import dev.kfit.host.LocalHost;
import dev.kfit.spec.KernelSource;
import dev.kfit.spec.KernelSpec;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StepSpecsTest {
    @TempDir
    Path tmp;

    private Spec spec() throws Exception {
        Path series = Files.createDirectories(tmp.resolve("series"));
        for (String p : List.of("0001-a.patch", "0002-b.patch", "0003-c.patch")) {
            Files.writeString(series.resolve(p), "--- a/x\n+++ b/x\n");
        }
        Files.writeString(tmp.resolve("extra.config"), "CONFIG_X=y\n");
        Path file = Files.writeString(tmp.resolve("spec.yaml"), """
                kernels:
                  - label: "6.12"
                    source: debian:linux-source-6.12
                  - label: 6.12-series
                    source: debian:linux-source-6.12
                    patches: [series]
                    fragments: [extra.config]
                scenarios:
                  - name: pinned-unbind
                    hold: 20s
                    repetitions: 4
                  - name: traffic
                    type: rdma-traffic
                cells:
                  - {kernel: 6.12-series, scenario: pinned-unbind}
                guest: {cpus: 2, memory: 1G}
                repetitions: 2
                """);
        return SpecLoader.load(file);
    }

    @Test
    void aSeriesGivesAPointPerPrefix() throws Exception {
        KernelSpec k = spec().kernels().get(1);
        List<Points.Point> points = Points.series(k);
        assertThat(points).extracting(Points.Point::name).containsExactly("p0", "p1", "p2", "p3");
        assertThat(points.get(0).patches()).isEmpty();
        assertThat(points.get(0).describe()).isEqualTo("without the series");
        assertThat(points.get(2).describe()).isEqualTo("0002-b.patch");
        assertThat(points.get(2).patches()).extracting(p -> p.getFileName().toString()).containsExactly("0001-a.patch", "0002-b.patch");
    }

    @Test
    void aStepSpecIsTheSpecWithOneKernelOneScenarioAndTheStepsRepetitions() throws Exception {
        Spec spec = spec();
        KernelSpec k = spec.kernels().get(1);
        Points.Point p2 = Points.series(k).get(2);
        String yaml = StepSpecs.render(spec.file(), k, "pinned-unbind", p2, "6.12-series.p2", 3, "step p2");
        assertThat(yaml).startsWith("# step p2\n");
        // Written elsewhere: every path in it is absolute.
        Path elsewhere = Files.createDirectories(tmp.resolve("out/steps/p2")).resolve("round-1.yaml");
        Files.writeString(elsewhere, yaml);
        Spec step = SpecLoader.load(elsewhere);
        assertThat(step.kernels()).hasSize(1);
        KernelSpec sk = step.kernels().get(0);
        assertThat(sk.label()).isEqualTo("6.12-series.p2");
        assertThat(sk.source()).isEqualTo(new KernelSource.DebianPackage("linux-source-6.12", null));
        assertThat(sk.patchFiles()).containsExactlyElementsOf(p2.patches());
        assertThat(sk.fragments()).containsExactly(tmp.resolve("extra.config"));
        assertThat(step.scenarios()).extracting(s -> s.name()).containsExactly("pinned-unbind");
        assertThat(step.scenarios().get(0)).isEqualTo(spec.scenarios().get(0));
        assertThat(step.cells()).hasSize(3);
        assertThat(step.guest()).isEqualTo(spec.guest());
    }

    @Test
    void theGoodEndOfASeriesHasNoPatchesKey() throws Exception {
        Spec spec = spec();
        KernelSpec k = spec.kernels().get(1);
        String yaml = StepSpecs.render(spec.file(), k, "pinned-unbind", Points.series(k).get(0), "6.12-series.p0", 1, "p0");
        assertThat(yaml).doesNotContain("patches");
        Path f = Files.writeString(tmp.resolve("p0.yaml"), yaml);
        assertThat(SpecLoader.load(f).kernels().get(0).patchFiles()).isEmpty();
    }

    private static void git(Path repo, String... args) throws Exception {
        List<String> argv = new java.util.ArrayList<>(List.of("git", "-C", repo.toString(), "-c", "user.name=t",
                "-c", "user.email=t@t", "-c", "commit.gpgsign=false"));
        argv.addAll(List.of(args));
        Processes.Output r = Processes.run(java.time.Duration.ofMinutes(1), null, argv);
        assertThat(r.status()).as(r.stdout() + r.stderr()).isZero();
    }

    @Test
    void aCommitRangeGivesAPointPerFirstParentCommitRecordedById() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("linux"));
        git(repo, "init", "-q");
        Files.writeString(repo.resolve("Makefile"), "VERSION = 6\n");
        git(repo, "add", ".");
        git(repo, "commit", "-q", "-m", "base");
        git(repo, "tag", "good");
        for (String c : List.of("one", "two", "three")) {
            Files.writeString(repo.resolve(c), c);
            git(repo, "add", ".");
            git(repo, "commit", "-q", "-m", "add " + c);
        }
        Path file = Files.writeString(tmp.resolve("git.yaml"), """
                kernels:
                  - label: my-tree
                    source: git:linux
                scenarios:
                  - name: pinned-unbind
                """);
        KernelSpec k = SpecLoader.load(file).kernels().get(0);
        try (LocalHost host = new LocalHost()) {
            List<Points.Point> points = Points.commits(k, host, "good", "HEAD");
            assertThat(points).hasSize(4);
            assertThat(points.get(0).describe()).endsWith("(--good good)");
            assertThat(points.get(1).describe()).endsWith(" add one");
            assertThat(points.get(3).describe()).endsWith(" add three");
            assertThat(points.get(3).source()).matches("git:" + java.util.regex.Pattern.quote(repo.toString()) + "@[0-9a-f]{40}");
            assertThat(points.get(3).name()).hasSize(12);
            // A step spec of a commit names the commit itself.
            String yaml = StepSpecs.render(file, k, "pinned-unbind", points.get(2), "my-tree." + points.get(2).name(), 1, "c");
            Path f = Files.writeString(tmp.resolve("c.yaml"), yaml);
            KernelSource.GitTree src = (KernelSource.GitTree) SpecLoader.load(f).kernels().get(0).source();
            assertThat(src.ref()).hasSize(40);
            assertThat(points.get(2).describe()).startsWith(src.ref());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Points.commits(k, host, "HEAD", "good"))
                    .hasMessageContaining("is not an ancestor");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Points.commits(k, host, "good", "nope"))
                    .hasMessageContaining("no commit 'nope'");
        }
    }
}
