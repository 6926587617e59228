package dev.kfit.store;

import dev.kfit.compare.Comparison;
import dev.kfit.error.BadInputException;
import dev.kfit.report.Results;
import dev.kfit.run.RunLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The embedded store (an SQLite file): recording, trend queries, the previous night. */
class ResultsStoreTest {
    @TempDir
    Path runs;

    private ResultsStore open() {
        return ResultsStore.open(StoreLocation.resolve(null, runs, k -> null, null));
    }

    @Test
    void theDefaultStoreIsAFileBesideTheRuns() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        ResultsStore.Recorded r = Recording.recordFinished(nights.get(0), null, new PrintStream(new ByteArrayOutputStream()));
        assertThat(r).isNotNull();
        assertThat(runs.resolve(StoreLocation.FILE_NAME)).isRegularFile();
        try (ResultsStore store = open()) {
            assertThat(store.runs()).extracting(ResultsStore.StoredRun::dir).containsExactly(nights.get(0).dir().toString());
        }
    }

    @Test
    void recordingARunTwiceDoesNotDuplicateIt() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        try (ResultsStore store = open()) {
            ResultsStore.Recorded first = store.record(nights.get(1));
            ResultsStore.Recorded again = store.record(nights.get(1));
            assertThat(first.replaced()).isFalse();
            assertThat(again.replaced()).isTrue();
            assertThat(again.cells()).isEqualTo(6);
            assertThat(again.measurements()).isEqualTo(3 * 2 + 3);
            assertThat(again.splats()).isEqualTo(4);
            assertThat(store.runs()).hasSize(1);
            assertThat(store.runs().get(0).cells()).isEqualTo(6);
            Trend t = store.trend(new ResultsStore.Query(null, "6.12-series", null));
            assertThat(series(t, "6.12-series", "unbind_ms").points()).singleElement().satisfies(p -> assertThat(p.n()).isEqualTo(3));
        }
        // A second kfit (a new connection) finds the schema in place and the same single run.
        try (ResultsStore store = open()) {
            assertThat(store.runs()).hasSize(1);
        }
    }

    @Test
    void trendGivesTheDistributionPerRunAndTheChanges() throws Exception {
        try (ResultsStore store = open()) {
            Nights.write(runs).forEach(store::record);
            Trend t = store.trend(ResultsStore.Query.all());

            Trend.Series series = series(t, "6.12-series", "unbind_ms");
            assertThat(series.line()).isEqualTo(new Trend.Line(Nights.LINE, "6.12-series", "unbind-latency"));
            assertThat(series.unit()).isEqualTo("ms");
            assertThat(series.runs()).extracting(Trend.RunRef::kernelVersion).containsExactly("6.12.117", "6.12.117", "6.12.118");
            assertThat(series.points()).extracting(Trend.Point::median).containsExactly(160.0, 10050.0, 10040.0);
            Trend.Point night2 = series.points().get(1);
            assertThat(night2.min()).isEqualTo(10040);
            assertThat(night2.max()).isEqualTo(10090);
            assertThat(night2.q1()).isCloseTo(10045, within(1e-9));
            assertThat(night2.q3()).isCloseTo(10070, within(1e-9));
            assertThat(series.points().get(2).n()).as("the HUNG cell measured nothing").isEqualTo(2);
            // The INFRA_ERROR cell's bogus value is no part of the kernel's distribution.
            assertThat(series(t, "6.12", "unbind_ms").points().get(2).max()).isEqualTo(150);
            // Any named measurement trends, not only the unbind.
            assertThat(series(t, "6.12-series", "completions").unit()).isEqualTo("count");

            assertThat(t.versions()).extracting(v -> v.kernel() + " " + v.from() + "->" + v.to() + " " + v.at().startedAt())
                    .containsExactly("6.12 6.12.117->6.12.118 " + Nights.startedAt(3), "6.12-series 6.12.117->6.12.118 " + Nights.startedAt(3));
            assertThat(t.verdicts()).extracting(v -> v.line().kernel() + ": " + v.from() + " -> " + v.to() + " at " + v.at().startedAt())
                    .containsExactly(
                            "6.12-series: PIN_REFUSED -> BLOCKED_UNTIL_RELEASE at " + Nights.startedAt(2),
                            "6.12-series: BLOCKED_UNTIL_RELEASE -> BLOCKED_UNTIL_RELEASE 2, HUNG 1 at " + Nights.startedAt(3));
            assertThat(t.splats()).extracting(s -> s.type() + " " + s.first().startedAt() + ".." + s.last().startedAt() + " " + s.runs() + " " + s.present())
                    .containsExactly(
                            "HUNG_TASK " + Nights.startedAt(2) + ".." + Nights.startedAt(3) + " 2 true",
                            "WARNING " + Nights.startedAt(2) + ".." + Nights.startedAt(2) + " 1 false");
        }
    }

    @Test
    void trendFiltersByDateKernelLineLabelAndScenario() throws Exception {
        try (ResultsStore store = open()) {
            Nights.write(runs).forEach(store::record);
            assertThat(store.trend(new ResultsStore.Query("2026-11-28", null, null)).series())
                    .allSatisfy(s -> assertThat(s.runs()).hasSize(2));
            assertThat(store.trend(new ResultsStore.Query(null, Nights.LINE, null)).series()).extracting(s -> s.line().kernel())
                    .contains("6.12", "6.12-series");
            assertThat(store.trend(new ResultsStore.Query(null, "6.12", null)).series()).extracting(s -> s.line().kernel())
                    .containsOnly("6.12");
            assertThat(store.trend(new ResultsStore.Query(null, null, "no-such-scenario")).series()).isEmpty();
            assertThatThrownBy(() -> new ResultsStore.Query("last tuesday", null, null)).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("--since last tuesday");
        }
    }

    @Test
    void thePreviousNightComesFromTheStoreAndComparesLikeTheRunItself() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        try (ResultsStore store = open()) {
            nights.forEach(store::record);
            String sha = ResultsStore.sha256(Nights.SPEC);
            ResultsStore.StoredRun prev = store.previous(sha, Nights.startedAt(3), ResultsStore.runKey(nights.get(2).dir())).orElseThrow();
            assertThat(prev.dir()).isEqualTo(nights.get(1).dir().toString());
            assertThat(store.previous(sha, Nights.startedAt(1), "none")).isEmpty();
            assertThat(store.previous(ResultsStore.sha256("another spec"), "9999", "none")).isEmpty();

            // The store's own copy of a run compares as its results.json does.
            Results fromStore = store.results(prev.runKey());
            Results onDisk = nights.get(1).readResults();
            Results night3 = nights.get(2).readResults();
            assertThat(render(Comparison.compare(fromStore, night3))).isEqualTo(render(Comparison.compare(onDisk, night3)));
        }
        Recording.Previous p = Recording.previousNight(nights.get(2), null, System.err).orElseThrow();
        assertThat(p.name()).isEqualTo(nights.get(1).dir().toString());
    }

    @Test
    void nightsOfOneNightlyFollowEachOtherEvenWhenItsSpecChanged() throws Exception {
        // Night 2 added a patch: another spec text. Night 3 (night 1's text again) follows night 2 all the same.
        List<RunLayout> nights = Nights.writeWithPlantedNight2(runs, "trend-nightly.yaml");
        assertThat(nights.get(2).previousOfSameSpec().orElseThrow().dir()).as("beside it, no store yet").isEqualTo(nights.get(1).dir());
        try (ResultsStore store = open()) {
            nights.forEach(store::record);
            assertThat(store.earlier(new ResultsStore.Lineage(ResultsStore.sha256(Nights.SPEC), "trend-nightly.yaml"), Nights.startedAt(3),
                    ResultsStore.runKey(nights.get(2).dir()), 5)).extracting(ResultsStore.StoredRun::dir)
                    .containsExactly(nights.get(1).dir().toString(), nights.get(0).dir().toString());
            assertThat(store.earlier(new ResultsStore.Lineage(ResultsStore.sha256(Nights.SPEC), null), Nights.startedAt(3),
                    ResultsStore.runKey(nights.get(2).dir()), 5)).as("by the spec's text alone").extracting(ResultsStore.StoredRun::dir)
                    .containsExactly(nights.get(0).dir().toString());
        }
        assertThat(Recording.previousNight(nights.get(2), null, System.err).orElseThrow().name()).isEqualTo(nights.get(1).dir().toString());
        assertThat(Recording.previousNight(nights.get(1), null, System.err).orElseThrow().name()).isEqualTo(nights.get(0).dir().toString());
    }

    @Test
    void runsWithoutANightlyNameStillFollowOnlyTheSameSpecText() throws Exception {
        List<RunLayout> nights = Nights.writeWithPlantedNight2(runs, null);
        try (ResultsStore store = open()) {
            nights.forEach(store::record);
        }
        assertThat(Recording.previousNight(nights.get(2), null, System.err).orElseThrow().name()).isEqualTo(nights.get(0).dir().toString());
        assertThat(Recording.previousNight(nights.get(1), null, System.err)).isEmpty();
    }

    @Test
    void aPatchAddedAndRemovedOnOneVersionIsABuildChangeOnTheTrend() throws Exception {
        List<RunLayout> nights = Nights.writeWithPlantedNight2(runs, "n.yaml");
        try (ResultsStore store = open()) {
            nights.forEach(store::record);
            Trend t = store.trend(ResultsStore.Query.all());
            List<Trend.VersionChange> plain = t.versions().stream().filter(v -> v.kernel().equals("6.12")).toList();
            assertThat(plain).extracting(v -> v.at().startedAt() + " " + v.describe()).containsExactly(
                    Nights.startedAt(2) + " patches +" + Nights.PLANTED.name(),
                    Nights.startedAt(3) + " 6.12.117 -> 6.12.118; patches -" + Nights.PLANTED.name());
            assertThat(plain.get(0).versionChanged()).isFalse();
            assertThat(plain.get(0).patchLabel()).isEqualTo("patches +1");
            // The series kept its patch set: only its version moved.
            assertThat(t.versions()).filteredOn(v -> v.kernel().equals("6.12-series")).singleElement()
                    .satisfies(v -> assertThat(v.patchesChanged()).isFalse());
            assertThat(series(t, "6.12", "unbind_ms").runs()).extracting(r -> r.patches().size()).containsExactly(0, 1, 0);
        }
    }

    @Test
    void aStoreOfSchemaVersion1IsMigratedAndItsOldRunsHaveNoPatchChanges() throws Exception {
        List<RunLayout> nights = Nights.writeWithPlantedNight2(runs, "n.yaml");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + runs.resolve(StoreLocation.FILE_NAME));
             var st = c.createStatement()) {
            st.execute("CREATE TABLE kfit_schema (version INTEGER NOT NULL)");
            for (String sql : Schema.MIGRATIONS.get(0)) {
                st.execute(sql);
            }
            st.execute("INSERT INTO kfit_schema (version) VALUES (1)");
            st.execute("INSERT INTO runs (run_key, dir, recorded_on, started_at, recorded_at) VALUES ('old:x', 'x', 'old', '2026-11-01T00:00:00Z', 'now')");
            st.execute("INSERT INTO cells (run_key, cell_id, kernel_line, kernel, kernel_version, scenario, repetition, verdict)"
                    + " VALUES ('old:x', 'c', '" + Nights.LINE + "', '6.12', '6.12.117', 'unbind-latency', 1, 'PIN_REFUSED')");
        }
        try (ResultsStore store = open()) {
            nights.forEach(store::record);
            Trend t = store.trend(new ResultsStore.Query(null, "6.12", null));
            assertThat(t.series()).isNotEmpty();
            // Nothing known about the old run's patches: no change marked against it.
            assertThat(t.versions()).extracting(v -> v.at().startedAt()).containsExactly(Nights.startedAt(2), Nights.startedAt(3));
        }
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + runs.resolve(StoreLocation.FILE_NAME));
             var st = c.createStatement(); var rs = st.executeQuery("SELECT version FROM kfit_schema")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(Schema.current());
        }
    }

    @Test
    void aRunWhoseDirectoryWasDeletedIsPassedOver() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        try (ResultsStore store = open()) {
            nights.forEach(store::record);
        }
        Files.delete(nights.get(1).results());
        Recording.Previous p = Recording.previousNight(nights.get(2), null, System.err).orElseThrow();
        assertThat(p.name()).isEqualTo(nights.get(0).dir().toString());
    }

    @Test
    void aShardIsNotRecordedItsMergedRunIs() throws Exception {
        RunLayout night = Nights.write(runs).get(0);
        Results r = night.readResults();
        Results.RunInfo i = r.run();
        new Results(new Results.RunInfo(i.spec(), i.startedAt(), i.host(), i.qemu(), i.accel(), i.kernels(), i.guestImage(),
                i.concurrency(), "1/2", List.of("a", "b")), r.cells()).write(night.results());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(Recording.recordFinished(night, null, new PrintStream(err, true))).isNull();
        assertThat(err.toString()).contains("shard 1/2 not recorded");
        try (ResultsStore store = open()) {
            assertThatThrownBy(() -> store.record(night)).isInstanceOf(BadInputException.class).hasMessageContaining("shard 1/2 of a run");
            assertThat(store.runs()).isEmpty();
        }
    }

    @Test
    void withoutAStoreTheNightlyStillFindsTheRunBesideIt() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        assertThat(runs.resolve(StoreLocation.FILE_NAME)).doesNotExist();
        Recording.Previous p = Recording.previousNight(nights.get(2), null, System.err).orElseThrow();
        assertThat(p.name()).isEqualTo(nights.get(1).dir().toString());
        assertThat(p.results().run().startedAt()).isEqualTo(Nights.startedAt(2));
    }

    @Test
    void aStoreOnAnotherMachineGivesItsOwnCopyOfTheCells() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        try (ResultsStore store = open()) {
            // night 2 recorded by another machine, its directory not here
            store.record("elsewhere", "/srv/runs/night2", Nights.SPEC, nights.get(1).readResults());
            store.record(nights.get(2));
        }
        Recording.Previous p = Recording.previousNight(nights.get(2), null, System.err).orElseThrow();
        assertThat(p.name()).startsWith("elsewhere:/srv/runs/night2");
        assertThat(p.results().cells()).hasSize(6);
        assertThat(p.results().cells().get(0).measured()).isNotEmpty();
    }

    @Test
    void locationsResolveInOrderAndConfigIsStrict() throws Exception {
        assertThat(StoreLocation.resolve("jdbc:postgresql://127.0.0.1:5432/kfit", runs, k -> "x.db", null).kind())
                .isEqualTo(StoreLocation.Kind.POSTGRES);
        assertThat(StoreLocation.resolve(null, runs, k -> "/tmp/other.db", null).file()).isEqualTo(Path.of("/tmp/other.db"));
        Path conf = runs.resolve("db.conf");
        Files.writeString(conf, "# shared store\nurl = jdbc:postgresql://db.example:5432/kfit\nuser = kfit\npassword = s3cret\n");
        StoreLocation c = StoreLocation.resolve(null, runs, k -> null, conf);
        assertThat(c.user()).isEqualTo("kfit");
        assertThat(c.toString()).doesNotContain("s3cret");
        assertThat(StoreLocation.resolve(null, runs, k -> null, runs.resolve("absent.conf")).file())
                .isEqualTo(runs.resolve(StoreLocation.FILE_NAME).toAbsolutePath());
        Files.writeString(conf, "url = jdbc:postgresql://db/kfit\nuser = a\nuser = b\n");
        assertThatThrownBy(() -> StoreLocation.resolve(null, runs, k -> null, conf)).isInstanceOf(BadInputException.class)
                .hasMessage(conf + ":3: duplicate key 'user'");
        Files.writeString(conf, "url = jdbc:postgresql://db/kfit\nhost = x\n");
        assertThatThrownBy(() -> StoreLocation.resolve(null, runs, k -> null, conf)).hasMessageContaining(conf + ":2: unknown key 'host'");
        assertThatThrownBy(() -> StoreLocation.of("jdbc:mysql://x/y?password=p", "--db")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("not a supported store").hasMessageNotContaining("=p");
        assertThat(StoreLocation.of("jdbc:postgresql://h/d?user=u&password=p", "--db").toString()).isEqualTo("jdbc:postgresql://h/d?user=u&password=***");
    }

    @Test
    void twoKfitsRecordingAtOnceBothLand() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            var done = pool.invokeAll(nights.stream().map(n -> (java.util.concurrent.Callable<ResultsStore.Recorded>) () -> {
                try (ResultsStore store = open()) {
                    return store.record(n);
                }
            }).toList(), 60, java.util.concurrent.TimeUnit.SECONDS);
            for (var f : done) {
                assertThat(f.get().cells()).isEqualTo(6);
            }
        } finally {
            pool.shutdownNow();
        }
        try (ResultsStore store = open()) {
            assertThat(store.runs()).hasSize(3);
        }
    }

    @Test
    void aNewerSchemaIsRefused() throws Exception {
        try (ResultsStore store = open()) {
            store.runs();
        }
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + runs.resolve(StoreLocation.FILE_NAME));
             var st = c.createStatement()) {
            st.execute("UPDATE kfit_schema SET version = 99");
        }
        assertThatThrownBy(this::open).isInstanceOf(StoreException.class).hasMessageContaining("schema version 99 is newer");
    }

    static Trend.Series series(Trend t, String kernel, String measurement) {
        return t.series().stream().filter(s -> s.line().kernel().equals(kernel) && s.measurement().equals(measurement)).findFirst()
                .orElseThrow(() -> new AssertionError("no series " + kernel + " " + measurement + " in " + t.series()));
    }

    private static String render(List<Comparison.Change> changes) {
        return Comparison.render(changes);
    }
}
