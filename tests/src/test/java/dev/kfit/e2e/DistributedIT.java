package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfit.e2e.hosts.KfitTestHost;
import dev.kfit.e2e.hosts.TestHosts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kfit across two real hosts: containers made with Testcontainers on an internal Docker network,
 * provisioned as runners (QEMU and SSH, no kernel tool chain) with the real Ansible role. The
 * kernels are built here once and shipped by key; guests of one pair run on different hosts with
 * their link crossing the hosts' network; kfit killed with SIGKILL leaves nothing running on them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(1)
class DistributedIT {
    /** What the README promises for a killed controller; measured 1-2 s (the SSH connection closes at once). */
    static final Duration REMOTE_CLEANUP = Duration.ofSeconds(10);
    static TestHosts hosts;

    @BeforeAll
    static void hosts() {
        hosts = TestHosts.start(2);
    }

    @AfterAll
    static void closeHosts() {
        if (hosts != null) {
            hosts.close();
        }
    }

    @Test
    @Order(0)
    void aHostKeyThatDoesNotMatchAndAPlacementOnAHostTheInventoryLacksAreBadInput() throws Exception {
        Path dir = Files.createDirectories(Kfit.runDir("distributed/bad"));
        // host1's address with host2's key: a host that is not who the known_hosts file says.
        Path knownHosts = dir.resolve("wrong_known_hosts");
        Files.writeString(knownHosts, hosts.host(0).address() + " " + hosts.host(1).hostKey() + "\n"
                + hosts.host(1).knownHostsLine() + "\n");
        Path inventory = dir.resolve("wrong.ini");
        Files.writeString(inventory, Files.readString(hosts.inventory()).replace(hosts.knownHosts().toString(), knownHosts.toString()));
        Kfit.Result r = Kfit.run(Duration.ofMinutes(5), "run", "examples/reproduce.yaml", "--hosts", inventory.toString(),
                "--out", dir.resolve("run1").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("host1").contains(knownHosts.toString());
        assertThat(dir.resolve("run1")).doesNotExist();

        Path spec = dir.resolve("elsewhere.yaml");
        Files.writeString(spec, Files.readString(Kfit.ROOT.resolve("examples/distributed.yaml"))
                .replace("../guest-images/", Kfit.ROOT.resolve("guest-images") + "/")
                .replace("{name: initiator}", "{name: initiator, host: host7}"));
        r = Kfit.run(Duration.ofMinutes(5), "run", spec.toString(), "--hosts", hosts.inventory().toString(),
                "--out", dir.resolve("run2").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("'host7'").contains("host1, host2");
    }

    @Test
    @Order(1)
    void theNightlyOnTwoHostsKilledWithSigkillLeavesNoGuestAndTheRerunFinishesWithTheVerdictsOfOneHost() throws Exception {
        // Not beside NightlyIT's runs: a nightly compares itself with the newest run of its spec next to it.
        Path run = Kfit.runDir("distributed/nightly");
        String[] args = {"run", "examples/nightly.yaml", "--repetitions", "1", "--kernels", "6.12,6.12-series",
                "--hosts", hosts.inventory().toString(), "--out", run.toString()};
        Path log = run.resolveSibling("distributed-nightly-killed.log");
        Process p = Kfit.start(log, args);
        // Killed once a cell has finished and guests run on the hosts: mid-cell, results on disk.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(60); // a fresh machine builds two kernels first
        while (!(Files.readString(log).matches("(?s).*\\(1/4 cells.*") && qemuCount() > 0)) {
            assertThat(p.isAlive()).as("kfit still runs\n" + Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("a cell finished within the time\n" + Files.readString(log)).isLessThan(deadline);
            Thread.sleep(500);
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hook; the hosts must notice on their own
        long killed = System.nanoTime();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        while (qemuCount() > 0) {
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("QEMU gone from the hosts").isLessThan(REMOTE_CLEANUP);
            Thread.sleep(100);
        }
        System.err.printf("  | no QEMU on either host %d ms after SIGKILL of kfit%n",
                Duration.ofNanos(System.nanoTime() - killed).toMillis());
        int keptCells = Kfit.results(run).get("cells").size();
        assertThat(keptCells).as("finished cells on disk at the kill").isBetween(1, 3);

        Kfit.Result r = Kfit.run(Duration.ofMinutes(30), args);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.stderr()).contains(keptCells + " of 4 cells finished in an earlier run of this directory, kept");
        JsonNode results = Kfit.results(run);
        Map<String, String> verdicts = new LinkedHashMap<>();
        Set<String> used = new LinkedHashSet<>();
        for (JsonNode c : results.get("cells")) {
            verdicts.put(c.get("kernel").asText() + " " + c.get("scenario").asText(), c.get("verdict").asText());
            assertThat(c.get("hosts").size()).as(c.get("id").asText() + " says where its guests ran").isPositive();
            c.get("hosts").forEach(h -> used.add(h.asText()));
        }
        // As on one host (NightlyIT, README): the series blocks the unbind, the plain kernel refuses the pin.
        assertThat(verdicts).containsExactlyInAnyOrderEntriesOf(Map.of(
                "6.12 unbind-latency", "PIN_REFUSED",
                "6.12-series unbind-latency", "BLOCKED_UNTIL_RELEASE",
                "6.12 traffic-unbind", "PIN_REFUSED",
                "6.12-series traffic-unbind", "BLOCKED_UNTIL_RELEASE"));
        assertThat(used).as("both hosts ran cells").containsExactlyInAnyOrder("host1", "host2");
        assertThat(results.get("run").get("host").asText()).isEqualTo("host1, host2");

        // Built once, here: the hosts have no compiler, and hold the kernel of each cell they ran under its cache key.
        Map<String, String> keys = new LinkedHashMap<>();
        results.get("run").get("kernels").forEach(k -> keys.put(k.get("label").asText(), k.get("cache_key").asText()));
        for (KfitTestHost h : hosts.hosts()) {
            assertThat(h.exec("sh", "-c", "command -v gcc || command -v make").exit()).as(h.name() + " has no tool chain").isNotZero();
            String staged = h.execOk("sh", "-c", "ls /root/.cache/kfit/staged");
            for (JsonNode c : results.get("cells")) {
                if (c.get("hosts").toString().contains("\"" + h.name() + "\"")) {
                    assertThat(staged).as(h.name() + " holds kernel " + c.get("kernel").asText())
                            .contains(keys.get(c.get("kernel").asText()));
                }
            }
        }
        assertNoQemuLeft();
    }

    @Test
    @Order(2)
    void aPairSplitOverTwoHostsMeetsAPartitionANetemDelayAndAHostCrashDuringABlockedUnbind() throws Exception {
        Path run = Kfit.runDir("distributed/faults");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(40), "run", "examples/distributed.yaml",
                "--hosts", hosts.inventory().toString(), "--out", run.toString());
        JsonNode results = Kfit.results(run);
        assertThat(r.exit()).as(r.toString()).isIn(0, 1);

        JsonNode partition = Kfit.scenarioCell(results, "partition-during-unbind");
        assertThat(partition.get("hosts").get("target").asText()).as("split over two hosts")
                .isNotEqualTo(partition.get("hosts").get("initiator").asText());
        assertThat(partition.get("verdict").asText()).as(partition.toString()).isEqualTo("BLOCKED_UNTIL_RELEASE");
        JsonNode cut = fault(partition, "partition");
        double cutAt = cut.get("inject_at_ms").asDouble();
        double healAt = cut.get("heal_at_ms").asDouble();
        assertThat(cut.get("heal_ok").asBoolean()).isTrue();
        JsonNode traffic = partition.get("traffic");
        // The writes stop during the cut (first error recorded, after the cut began) and come back after the heal.
        assertThat(mbs(traffic, cutAt + 1500, healAt)).as("MB/s while cut").isLessThan(0.05);
        assertThat(mbs(traffic, healAt + 3000, healAt + 8000)).as("MB/s after the heal").isGreaterThan(0.5);
        assertThat(traffic.get("first_error")).as("first error the writer saw").isNotNull();

        JsonNode netem = Kfit.scenarioCell(results, "netem-during-unbind");
        assertThat(netem.get("verdict").asText()).isEqualTo("BLOCKED_UNTIL_RELEASE");
        JsonNode slow = fault(netem, "netem");
        double before = mbs(netem.get("traffic"), 0, slow.get("inject_at_ms").asDouble());
        double during = mbs(netem.get("traffic"), slow.get("inject_at_ms").asDouble() + 1000, slow.get("heal_at_ms").asDouble());
        assertThat(during).as("MB/s with 50 ms each way, against %.2f before", before).isLessThan(before * 0.5);

        JsonNode crash = Kfit.scenarioCell(results, "host-crash-during-unbind");
        assertThat(fault(crash, "host-crash").get("outcome").asText()).isEqualTo("OK");
        assertThat(crash.get("verdict").asText()).as(crash.toString()).isNotEqualTo("INFRA_ERROR");
        assertNoQemuLeft();
    }

    private static JsonNode fault(JsonNode cell, String type) {
        for (JsonNode f : cell.get("faults")) {
            if (f.get("type").asText().equals(type)) {
                return f;
            }
        }
        throw new AssertionError("no " + type + " fault in " + cell);
    }

    /** Mean throughput of the traffic series between two times (ms after the workload started). */
    private static double mbs(JsonNode traffic, double fromMs, double toMs) {
        double sum = 0;
        int n = 0;
        for (JsonNode point : traffic.get("series")) {
            double t = point.get(0).asDouble();
            if (t >= fromMs && t < toMs) {
                sum += point.get(1).asDouble();
                n++;
            }
        }
        assertThat(n).as("samples between %.0f and %.0f ms in %s", fromMs, toMs, traffic).isPositive();
        return sum / n;
    }

    private static int qemuCount() {
        int n = 0;
        for (KfitTestHost h : hosts.hosts()) {
            String out = h.exec("sh", "-c", "pgrep -c -f '^qemu-system' || true").stdout().trim();
            n += out.isEmpty() ? 0 : Integer.parseInt(out);
        }
        return n;
    }

    private static void assertNoQemuLeft() throws InterruptedException {
        long deadline = System.nanoTime() + REMOTE_CLEANUP.toNanos();
        while (qemuCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(qemuCount()).as("QEMU processes left on the hosts").isZero();
    }
}
