package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfit.e2e.hosts.TestHosts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a test (no *IT name, so the suite skips it): the benchmark's hosts line, run by
 * {@code bench/benchmark.sh} with {@code KFIT_BENCH_HOSTS=on}. The nightly's cells on the 6.12 kernels
 * with one repetition, first on this machine alone, then on two test hosts (containers on this same
 * machine), and cells per hour of each side by side.
 */
@Isolated("a benchmark: measures cells per hour")
class HostsBenchmark {
    @Test
    void cellsPerHourOnOneHostAndOnTwo() throws Exception {
        String[] args = {"run", "examples/nightly.yaml", "--repetitions", "1", "--kernels", "6.12,6.12-series"};
        Path one = Kfit.runDir("bench-one-host");
        Kfit.Result r1 = Kfit.run(Duration.ofMinutes(60), concat(args, "--out", one.toString()));
        assertThat(r1.exit()).as(r1.toString()).isZero();
        double perHour1 = cellsPerHour(Kfit.results(one));
        double perHour2;
        try (TestHosts hosts = TestHosts.start(2)) {
            Path two = Kfit.runDir("bench-two-hosts");
            Kfit.Result r2 = Kfit.run(Duration.ofMinutes(60), concat(args, "--hosts", hosts.inventory().toString(),
                    "--out", two.toString()));
            assertThat(r2.exit()).as(r2.toString()).isZero();
            perHour2 = cellsPerHour(Kfit.results(two));
        }
        System.out.printf("BENCH hosts: nightly --repetitions 1 on 6.12 and 6.12-series (4 cells): one host %.0f cells/h,"
                + " two hosts %.0f cells/h, ratio %.2f (both hosts share this machine's %d cores)%n",
                perHour1, perHour2, perHour2 / perHour1, Runtime.getRuntime().availableProcessors());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Over the cell phase only: first cell's start to last cell's end, as the benchmark script measures it. */
    static double cellsPerHour(JsonNode results) {
        double start = Double.MAX_VALUE;
        double end = 0;
        int n = 0;
        for (JsonNode c : results.get("cells")) {
            double s = OffsetDateTime.parse(c.get("started_at").asText()).toInstant().toEpochMilli() / 1000.0;
            start = Math.min(start, s);
            end = Math.max(end, s + c.get("duration_s").asDouble());
            n++;
        }
        return 3600.0 * n / (end - start);
    }
}
