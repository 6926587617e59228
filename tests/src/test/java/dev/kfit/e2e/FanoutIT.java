package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.e2e.hosts.CommandResult;
import dev.kfit.e2e.hosts.KfitTestHost;
import dev.kfit.e2e.hosts.TestHosts;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ansible/fanout.yml on real, separate hosts: two provisioned test host containers (no route out, no
 * compiler, no kernel source) are the workers; this machine is the controller. The controller builds
 * examples/reproduce.yaml's kernels and guest image once (here: finds them in its cache, where a
 * warm-up put them) and ships them; each worker provisions itself as a worker and runs its shard on
 * them; the controller merges the runs. Containers and network are removed at the end, also on failure.
 */
@Order(4)
class FanoutIT {
    private static final Duration KERNEL_WAIT = Duration.ofMinutes(40);
    private static final Duration PLAY_TIMEOUT = Duration.ofMinutes(35);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theControllerBuildsOnceAndTwoHostsRunTheirShardsOnItsArtefacts() throws Exception {
        List<String> seriesPatches = patchNames("guest-images/patches/p2pdma-userspace-rdma-v5/linux-6.12",
                "guest-images/patches/testbed-rxe-p2pdma/linux-6.12");
        awaitCachedKernels(Map.of("6.12", List.of(), "6.12-series", seriesPatches));

        Path out = Kfit.runDir("fanout");
        Path hostsDir = Kfit.runDir("fanout.hosts");
        Path work = Kfit.runDir("fanout-controller");
        Files.createDirectories(work);
        String runId;
        try (TestHosts hosts = TestHosts.start(2)) {
            runId = hosts.runId();
            for (KfitTestHost h : hosts.hosts()) {
                // A worker has no kernel tool chain: whatever it runs was built elsewhere.
                CommandResult tools = h.exec("sh", "-c", "command -v gcc make debootstrap mvn || true");
                assertThat(tools.stdout()).as(h.name() + ": build tools").isBlank();
            }
            Path inventory = hosts.writeWorkerInventory(work.resolve("workers.ini"), "kfit_timeout=1500");
            Path log = work.resolve("ansible.log");
            String output = play(inventory, out, log);

            // The controller built (or found) each kernel once; its export says which.
            JsonNode prebuilt = JSON.readTree(hostsDir.resolve("prebuilt/prebuilt.json").toFile());
            Map<String, String> keys = new TreeMap<>();
            for (JsonNode k : prebuilt.get("kernels")) {
                keys.put(k.get("label").asText(), k.get("cache_key").asText());
                assertThat(Kfit.CACHE.resolve("kernels").resolve(k.get("cache_key").asText()).resolve("build.json"))
                        .as("kernel " + k.get("label").asText() + " in the controller's cache").isRegularFile();
            }
            assertThat(keys).containsOnlyKeys("6.12", "6.12-series");

            // Each worker ran its own shard, with at least one cell, on the controller's kernels.
            List<String> spec = List.of("6.12.pinned-unbind.r1", "6.12-series.pinned-unbind.r1");
            for (int i = 0; i < 2; i++) {
                KfitTestHost h = hosts.host(i);
                JsonNode run = Kfit.results(hostsDir.resolve(h.name()).resolve("fanout"));
                assertThat(run.get("run").get("shard").asText()).isEqualTo((i + 1) + "/2");
                assertThat(run.get("cells")).as(h.name() + " ran cells").isNotEmpty();
                assertThat(run.get("run").get("spec_cells")).extracting(JsonNode::asText).containsExactlyElementsOf(spec);
                assertThat(run.get("run").get("host").asText()).as("the run's host").isEqualTo(h.name());
                for (JsonNode k : run.get("run").get("kernels")) {
                    String label = k.get("label").asText();
                    assertThat(k.get("cached").asBoolean()).as(h.name() + " kernel " + label + " cached").isTrue();
                    assertThat(k.get("cache_key").asText()).as(h.name() + " kernel " + label).isEqualTo(keys.get(label));
                    assertThat(k.get("build_seconds").asDouble()).as("the controller's build time").isPositive();
                }
                assertThat(run.get("run").get("guest_image").asText()).isEqualTo(prebuilt.get("image").get("cache_key").asText() + " (cached)");

                // It provisioned itself as a worker, not as a builder, and built nothing.
                assertThat(h.exec("sh", "-c", "ls /root/.cache/kfit").requireSuccess().stdout())
                        .as(h.name() + ": kfit's cache").contains("provisioned-worker-").doesNotContain("sources", "ccache");
                assertThat(h.exec("sh", "-c", "ls /root/.cache/kfit/kernels /root/.cache/kfit/images").stdout().lines()
                        .filter(l -> !l.isBlank() && !l.endsWith(":")).toList()).as(h.name() + ": built kernels or images").isEmpty();
                // Nothing is left running: no guest, no kfit.
                assertThat(h.exec("pgrep", "-a", "qemu-system").stdout()).as(h.name() + ": QEMU after the play").isBlank();
                assertThat(h.exec("pgrep", "-a", "-f", "[k]fit-all.jar").stdout()).as(h.name() + ": kfit after the play").isBlank();
            }

            JsonNode merged = Kfit.results(out);
            Map<String, String> verdicts = new TreeMap<>();
            List<String> ids = new ArrayList<>();
            for (JsonNode c : merged.get("cells")) {
                ids.add(c.get("id").asText());
                verdicts.put(c.get("id").asText(), c.get("verdict").asText());
                assertThat(out.resolve(c.get("console").asText())).as("console copied with its cell").isNotEmptyFile();
                assertThat(out.resolve(c.get("history").asText())).isNotEmptyFile();
            }
            assertThat(ids).as("every cell of the spec once, in its order").containsExactlyElementsOf(spec);
            assertThat(verdicts).containsExactlyEntriesOf(new TreeMap<>(Map.of(
                    "6.12.pinned-unbind.r1", "PIN_REFUSED", "6.12-series.pinned-unbind.r1", "BLOCKED_UNTIL_RELEASE")));
            assertThat(merged.get("run").get("concurrency").asText()).contains("merged from 2 run(s)").contains("(shards 1/2, 2/2)");
            assertThat(merged.get("run").get("kernels")).hasSize(2);
            for (JsonNode k : merged.get("run").get("kernels")) {
                assertThat(k.get("cache_key").asText()).isEqualTo(keys.get(k.get("label").asText()));
            }
            for (String f : new String[] {"junit.xml", "kcidb.json", "report.html", "spec.yaml"}) {
                assertThat(out.resolve(f)).isNotEmptyFile();
            }
        }
        TestHosts.assertRemoved(runId);
    }

