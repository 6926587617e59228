package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kfit.e2e.hosts.KfitPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three nights of a nightly on Debian's 6.12, plain and with the P2PDMA series, {@code --repetitions 2},
 * the second night with the planted one-second sleep in nvme_remove (tests/patches/planted-delay) on
 * both kernels, the same labels: night 2's comparison flags the plain kernel's slower unbind, night 3's
 * sees it go back, and trend.html shows the three nights with night 2 higher and the patch change marked.
 *
 * <p>The nights run once, with the store on a PostgreSQL server, so that what differs most between the
 * two databases goes through PostgreSQL during real nightlies: the previous-night lookup (the nightly's
 * name or the spec's text) and the trend page written at the end of each night. The SQLite store then
 * gets the same three run directories by {@code kfit import}, and {@code kfit trend} from it must give the
 * same per-night numbers and marks. Running the nights twice would double the suite's longest part.
 */
@Isolated("measures latencies night against night")
class TrendIT {
    static final String LINE = "debian:linux-source-6.12";
    static final String SCENARIO = "unbind-latency";
    static final String PLANTED = "0001-nvme-pci-planted-one-second-sleep-in-nvme_remove.patch";
    /** The nightly's name: its spec file's name, the same every night although night 2's text differs. */
    static final String SPEC_NAME = "trend-nightly.yaml";
    /** A night: 4 cells of 30-90 s, and on a fresh machine the planted kernels built from kept trees (~1 min each, 35 min without). */
    static final Duration NIGHT = Duration.ofMinutes(60);
    static final Pattern MEDIANS = Pattern.compile("<table class=\"medians\" data-kernel-line=\"([^\"]*)\" data-kernel=\"([^\"]*)\""
            + " data-scenario=\"([^\"]*)\" data-measurement=\"([^\"]*)\" data-unit=\"[^\"]*\">(.*?)</table>", Pattern.DOTALL);
    static final Pattern ROW = Pattern.compile("<tr data-run-key=\"([^\"]*)\" data-median=\"([^\"]*)\">");
    static final Pattern MARK = Pattern.compile("<g class=\"version-change-mark[^\"]*\"><title>([^<]*)</title>");

    @Test
    void threeNightsShowTheSlowerNightAndTheComparisonsFlagItInPostgresAndInSqlite() throws Exception {
        long t0 = System.nanoTime();
        Path base = Kfit.runDir("trend");
        Path runs = base.resolve("runs");
        List<Path> nights = List.of(runs.resolve("night1"), runs.resolve("night2"), runs.resolve("night3"));
        String image = KfitPostgres.buildImage(Kfit.ROOT);
        List<Kfit.Result> ran = new ArrayList<>();
        String pgTrend;
        try (KfitPostgres pg = new KfitPostgres(image)) {
            pg.start();
            for (int n = 1; n <= 3; n++) {
                Path spec = writeSpec(base.resolve("specs/night" + n), n == 2);
                Kfit.Result r = Kfit.run(NIGHT, "nightly", "--spec", spec.toString(), "--repetitions", "2", "--db", pg.jdbcUrl(),
                        "--out", nights.get(n - 1).toString());
                System.err.printf("TrendIT: night %d took %d s%n", n, r.elapsed().toSeconds());
                ran.add(r);
            }
            assertThat(runs.resolve("kfit-results.db")).as("nothing fell back to a file beside the runs").doesNotExist();
            pgTrend = Files.readString(nights.get(2).resolve("trend.html"));
            // Night 2's page says what it was compared with, and kfit report keeps that when it rebuilds the page.
            Path page = nights.get(1).resolve("report.html");
            assertThat(Files.readString(page)).contains("Compared with").contains(nights.get(0).toString());
            Files.delete(page);
            Kfit.Result rebuilt = Kfit.run(Duration.ofMinutes(2), "report", nights.get(1).toString(), "--db", pg.jdbcUrl());
            assertThat(rebuilt.exit()).as(rebuilt.toString()).isZero();
            assertThat(Files.readString(page)).contains("Compared with").contains(nights.get(0).toString());
        }
        long nightsDone = System.nanoTime();

        // Night 1: nothing before it.
        assertThat(ran.get(0).exit()).as(ran.get(0).toString()).isZero();
        assertThat(ran.get(0).stdout()).contains("no earlier nightly beside");

        // Night 2 follows night 1 although its spec differs, and flags the plain kernel's slower unbind.
        Kfit.Result n2 = ran.get(1);
        assertThat(n2.stdout()).as(n2.toString()).contains("compared with " + nights.get(0));
        assertThat(n2.exit()).as(n2.toString()).isEqualTo(1);
        assertThat(n2.stdout().lines()).as(n2.toString()).anyMatch(l -> l.startsWith("REGRESSION  6.12 / unbind-latency: unbind_ms: "));
        JsonNode slower = change(nights.get(1), "6.12 / " + SCENARIO, "unbind_ms");
        assertThat(slower.get("regression").asBoolean()).isTrue();
        assertThat(slower.get("detail").asText()).contains("above the older run's");

        // Night 3 follows night 2 (not night 1, whose spec text it shares) and sees the unbind fast again.
        Kfit.Result n3 = ran.get(2);
        assertThat(n3.stdout()).as(n3.toString()).contains("compared with " + nights.get(1));
        assertThat(n3.exit()).as("exit 1 exactly when the comparison found a regression\n" + n3)
                .isEqualTo(n3.stdout().contains("REGRESSION") ? 1 : 0);
        // The series kept its verdict and its splats from night 2 to 3 (only the planted sleep went): nothing but latency moved.
        assertThat(n3.stdout()).doesNotContain("6.12-series / unbind-latency: verdict").doesNotContain("unbind-latency: new splat");
        JsonNode faster = change(nights.get(2), "6.12 / " + SCENARIO, "unbind_ms");
        assertThat(faster.get("regression").asBoolean()).isFalse();
        assertThat(faster.get("detail").asText()).contains("below the older run's");

        // trend.html (night 3's, from PostgreSQL): the three nights on the plain kernel's line, night 2 higher.
        Map<String, List<String[]>> fromPg = medians(pgTrend);
        List<String[]> plain = fromPg.get(String.join(" | ", LINE, "6.12", SCENARIO, "unbind_ms"));
        assertThat(plain).as("the plain kernel's unbind_ms table in\n" + fromPg.keySet()).hasSize(3);
        for (int n = 0; n < 3; n++) {
            assertThat(plain.get(n)[0]).as("night %d in order", n + 1).endsWith(":" + nights.get(n));
            assertThat(Double.parseDouble(plain.get(n)[1])).as("the page's median of night %d is the run's", n + 1)
                    .isEqualTo(median(nights.get(n), "6.12", "unbind_ms"));
        }
        double m1 = Double.parseDouble(plain.get(0)[1]);
        double m2 = Double.parseDouble(plain.get(1)[1]);
        double m3 = Double.parseDouble(plain.get(2)[1]);
        // The planted sleep is one second: most of it shows.
        assertThat(m2).as("night 2's median against nights 1 and 3").isGreaterThan(m1 + 800).isGreaterThan(m3 + 800);
        List<Double> dots = medianDots(pgTrend, "6.12");
        assertThat(dots).as("drawn: night 2's dot above the others (smaller y)").hasSize(3);
        assertThat(dots.get(1)).isLessThan(dots.get(0));
        assertThat(dots.get(1)).isLessThan(dots.get(2));
        // The patch change on one kernel version is marked on the axis, both ways, for both kernels.
        List<String> marks = marks(pgTrend);
        assertThat(marks).anyMatch(m -> m.startsWith("6.12: patches +" + PLANTED + " from "))
                .anyMatch(m -> m.startsWith("6.12: patches -" + PLANTED + " from "))
                .anyMatch(m -> m.startsWith("6.12-series: patches +" + PLANTED + " from "));

        // The same nights imported into SQLite: the same numbers and marks from kfit trend.
        Path sqlite = base.resolve("sqlite/kfit-results.db");
        Kfit.Result imported = Kfit.run(Duration.ofMinutes(3), "import", "--db", sqlite.toString(),
                nights.get(0).toString(), nights.get(1).toString(), nights.get(2).toString());
        assertThat(imported.exit()).as(imported.toString()).isZero();
        Path html = base.resolve("sqlite/trend.html");
        Kfit.Result trend = Kfit.run(Duration.ofMinutes(3), "trend", "--db", sqlite.toString(), "--kernel", LINE,
                "--scenario", SCENARIO, "--html", html.toString());
        assertThat(trend.exit()).as(trend.toString()).isZero();
        String sqliteTrend = Files.readString(html);
        Map<String, List<String[]>> fromSqlite = medians(sqliteTrend);
        assertThat(flatten(fromSqlite)).isEqualTo(flatten(fromPg));
        assertThat(marks(sqliteTrend)).isEqualTo(marks);
        assertThat(trend.stdout()).contains("kernel patches +" + PLANTED);
        System.err.printf("TrendIT: nights (with the server) %d s, SQLite import and trend %d s, total %d s%n",
                (nightsDone - t0) / 1_000_000_000, (System.nanoTime() - nightsDone) / 1_000_000_000, (System.nanoTime() - t0) / 1_000_000_000);
    }

    /**
     * The nightly's spec for one night, in a directory of its own under the same file name: the 6.12
     * kernels as in examples/nightly.yaml and its unbind-latency scenario (the traffic scenario measures
     * throughput, not the unbind, and takes twice as long); with {@code planted}, the sleep on top.
     */
    static Path writeSpec(Path dir, boolean planted) throws Exception {
        Path root = Kfit.ROOT;
        String delay = planted ? "      - " + root.resolve("tests/patches/planted-delay/linux-6.12") + "\n" : "";
        // One vCPU per guest: two cells side by side, each on a core of its own (README, "Running cells
        // side by side": the plain unbind measures what a lone guest does).
        String yaml = "guest: {cpus: 1}\n"
                + "kernels:\n"
                + "  - label: \"6.12\"\n"
                + "    source: " + LINE + "\n"
                + (planted ? "    patches:\n" + delay : "")
                + "  - label: 6.12-series\n"
                + "    source: " + LINE + "\n"
                + "    patches:\n"
                + "      - " + root.resolve("guest-images/patches/p2pdma-userspace-rdma-v5/linux-6.12") + "\n"
                + "      - " + root.resolve("guest-images/patches/testbed-rxe-p2pdma/linux-6.12") + "\n"
                + delay
                + "scenarios:\n"
                + "  - name: " + SCENARIO + "\n"
                + "    type: pinned-unbind\n"
                + "    hold: 12s\n"
                + "    unbind_delay: 2s\n"
                + "    hung_task_timeout: 3s\n"
                + "repetitions: 10\n";
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(SPEC_NAME), yaml);
    }

    /** The change of {@code group} and {@code kind} in the run's comparison.json. */
    static JsonNode change(Path run, String group, String kind) throws Exception {
        JsonNode cmp = new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve("comparison.json").toFile());
        for (JsonNode c : cmp.get("changes")) {
            if (c.get("group").asText().equals(group) && c.get("kind").asText().equals(kind)) {
                return c;
            }
        }
        throw new AssertionError("no change " + group + " " + kind + " in " + run.resolve("comparison.json") + ":\n" + cmp.toPrettyString());
    }

    /** The median of a measurement over the kernel's cells of a run, from its results.json. */
    static double median(Path run, String kernel, String measurement) throws Exception {
        List<Double> v = new ArrayList<>();
        for (JsonNode c : Kfit.results(run).get("cells")) {
            if (!c.get("kernel").asText().equals(kernel) || c.get("verdict").asText().equals("INFRA_ERROR")) {
                continue;
            }
            for (JsonNode m : c.get("measurements")) {
                if (m.get("name").asText().equals(measurement)) {
                    v.add(m.get("value").asDouble());
                }
            }
        }
        v.sort(Double::compare);
        assertThat(v).as("%s values of %s in %s", measurement, kernel, run).isNotEmpty();
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** Each chart's table: "line | kernel | scenario | measurement" to its rows (run key, median), in order. */
    static Map<String, List<String[]>> medians(String html) {
        Map<String, List<String[]>> out = new LinkedHashMap<>();
        Matcher t = MEDIANS.matcher(html);
        while (t.find()) {
            List<String[]> rows = new ArrayList<>();
            Matcher r = ROW.matcher(t.group(5));
            while (r.find()) {
                rows.add(new String[] {r.group(1), r.group(2)});
            }
            out.put(String.join(" | ", t.group(1), t.group(2), t.group(3), t.group(4)), rows);
        }
        return out;
    }

    static List<String> flatten(Map<String, List<String[]>> m) {
        List<String> out = new ArrayList<>();
        m.forEach((k, rows) -> rows.forEach(r -> out.add(k + " | " + r[0] + " | " + r[1])));
        return out;
    }

    /** The y of each median dot on the kernel's unbind_ms chart, in run order. */
    static List<Double> medianDots(String html, String kernel) {
        int at = html.indexOf("<h2>" + LINE + " · " + kernel + " · " + SCENARIO + "</h2>");
        assertThat(at).as("a section for " + kernel).isNotNegative();
        String chart = html.substring(html.indexOf("<h3>unbind_ms (ms)</h3>", at));
        chart = chart.substring(0, chart.indexOf("</svg>"));
        List<Double> ys = new ArrayList<>();
        Matcher m = Pattern.compile("<circle class=\"median\" cx=\"[^\"]*\" cy=\"([^\"]*)\"").matcher(chart);
        while (m.find()) {
            ys.add(Double.parseDouble(m.group(1)));
        }
        return ys;
    }

    /** Every build-change mark's title on the page, in order. */
    static List<String> marks(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = MARK.matcher(html);
        while (m.find()) {
            out.add(m.group(1).replace("&amp;", "&"));
        }
        return out;
    }
}
