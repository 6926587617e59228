package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built-in nightly on its 7.2 kernels, one repetition per cell (4 cells: 2 kernels x 2 scenarios),
 * killed with SIGKILL in the middle and resumed; its reports; comparisons between its kernels. A night
 * compared with the night before, and its page, are TrendIT's. Its 6.12 kernels run across two hosts in
 * {@link DistributedIT}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(5)
class NightlyIT {
    static final int CELLS = 4;
    static Path run;

    @BeforeAll
    static void dirs() throws Exception {
        run = Kfit.runDir("nightly");
    }

    @Test
    @Order(1)
    void killedInTheMiddleTheRerunFinishesTheRestWithoutRedoingOrLosingCells() throws Exception {
        Path log = run.resolveSibling("nightly-killed.log");
        Process p = Kfit.start(log, "nightly", "--repetitions", "1", "--kernels", "7.2,7.2-series", "--out", run.toString());
        // Kernels may still have to build (fresh machine: about 35 min); then a cell takes 30-60 s.
        Map<String, String> before = awaitFinishedCells(p, log, 2, Duration.ofMinutes(75));
        // The launcher execs the JVM: the process we started is kfit itself.
        assertThat(p.toHandle().info().command().orElse("")).as("kfit runs as a JVM by now").endsWith("java");
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no last write
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertNoQemuOf(run, Duration.ofSeconds(20));

        JsonNode killed = Kfit.results(run);
        assertThat(killed.get("cells").size()).as("killed before the end").isLessThan(CELLS);
        before = finished(killed); // everything on disk at the kill, which may be one more than we saw

        Kfit.Result r = Kfit.run(Duration.ofMinutes(40), "nightly", "--repetitions", "1", "--kernels", "7.2,7.2-series",
                "--out", run.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("no earlier nightly beside");
        assertThat(r.stderr()).contains(before.size() + " of " + CELLS + " cells finished in an earlier run of this directory, kept");
        JsonNode after = Kfit.results(run);
        Map<String, String> all = finished(after);
        assertThat(after.get("cells").size()).as(r.toString()).isEqualTo(CELLS);
        assertThat(all).as("every cell once, with a kernel verdict").hasSize(CELLS);
        for (Map.Entry<String, String> e : before.entrySet()) {
            assertThat(all.get(e.getKey())).as("cell %s kept, not redone", e.getKey()).isEqualTo(e.getValue());
        }
        // The rest ran in this process: no cell started before the rerun but those kept.
        assertThat(r.stderr()).doesNotContain(before.keySet().iterator().next() + ": booting");
        for (String f : new String[] {"results.json", "junit.xml", "kcidb.json", "report.html"}) {
            assertThat(run.resolve(f)).isNotEmptyFile();
        }
        String junit = Files.readString(run.resolve("junit.xml"));
        assertThat(junit.split("<testcase ", -1)).hasSize(CELLS + 1);
        assertThat(junit).contains("BLOCKED_UNTIL_RELEASE"); // the series' finding is a failure Jenkins shows
        assertThat(Files.readString(run.resolve("kcidb.json"))).contains("\"builds\"").contains("\"tests\"");
    }

    @Test
    @Order(2)
    void reportShowsLatencyDistributionsAndTimelinesInAHeadlessBrowser() throws Exception {
        String html = Files.readString(run.resolve("report.html"));
        // One repetition per cell: each latency row is its point and median (boxes need two; unit-tested).
        assertThat(html.split("class=\"rep\"", -1)).as("a point per cell").hasSize(CELLS + 1);
        assertThat(html).contains("<svg id=\"latency\"").contains("class=\"median\"").contains("class=\"timeline\"")
                .contains("7.2-series").doesNotContain("http://").doesNotContain("https://");
        BufferedImage img = Browser.screenshot(run.resolve("report.html"), run.resolve("report.png"), 1000, 2400);
        int blue = Browser.count(img, (r, g, b) -> b > 150 && r < 120 && g < 160);
        int shade = Browser.count(img, (r, g, b) -> r > 240 && g > 218 && g < 236 && b > 178 && b < 198);
        assertThat(blue).as("plotted points, boxes and lines").isGreaterThan(300);
        assertThat(shade).as("shaded fault windows").isGreaterThan(2000);
    }

    @Test
    @Order(3)
    void unpatchedAgainstPatchedFlagsTheBlockedUnbindAndTheHungTaskAndNotTheReverse() throws Exception {
        Kfit.Result worse = Kfit.run(Duration.ofMinutes(3), "compare", run.toString(), run.toString(),
                "--old-kernel", "7.2", "--new-kernel", "7.2-series");
        assertThat(worse.exit()).as(worse.toString()).isEqualTo(1);
        assertThat(worse.stdout().lines().filter(l -> l.startsWith("REGRESSION")))
                .anyMatch(l -> l.contains("unbind-latency: verdict") && l.contains("BLOCKED_UNTIL_RELEASE"))
                .anyMatch(l -> l.contains("unbind-latency: new splat: HUNG_TASK"));
        // Regressions come first.
        assertThat(worse.stdout().lines().findFirst().orElse("")).startsWith("REGRESSION");

        Kfit.Result better = Kfit.run(Duration.ofMinutes(3), "compare", run.toString(), run.toString(),
                "--old-kernel", "7.2-series", "--new-kernel", "7.2");
        assertThat(better.exit()).as("the fix direction is not a regression\n" + better).isZero();
        assertThat(better.stdout()).contains("splat gone").doesNotContain("REGRESSION");
    }

    /** Cell id to started_at for the cells with a kernel verdict. */
    private static Map<String, String> finished(JsonNode results) {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonNode c : results.get("cells")) {
            if (!c.get("verdict").asText().equals("INFRA_ERROR")) {
                m.put(c.get("id").asText(), c.get("started_at").asText());
            }
        }
        return m;
    }

    private static Map<String, String> awaitFinishedCells(Process p, Path log, int n, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("kfit nightly ended before it could be killed: exit " + p.exitValue() + "\n" + Files.readString(log));
            }
            if (Files.isRegularFile(run.resolve("results.json"))) {
                Map<String, String> f = finished(Kfit.results(run));
                if (f.size() >= n) {
                    return f;
                }
            }
            Thread.sleep(2000);
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError(n + " cells not finished within " + max + "\n" + Files.readString(log));
    }

    /** The killed JVM's QEMUs die with it (parent-death signal); none may linger. */
    private static void assertNoQemuOf(Path runDir, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            var left = ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains("qemu-system")
                    && h.info().commandLine().orElse("").contains(runDir.toString())).toList();
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                left.forEach(ProcessHandle::destroyForcibly);
                throw new AssertionError("QEMU left running after kfit was killed: " + left.get(0).info().commandLine().orElse(""));
            }
            Thread.sleep(500);
        }
    }
}
