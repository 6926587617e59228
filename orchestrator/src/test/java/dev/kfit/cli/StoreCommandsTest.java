package dev.kfit.cli;

import dev.kfit.run.RunLayout;
import dev.kfit.store.Nights;
import dev.kfit.store.ResultsStore;
import dev.kfit.store.StoreLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** kfit import and kfit trend against the embedded store. */
class StoreCommandsTest {
    @TempDir
    Path runs;

    @Test
    void importRecordsBesideTheRunsOnceAndTrendDrawsThem() throws Exception {
        List<RunLayout> nights = Nights.write(runs);
        String[] dirs = nights.stream().map(n -> n.dir().toString()).toArray(String[]::new);
        Path db = runs.resolve(StoreLocation.FILE_NAME);
        assertThat(Main.execute(prepend(dirs, "import", "--db", db.toString()))).isZero();
        String again = stdout(() -> assertThat(Main.execute("import", "--db", db.toString(), dirs[1])).isZero());
        assertThat(again).contains("night2: 6 cells, 9 measurements, 4 splats (replaced its earlier record) -> jdbc:sqlite:" + db);
        try (ResultsStore store = ResultsStore.open(StoreLocation.sqliteFile(db, "test"))) {
            assertThat(store.runs()).hasSize(3);
        }

        Path html = runs.resolve("out/trend.html");
        Files.createDirectories(html.getParent());
        String printed = stdout(() -> assertThat(Main.execute("trend", "--db", db.toString(), "--kernel", "6.12-series",
                "--since", "2026-11-27", "--html", html.toString())).isZero());
        assertThat(printed).contains("debian:linux-source-6.12 · 6.12-series · unbind-latency", "verdicts PIN_REFUSED -> BLOCKED_UNTIL_RELEASE",
                "trend: " + html);
        assertThat(Files.readString(html)).contains("class=\"version-change\"").doesNotContain("· 6.12 ·");
    }

    @Test
    void badInputIsExitTwo() throws Exception {
        Path empty = Files.createDirectories(runs.resolve("not-a-run"));
        assertThat(Main.execute("import", "--db", runs.resolve("x.db").toString(), empty.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(runs.resolve("x.db")).doesNotExist();
        assertThat(Main.execute("trend", "--db", runs.resolve("absent.db").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(Main.execute("trend", "--db", "jdbc:mysql://h/d")).isEqualTo(ExitCodes.BAD_INPUT);
        Nights.write(runs);
        assertThat(Main.execute("import", "--db", runs.resolve("y.db").toString(), runs.resolve("night1").toString())).isZero();
        assertThat(Main.execute("trend", "--db", runs.resolve("y.db").toString(), "--since", "yesterday")).isEqualTo(ExitCodes.BAD_INPUT);
    }

    private static String[] prepend(String[] rest, String... first) {
        String[] all = new String[first.length + rest.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    private static String stdout(Runnable r) {
        PrintStream was = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            r.run();
        } finally {
            System.setOut(was);
        }
        return out.toString();
    }

    @Test
    void nightlyRefusesAMissingSpecBeforeRunningAnything() {
        Path missing = runs.resolve("no-such-nightly.yaml");
        assertThat(Main.execute("nightly", "--spec", missing.toString(), "--out", runs.resolve("n").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(runs.resolve("n")).doesNotExist();
    }

    @Test
    void theNightlysNameSurvivesResultsJsonAndImport() throws Exception {
        List<RunLayout> nights = Nights.writeWithPlantedNight2(runs, "my-nightly.yaml");
        assertThat(nights.get(1).readResults().run().nightly()).isEqualTo("my-nightly.yaml");
        assertThat(Files.readString(nights.get(1).results())).contains("\"nightly\" : \"my-nightly.yaml\"");
        Path db = runs.resolve("x.db");
        assertThat(Main.execute("import", "--db", db.toString(), nights.get(0).dir().toString(), nights.get(1).dir().toString())).isZero();
        try (ResultsStore store = ResultsStore.open(StoreLocation.sqliteFile(db, "test"))) {
            assertThat(store.earlier(new ResultsStore.Lineage("another spec's hash", "my-nightly.yaml"), "9999", "none", 5)).hasSize(2);
        }
    }
}
