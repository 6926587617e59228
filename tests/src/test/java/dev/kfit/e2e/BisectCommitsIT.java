package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.store.ResultsStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ./kfit bisect over a commit range of a local git repository made from Debian's 6.12 source, one commit
 * of which carries a planted one-second sleep in the NVMe removal path, with --good/--bad, by latency.
 */
@Isolated("bisects by latency")
class BisectCommitsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void sh(Path dir, Duration timeout, String... argv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
        // Fixed dates give the same commit ids on every run, so the steps' kernels come from the cache.
        pb.environment().put("GIT_AUTHOR_DATE", "2026-11-30T00:00:00Z");
        pb.environment().put("GIT_COMMITTER_DATE", "2026-11-30T00:00:00Z");
        Path log = Files.createTempFile("kfit-bisectit-", ".out");
        try {
            Process p = pb.redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", argv) + ": still running after " + timeout);
            }
            assertThat(p.exitValue()).as(String.join(" ", argv) + "\n" + Files.readString(log)).isZero();
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Test
    void aCommitRangeOfALocalGitTreeIsBisectedByLatency() throws Exception {
        // A small repository made from Debian's 6.12 source (in kfit's cache): the
        // source as the first commit, then four commits of which the second carries the planted one-second
        // sleep in nvme_remove. The others change files the kernel build does not read.
        Path cache = Kfit.CACHE;
        // Debian's source in the cache: fetched (and 6.12 built) by kfit, at once when the cache has them.
        Kfit.Result fetched = Kfit.run(Duration.ofMinutes(60), "build", "examples/reproduce.yaml", "--kernels", "6.12");
        assertThat(fetched.exit()).as(fetched.toString()).isZero();
        Path tarball;
        try (var s = Files.list(cache.resolve("sources"))) {
            tarball = s.filter(p -> p.getFileName().toString().matches("linux-source-6\\.12_.*\\.tar\\.xz")).findFirst().orElseThrow();
        }
        Path work = Files.createDirectories(Kfit.runDir("bisect-git-work"));
        Path delay = Kfit.ROOT.resolve("tests/patches/planted-delay/linux-6.12/0001-nvme-pci-planted-one-second-sleep-in-nvme_remove.patch");
        String[][] commits = {
                {"Documentation: a note the kernel build does not read", "Documentation/kfit-note-1.txt"},
                {"nvme-pci: sleep a second in nvme_remove (planted)", null},
                {"tools: another file the build does not read", "tools/kfit-note-2.txt"},
                {"Documentation: a last note", "Documentation/kfit-note-3.txt"}};
        // Made once per tarball and recipe and kept, bare, beside kfit's caches: unpacking and committing
        // the whole tree takes about a minute, and kfit only reads the repository (archive, diff, rev-parse).
        String recipe = tarball.getFileName() + "\n" + Files.readString(delay) + "\n"
                + String.join("\n", java.util.Arrays.stream(commits).map(c -> c[0] + " " + c[1]).toList());
        Path bare = cache.resolve("test-fixtures").resolve("bisect-git-" + ResultsStore.sha256(recipe).substring(0, 16) + ".git");
        if (!Files.isRegularFile(bare.resolve("HEAD"))) {
            Path repo = Files.createDirectories(work.resolve("linux"));
            sh(repo, Duration.ofMinutes(15), "tar", "-xf", tarball.toString(), "--strip-components=1");
            sh(repo, Duration.ofMinutes(1), "git", "init", "-q");
            // Debian's tarball ignores everything at its top level (.gitignore: /*): add by force.
            String[] id = {"-c", "user.name=kfit", "-c", "user.email=kfit@localhost", "-c", "commit.gpgsign=false"};
            sh(repo, Duration.ofMinutes(20), "git", "add", "-A", "-f");
            sh(repo, Duration.ofMinutes(10), cat(List.of("git"), id, "commit", "-q", "-m", "Debian linux-source-6.12"));
            sh(repo, Duration.ofMinutes(1), "git", "tag", "base");
            for (String[] c : commits) {
                if (c[1] == null) {
                    sh(repo, Duration.ofMinutes(2), "patch", "-p1", "--batch", "-i", delay.toString());
                } else {
                    Files.writeString(repo.resolve(c[1]), c[0] + "\n");
                }
                sh(repo, Duration.ofMinutes(5), "git", "add", "-A", "-f");
                sh(repo, Duration.ofMinutes(5), cat(List.of("git"), id, "commit", "-q", "-m", c[0]));
            }
            // Cloned beside its final name and renamed: a run killed half-way leaves no repository to trust.
            Path partial = Files.createDirectories(bare.getParent()).resolve(bare.getFileName() + ".partial");
            sh(work, Duration.ofMinutes(1), "rm", "-rf", partial.toString());
            sh(work, Duration.ofMinutes(10), "git", "clone", "-q", "--bare", repo.toString(), partial.toString());
            Files.move(partial, bare, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            sh(work, Duration.ofMinutes(5), "rm", "-rf", repo.toString());
        }
        // The plain kernel refuses the pin, so the cell measures the bare unbind (~0.2 s; ~1.2 s with the sleep).
        // Guests of two vCPUs, one cell at a time: with 1-vCPU guests two at a time, one run of 2026-12-01
        // gave the good end 112-125 ms and the commit before the planted one 141-150 ms, which the rank
        // test called moved, and bisected to the wrong commit.
        Path spec = Files.writeString(work.resolve("git.yaml"), """
                kernels:
                  - label: my-tree
                    source: git:%s
                scenarios:
                  - name: pinned-unbind
                    hold: 5s
                    unbind_delay: 1s
                    hung_task_timeout: 5s
                """.formatted(bare));
        Path out = Kfit.runDir("bisect-git");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(60), "bisect", spec.toString(), "--kernel", "my-tree",
                "--good", "base", "--bad", "HEAD", "--criteria", "latency", "--out", out.toString());
        System.out.printf("kfit e2e: git bisect (%d s)%n%s%n", r.elapsed().toSeconds(), r.stdout());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("first bad: ").contains("kernels: ");
        JsonNode log = JSON.readTree(out.resolve("bisect.json").toFile());
        assertThat(log.get("mode").asText()).isEqualTo("commits");
        assertThat(log.get("points").size()).isEqualTo(commits.length + 1);
        JsonNode result = log.get("result");
        assertThat(result.get("exact").asBoolean()).as(result.toString()).isTrue();
        assertThat(result.get("first_bad").asText()).as(result.toString()).contains("planted");
        // Ends with five runs, steps with at least three: the latency rank test has enough to go on.
        assertThat(log.get("ends").get("good").get("runs").asInt()).isGreaterThanOrEqualTo(5);
        assertThat(log.get("steps").size()).isBetween(1, 2);
        // Each step records its commit by id, in the step spec and in the kernel's recorded source.
        JsonNode first = log.get("steps").get(0);
        Path round = out.resolve(first.get("dir").asText()).resolve("round-1");
        JsonNode results = JSON.readTree(round.resolve("results.json").toFile());
        assertThat(results.get("run").get("kernels").get(0).get("source").asText()).matches("git:[0-9a-f]{40}");
        // After the first end, no kernel is built afresh: each comes incrementally from a built tree, or from
        // the kernel cache when an earlier run already built that commit (the commits have fixed dates).
        List<String> labels = new ArrayList<>(new LinkedHashSet<>(Pattern.compile("kernel (my-tree\\.[0-9a-f]+): building")
                .matcher(r.stderr()).results().map(m -> m.group(1)).toList()));
        assertThat(labels).as(r.stderr()).hasSize(log.get("steps").size() + 2);
        for (String label : labels.subList(1, labels.size())) {
            boolean built = r.stderr().contains("kernel " + label + ": building from ");
            if (built) {
                assertThat(r.stderr()).as(label).contains("kernel " + label + ": incremental, from the built tree");
            }
        }
    }

    private static String[] cat(List<String> head, String[] mid, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(mid));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}
