package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ./kfit bisect on real kernels: the 6.12 series of examples/reproduce.yaml (its five patches, the last
 * kfit's rxe enabling patch) by verdict, resumed, summarised, and a series whose ends agree refused.
 * By verdict and splat only: it may share the machine. A commit range by latency is BisectCommitsIT.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(6)
class BisectIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Order(1)
    void findsThePatchOfTheSeriesThatLetsTheUnbindBlock() throws Exception {
        Path out = Kfit.runDir("bisect-6.12-series");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(90), "bisect", "examples/reproduce.yaml", "--kernel", "6.12-series",
                "--criteria", "verdict,splat", "--runs", "2", "--out", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("good end: PIN_REFUSED x2").contains("bad end:  BLOCKED_UNTIL_RELEASE x2")
                .contains("STEP ").contains("first bad: ").contains("kernels: ");
        JsonNode log = JSON.readTree(out.resolve("bisect.json").toFile());
        JsonNode result = log.get("result");
        assertThat(result.get("refused").isNull()).as(r.toString()).isTrue();
        // Without kfit's rxe patch (the fifth), rxe never asks for FOLL_PCI_P2PDMA and the pin stays refused
        // (FACTS.md), so the fifth prefix is expected to be the first bad one, unless an earlier prefix
        // already prints a new splat (patch 1 turns a check into a WARN): either is a finding worth reading.
        System.out.printf("kfit e2e: bisect result %s (%d s)%n", result, r.elapsed().toSeconds());
        assertThat(result.get("first_bad").asText()).matches("p[1-5] .*");
        assertThat(result.get("confidence").asDouble()).isGreaterThan(0.66);
        assertThat(log.get("steps").size()).isBetween(1, 3);
        for (JsonNode s : log.get("steps")) {
            assertThat(out.resolve(s.get("dir").asText()).resolve("round-1/results.json")).exists();
            assertThat(out.resolve(s.get("dir").asText()).resolve("round-1.yaml")).exists();
        }
    }

    @Test
    @Order(2)
    void runAgainWithTheSameOutItResumesWithoutRunningACell() throws Exception {
        Path out = Kfit.runPath("bisect-6.12-series");
        String before = Files.readString(out.resolve("bisect.json"));
        Kfit.Result r = Kfit.run(Duration.ofMinutes(10), "bisect", "examples/reproduce.yaml", "--kernel", "6.12-series",
                "--criteria", "verdict,splat", "--runs", "2", "--out", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stderr()).doesNotContain("building from").doesNotContain(": running ");
        JsonNode a = JSON.readTree(before);
        JsonNode b = JSON.readTree(out.resolve("bisect.json").toFile());
        assertThat(b.get("result")).isEqualTo(a.get("result"));
        assertThat(b.get("steps")).isEqualTo(a.get("steps"));
        // Other arguments on the same directory are refused.
        Kfit.Result other = Kfit.run(Duration.ofMinutes(5), "bisect", "examples/reproduce.yaml", "--kernel", "6.12-series",
                "--runs", "3", "--out", out.toString());
        assertThat(other.exit()).as(other.toString()).isEqualTo(2);
        assertThat(other.stderr()).contains("started with other arguments");
    }

    @Test
    @Order(3)
    void theSummaryOfTheBisectionIsPlainTextFor72Columns() throws Exception {
        Path out = Kfit.runPath("bisect-6.12-series");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(3), "summary", out.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("kfit bisection: 6.12-series, scenario pinned-unbind, over 5 patches")
                .contains("Result").contains("Reproducer").contains("./kfit bisect examples/reproduce.yaml");
        assertThat(r.stdout().lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(72));
    }

    @Test
    @Order(4)
    void aSeriesOfOnePatchWhoseEndsDoNotDifferIsRefusedWithExitTwo() throws Exception {
        // Patch 1 alone (kernfs: WARN on an mmap with ->close) leaves the pin refused: by verdict the ends agree.
        Path patch = Kfit.ROOT.resolve("guest-images/patches/p2pdma-userspace-rdma-v5/linux-6.12/0001-kernfs-warn-on-mmap-with-close.patch");
        Path work = Kfit.runDir("bisect-one-patch-work");
        Files.createDirectories(work);
        Path spec = Files.writeString(work.resolve("one.yaml"), """
                guest: {cpus: 1}
                kernels:
                  - label: one-patch
                    source: debian:linux-source-6.12
                    patches: [%s]
                scenarios:
                  - name: pinned-unbind
                    hold: 20s
                    unbind_delay: 3s
                    hung_task_timeout: 5s
                """.formatted(patch));
        Path out = Kfit.runDir("bisect-one-patch");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(30), "bisect", spec.toString(), "--kernel", "one-patch",
                "--criteria", "verdict", "--runs", "1", "--out", out.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("the ends do not differ").contains("PIN_REFUSED x1");
        assertThat(JSON.readTree(out.resolve("bisect.json").toFile()).get("result").get("refused").asText())
                .startsWith("the ends do not differ");
    }
}