    /** Runs fanout.yml against the workers, bounded; returns its output (also in {@code log}) after checking it succeeded. */
    private static String play(Path inventory, Path out, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("ansible-playbook", "-i", inventory.toString(), "ansible/fanout.yml",
                "-e", "spec=examples/reproduce.yaml", "-e", "out=" + out)
                .directory(Kfit.ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("ANSIBLE_CONFIG", Kfit.ROOT.resolve("ansible/ansible.cfg").toString());
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(PLAY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            throw new AssertionError("fanout.yml did not finish in " + PLAY_TIMEOUT + "\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        System.err.printf("fanout.yml took %d s%n", Duration.ofNanos(System.nanoTime() - t0).toSeconds());
        System.err.println(output.lines().filter(l -> l.startsWith("TASK") || l.startsWith("PLAY") || l.contains("failed")
                || l.contains("fatal") || l.contains("KERNEL") || l.contains("pinned-unbind") || l.contains(" : ok="))
                .map(l -> "  | " + l).reduce("", (a, b) -> a + b + "\n"));
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }

    /**
     * Waits, bounded, while a kernel this test needs is not in the controller's cache but some kernel build
     * is running there (a warm-up builds them): a second build of the same kernel would only double the
     * work. Returns when they are all cached, or when none is being built (the play builds what is missing).
     */
    private static void awaitCachedKernels(Map<String, List<String>> patchesByLabel) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + KERNEL_WAIT.toNanos();
        Path kernels = Kfit.CACHE.resolve("kernels");
        while (true) {
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : patchesByLabel.entrySet()) {
                if (!cached(kernels, "debian:linux-source-6.12=", e.getValue())) {
                    missing.add(e.getKey());
                }
            }
            List<String> building = building(kernels);
            if (missing.isEmpty() || building.isEmpty()) {
                System.err.println(missing.isEmpty() ? "kernels 6.12 and 6.12-series are in " + kernels
                        : "kernels " + missing + " are not in " + kernels + " and none is being built: the play builds them");
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("kernels " + missing + " still not in " + kernels + " after " + KERNEL_WAIT
                        + " while builds " + building + " were running");
            }
            System.err.println("waiting for kernels " + missing + ": builds running in " + kernels + ": " + building);
            Thread.sleep(20_000);
        }
    }

    /** Whether the cache holds a finished build of {@code source}* with exactly these patches. */
    private static boolean cached(Path kernels, String source, List<String> patches) throws IOException {
        if (!Files.isDirectory(kernels)) {
            return false;
        }
        try (Stream<Path> s = Files.list(kernels)) {
            for (Path e : s.toList()) {
                Path meta = e.resolve("build.json");
                if (Files.isRegularFile(meta) && Files.isRegularFile(e.resolve("bzImage"))) {
                    JsonNode b = JSON.readTree(meta.toFile());
                    List<String> p = new ArrayList<>();
                    b.get("patches").forEach(n -> p.add(n.asText()));
                    if (b.get("source").asText().startsWith(source) && p.equals(patches)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Kernel builds in progress: their scratch directories (KEY.tmp-N). */
    private static List<String> building(Path kernels) throws IOException {
        if (!Files.isDirectory(kernels)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(kernels)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).sorted().toList();
        }
    }

    private static List<String> patchNames(String... dirs) throws IOException {
        List<String> names = new ArrayList<>();
        for (String d : dirs) {
            try (Stream<Path> s = Files.list(Kfit.ROOT.resolve(d))) {
                names.addAll(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".patch")).sorted().toList());
            }
        }
        return names;
    }
}
