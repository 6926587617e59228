package dev.kfit.e2e;

import dev.kfit.cli.Main;
import dev.kfit.compare.Comparison;
import dev.kfit.e2e.hosts.KfitPostgres;
import dev.kfit.e2e.hosts.TestHosts;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.run.RunLayout;
import dev.kfit.store.Recording;
import dev.kfit.store.ResultsStore;
import dev.kfit.store.StoreLocation;
import dev.kfit.store.Trend;
import dev.kfit.verdict.Measurement;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The results store on a real PostgreSQL server (Debian's postgresql-15 in a container built here):
 * three nights imported with {@code kfit import --db jdbc:postgresql://...}, one of them twice; the
 * trend queries, {@code kfit trend}'s page and the nightly's previous-night lookup against the
 * server. The same checks run against the embedded store in orchestrator's ResultsStoreTest.
 */
@Order(13)
class StorePostgresIT {
    static final String SPEC = "kernels: [...]\nscenarios: [{name: unbind-latency}]\n";
    static final String LINE = "debian:linux-source-6.12";
    static final String HUNG = "INFO: task kfit-guest blocked in state D in memunmap_pages";

    @TempDir
    Path runs;

    @Test
    void threeNightsOnAPostgresServer() throws Exception {
        long t0 = System.nanoTime();
        String image = KfitPostgres.buildImage(TestHosts.ROOT);
        long built = System.nanoTime();
        List<RunLayout> nights = writeNights(runs);
        String runId;
        try (KfitPostgres pg = new KfitPostgres(image)) {
            runId = pg.runId();
            pg.start();
            long started = System.nanoTime();
            assertThat(pg.publishedAddresses()).containsExactly("127.0.0.1");
            String url = pg.jdbcUrl();

            // kfit import, as a user would; night 2 twice: recorded once.
            assertThat(Main.execute("import", "--db", url, nights.get(0).dir().toString(), nights.get(1).dir().toString())).isZero();
            assertThat(Main.execute("import", "--db", url, nights.get(1).dir().toString(), nights.get(2).dir().toString())).isZero();

            StoreLocation at = StoreLocation.of(url, "--db");
            assertThat(at.kind()).isEqualTo(StoreLocation.Kind.POSTGRES);
            try (ResultsStore store = ResultsStore.open(at)) {
                assertThat(store.runs()).extracting(ResultsStore.StoredRun::dir)
                        .containsExactly(nights.stream().map(n -> n.dir().toString()).toArray(String[]::new));
                assertThat(store.runs()).allSatisfy(r -> assertThat(r.cells()).isEqualTo(6));

                Trend t = store.trend(ResultsStore.Query.all());
                Trend.Series series = series(t, "6.12-series", "unbind_ms");
                assertThat(series.points()).extracting(Trend.Point::median).containsExactly(160.0, 10050.0, 10040.0);
                assertThat(series.points().get(1).q1()).isEqualTo(10045.0);
                assertThat(series.points().get(1).q3()).isEqualTo(10070.0);
                assertThat(series.points().get(2).n()).isEqualTo(2);
                assertThat(series(t, "6.12", "unbind_ms").points().get(2).max()).as("INFRA_ERROR left out").isEqualTo(150.0);
                assertThat(t.versions()).extracting(v -> v.kernel() + " " + v.from() + "->" + v.to())
                        .containsExactly("6.12 6.12.117->6.12.118", "6.12-series 6.12.117->6.12.118");
                assertThat(t.verdicts()).extracting(v -> v.from() + " -> " + v.to())
                        .containsExactly("PIN_REFUSED -> BLOCKED_UNTIL_RELEASE", "BLOCKED_UNTIL_RELEASE -> BLOCKED_UNTIL_RELEASE 2, HUNG 1");
                assertThat(t.splats()).extracting(s -> s.type() + " " + s.first().startedAt() + ".." + s.last().startedAt() + " " + s.present())
                        .containsExactly("HUNG_TASK " + startedAt(2) + ".." + startedAt(3) + " true",
                                "WARNING " + startedAt(2) + ".." + startedAt(2) + " false");
                assertThat(store.trend(new ResultsStore.Query("2026-11-28", "6.12-series", "unbind-latency")).series())
                        .allSatisfy(s -> assertThat(s.runs()).hasSize(2));

                // The previous night, as the nightly finds it: night 2 for night 3, from the server.
                ResultsStore.StoredRun prev = store.previous(ResultsStore.sha256(SPEC), startedAt(3),
                        ResultsStore.runKey(nights.get(2).dir())).orElseThrow();
                assertThat(prev.dir()).isEqualTo(nights.get(1).dir().toString());
                Results night3 = nights.get(2).readResults();
                assertThat(Comparison.render(Comparison.compare(store.results(prev.runKey()), night3)))
                        .isEqualTo(Comparison.render(Comparison.compare(nights.get(1).readResults(), night3)));
            }
            Recording.Previous p = Recording.previousNight(nights.get(2), url, System.err).orElseThrow();
            assertThat(p.name()).isEqualTo(nights.get(1).dir().toString());
            assertThat(runs.resolve(StoreLocation.FILE_NAME)).as("nothing fell back to a file").doesNotExist();

            // kfit trend: the page with its marks, from the server.
            Path html = runs.resolve("trend.html");
            assertThat(Main.execute("trend", "--db", url, "--kernel", LINE, "--html", html.toString())).isZero();
            assertThat(Files.readString(html)).contains("class=\"version-change\"", ">6.12.118</text>", "class=\"verdict-change\"",
                    "<td>PIN_REFUSED</td><td>BLOCKED_UNTIL_RELEASE</td>", HUNG).doesNotContain("<script");
            long done = System.nanoTime();
            System.err.printf("StorePostgresIT: image %d ms, server start %d ms, imports, queries and trend %d ms%n",
                    (built - t0) / 1_000_000, (started - built) / 1_000_000, (done - started) / 1_000_000);
        }
        // Ryuk cannot run here: close() itself removed the server's container.
        assertThat(TestHosts.docker("ps", "-a", "--filter", "label=" + KfitPostgres.LABEL + "=" + runId, "--format", "{{.Names}}")).isBlank();
    }

    static Trend.Series series(Trend t, String kernel, String measurement) {
        return t.series().stream().filter(s -> s.line().kernel().equals(kernel) && s.measurement().equals(measurement)).findFirst()
                .orElseThrow(() -> new AssertionError("no series " + kernel + " " + measurement));
    }

    static String startedAt(int night) {
        return "2026-11-2" + (6 + night) + "T02:00:00Z";
    }

    /**
     * Three nights of one spec (as orchestrator's store test Nights): 6.12-series refuses the pin on
     * night 1, blocks on night 2 (HUNG_TASK in each cell, a WARNING once), moves to 6.12.118 and hangs
     * once on night 3; the plain 6.12 refuses every night, with one INFRA_ERROR on night 3.
     */
    static List<RunLayout> writeNights(Path parent) throws Exception {
        List<RunLayout> out = new ArrayList<>();
        double[][] series = {{150, 160, 170}, {10040, 10050, 10090}, {10020, 10060, Double.NaN}};
        for (int night = 1; night <= 3; night++) {
            String version = night < 3 ? "6.12.117" : "6.12.118";
            List<CellResult> cells = new ArrayList<>();
            for (int rep = 1; rep <= 3; rep++) {
                String verdict = night == 1 ? "PIN_REFUSED" : night == 3 && rep == 3 ? "HUNG" : "BLOCKED_UNTIL_RELEASE";
                List<CellResult.SplatResult> splats = new ArrayList<>();
                if (night > 1) {
                    splats.add(new CellResult.SplatResult("HUNG_TASK", HUNG, 61.2, "excerpt", "target"));
                }
                if (night == 2 && rep == 1) {
                    splats.add(new CellResult.SplatResult("WARNING", "WARNING in nvme_remove", 70.1, "excerpt", "target"));
                }
                double v = series[night - 1][rep - 1];
                cells.add(cell("6.12-series", version, rep, verdict, splats,
                        Double.isNaN(v) ? List.of() : List.of(Measurement.ms("unbind_ms", v)), night));
            }
            for (int rep = 1; rep <= 3; rep++) {
                boolean infra = night == 3 && rep == 3;
                cells.add(cell("6.12", version, rep, infra ? "INFRA_ERROR" : "PIN_REFUSED", List.of(),
                        List.of(Measurement.ms("unbind_ms", infra ? 99999 : 130 + 10 * rep)), night));
            }
            Results r = new Results(new Results.RunInfo("spec.yaml", startedAt(night), "lab1", "QEMU emulator version 7.2.0", "TCG",
                    List.of(new Results.KernelInfo("6.12", version, LINE, List.of(), "gcc 12", "k1", true, 0, "builds/6.12.log")), "img"), cells);
            RunLayout l = new RunLayout(parent.resolve("night" + night).toAbsolutePath());
            Files.createDirectories(l.dir());
            Files.writeString(l.spec(), SPEC);
            r.write(l.results());
            out.add(l);
        }
        return out;
    }

    private static CellResult cell(String kernel, String version, int rep, String verdict, List<CellResult.SplatResult> splats,
                                   List<Measurement> m, int night) {
        String id = kernel + ".unbind-latency.r" + rep;
        // As kfit records a Debian source: with the package version it resolved to (the line is the package).
        return CellResult.builder()
                .id(id).kernel(kernel).kernelVersion(version).kernelSource(LINE + "=" + version + "-1")
                .patches(List.of()).scenario("unbind-latency").repetition(rep).verdict(verdict)
                .pin(new CellResult.Pin(false, 14)).splats(splats).faults(List.of()).recovery(java.util.Map.of())
                .console("cells/" + id + "/console.log").consoles(java.util.Map.of())
                .history("cells/" + id + "/history.jsonl")
                .error(verdict.equals("INFRA_ERROR") ? "ssh: connection refused" : null).startedAt(startedAt(night))
                .durationS(20.0).attempts(1).measurements(m)
                .build();
    }
}
