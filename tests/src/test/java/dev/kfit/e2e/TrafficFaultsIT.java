package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/traffic-faults.yaml on the patched 6.12: two guests joined over a loopback socket,
 * RDMA writes from initiator into target's P2P memory while target's NVMe is unbound, and while
 * the hypervisor hot-unplugs it.
 */
@Isolated("times faults to tens of milliseconds and measures throughput")
class TrafficFaultsIT {
    static Path run;
    static Kfit.Result result;
    static JsonNode results;

    @BeforeAll
    static void runSpec() throws Exception {
        run = Kfit.runDir("traffic-faults");
        result = Kfit.run(Duration.ofMinutes(45), "run", "examples/traffic-faults.yaml", "--out", run.toString());
        results = Kfit.results(run);
    }

    static JsonNode cell(String scenario) {
        for (JsonNode c : results.get("cells")) {
            if (c.get("scenario").asText().equals(scenario)) {
                return c;
            }
        }
        throw new AssertionError("no cell for " + scenario + "\n" + result);
    }

    @Test
    void everyCellGetsAKernelVerdict() {
        assertThat(result.exit()).as(result.toString()).isZero();
        for (JsonNode c : results.get("cells")) {
            assertThat(c.get("verdict").asText()).as(c.toPrettyString()).isNotEqualTo("INFRA_ERROR");
            assertThat(c.get("consoles").fieldNames()).toIterable().containsExactlyInAnyOrder("target", "initiator");
            for (JsonNode console : c.get("consoles")) {
                assertThat(run.resolve(console.asText())).isNotEmptyFile();
            }
        }
    }

    @Test
    void writesRunWhileTheUnbindIsBlockedAndEverythingRecovers() {
        JsonNode c = cell("traffic-unbind");
        assertThat(c.get("verdict").asText()).as(c.toPrettyString()).isEqualTo("BLOCKED_UNTIL_RELEASE");
        JsonNode fault = c.get("faults").get(0);
        assertThat(fault.get("type").asText()).isEqualTo("unbind");
        // Armed ahead in the guest, the write starts on time (spawned when due it was 0.3-0.9 s late);
        // the slack is the two guests' clock mappings.
        assertThat(fault.get("inject_at_ms").asDouble()).as("unbind at 8 s").isBetween(7_900.0, 8_200.0);
        assertThat(fault.get("returned_after_release").asBoolean()).as(fault.toPrettyString()).isTrue();
        assertThat(fault.get("inject_ms").asDouble()).as("the unbind blocked for seconds").isGreaterThan(5_000);
        assertThat(fault.get("heal_ok").asBoolean()).isTrue();

        JsonNode traffic = c.get("traffic");
        assertThat(traffic.get("completions").asLong()).isPositive();
        assertThat(traffic.get("errors").asLong()).isZero();
        assertThat(traffic.get("before_mb_s").asDouble()).isPositive();
        assertThat(traffic.get("during_mb_s").asDouble()).as("writes go on during the blocked unbind").isPositive();

        JsonNode recovery = c.get("recovery");
        assertThat(recovery.get("driver_bound").asBoolean()).as(recovery.toPrettyString()).isTrue();
        assertThat(recovery.get("p2pmem_published").asBoolean()).isTrue();
        assertThat(recovery.get("new_registration_ok").asBoolean()).isTrue();
        assertThat(recovery.get("traffic_resumed").asBoolean()).isTrue();
        assertThat(c.get("splats").findValuesAsText("type")).contains("HUNG_TASK");
    }

    @Test
    void perftestRunsWithAPerIntervalSeriesAcrossTheBlockedUnbind() {
        JsonNode c = cell("perftest-unbind");
        assertThat(c.get("verdict").asText()).as(c.toPrettyString()).isEqualTo("BLOCKED_UNTIL_RELEASE");
        JsonNode traffic = c.get("traffic");
        assertThat(traffic.get("workload").asText()).isEqualTo("ib_write_bw");
        assertThat(traffic.get("series").size()).as("one point per perftest interval").isGreaterThan(5);
        assertThat(traffic.get("during_mb_s").asDouble()).isPositive();
    }

    /** report.html opened in a real headless browser: the page renders and its figures are drawn. */
    @Test
    void reportRendersWithItsPlotsInAHeadlessBrowser() throws Exception {
        Path html = run.resolve("report.html");
        assertThat(java.nio.file.Files.readString(html)).contains("<svg id=\"latency\"").contains("class=\"timeline\"");
        // Tall enough for the whole page: the headline, cells, legend and splats come before the plots.
        java.awt.image.BufferedImage img = Browser.screenshot(html, run.resolve("report.png"), 900, 8000);
        assertThat(img.getWidth()).isEqualTo(900);
        // The plots' blue (points, throughput lines) and the shaded fault windows are on the page.
        int blue = Browser.count(img, (r, g, b) -> b > 150 && r < 120 && g < 160);
        int shade = Browser.count(img, (r, g, b) -> r > 240 && g > 218 && g < 236 && b > 178 && b < 198); // #f5b041 at 35 % over white
        assertThat(blue).as("plotted points and lines").isGreaterThan(300);
        assertThat(shade).as("shaded fault windows").isGreaterThan(2000);
    }

    @Test
    void aBaselineWithoutFaultsIsJudgedWithItsThroughput() {
        JsonNode c = cell("traffic-baseline");
        assertThat(c.get("verdict").asText()).as(c.toPrettyString()).isEqualTo("TRAFFIC_OK");
        assertThat(c.get("attempts").asInt()).as("judged the first time, not retried").isEqualTo(1);
        assertThat(c.get("faults")).isEmpty();
        java.util.Map<String, Double> m = new java.util.HashMap<>();
        c.get("measurements").forEach(x -> m.put(x.get("name").asText(), x.get("value").asDouble()));
        assertThat(m.get("before_mb_s")).as(c.toPrettyString()).isPositive();
        assertThat(m.get("completions")).isPositive();
        assertThat(m.get("errors")).isZero();
    }

    @Test
    void hypervisorHotUnplugIsRecordedAndJudged() {
        JsonNode c = cell("traffic-hot-unplug");
        assertThat(List.of("BLOCKED_UNTIL_RELEASE", "HUNG", "PROMPT", "CRASH")).contains(c.get("verdict").asText());
        JsonNode fault = c.get("faults").get(0);
        // Injected from the host: the scenario wakes when it is due (it used to be up to a 0.5 s poll late).
        assertThat(fault.get("inject_at_ms").asDouble()).as("hot-unplug at 8 s").isBetween(7_950.0, 8_300.0);
        assertThat(fault.get("type").asText()).isEqualTo("hot-unplug");
        assertThat(fault.get("inject_at_ms").asDouble()).isBetween(7_000.0, 15_000.0);
        // What the peer saw is recorded either way.
        assertThat(c.get("traffic").get("completions").asLong()).isPositive();
        assertThat(c.get("duration_s").asDouble()).as("bounded: hold + grace + boot").isLessThan(600);
    }
}
