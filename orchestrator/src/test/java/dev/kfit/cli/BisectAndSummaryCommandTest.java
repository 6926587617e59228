package dev.kfit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** kfit bisect and kfit summary as a user calls them: wrong input is one line and exit 2, before anything is built. */
class BisectAndSummaryCommandTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;
    private PrintStream oldOut;

    @BeforeEach
    void capture() {
        oldErr = System.err;
        oldOut = System.out;
        System.setErr(new PrintStream(err, true));
        System.setOut(new PrintStream(out, true));
    }

    @AfterEach
    void restore() {
        System.setErr(oldErr);
        System.setOut(oldOut);
    }

    private Path spec() throws Exception {
        Files.writeString(tmp.resolve("0001-a.patch"), "--- a/x\n+++ b/x\n");
        return Files.writeString(tmp.resolve("spec.yaml"), """
                kernels:
                  - label: plain
                    source: debian:linux-source-6.12
                  - label: one
                    source: debian:linux-source-6.12
                    patches: [0001-a.patch]
                scenarios:
                  - name: pinned-unbind
                  - name: long-hold
                    type: pinned-unbind
                    hold: 30s
                """);
    }

    @Test
    void anUnknownKernelIsNamedWithTheKnownOnes() throws Exception {
        assertThat(Main.execute("bisect", spec().toString(), "--kernel", "nope", "--scenario", "pinned-unbind",
                "--out", tmp.resolve("b").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("no kernel labelled 'nope' (the spec has: plain, one)");
    }

    @Test
    void severalScenariosNeedScenario() throws Exception {
        assertThat(Main.execute("bisect", spec().toString(), "--kernel", "one")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("has 2 scenarios: pick one with --scenario (pinned-unbind, long-hold)");
    }

    @Test
    void aKernelWithoutPatchesHasNothingToBisect() throws Exception {
        assertThat(Main.execute("bisect", spec().toString(), "--kernel", "plain", "--scenario", "long-hold",
                "--out", tmp.resolve("b").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("kernel plain has no patches to bisect");
    }

    @Test
    void aCommitRangeNeedsAGitSource() throws Exception {
        assertThat(Main.execute("bisect", spec().toString(), "--kernel", "one", "--scenario", "long-hold",
                "--good", "v6.12", "--bad", "HEAD", "--out", tmp.resolve("b").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("kernel one must have a git source");
        assertThat(Main.execute("bisect", spec().toString(), "--kernel", "one", "--scenario", "long-hold",
                "--good", "v6.12")).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("give both --good and --bad");
    }

    @Test
    void anUnknownCriterionIsRefused() throws Exception {
        assertThat(Main.execute("bisect", spec().toString(), "--kernel", "one", "--criteria", "verdict,speed"))
                .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--criteria: unknown criterion 'speed' (known: verdict, splat, latency)");
    }

    @Test
    void summaryPrintsARunsCell() {
        System.setProperty("kfit.root", Path.of("..").toAbsolutePath().normalize().toString());
        try {
            assertThat(Main.execute("summary", "src/test/resources/summary/reproduce-7.2", "7.2.pinned-unbind.r1"))
                    .isEqualTo(ExitCodes.OK);
        } finally {
            System.clearProperty("kfit.root");
        }
        assertThat(out.toString()).startsWith("kfit result: 7.2, pinned-unbind: PIN_REFUSED\n");
    }

    @Test
    void summaryOfSomethingElseExitsTwo() {
        assertThat(Main.execute("summary", tmp.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("neither a run directory (results.json) nor a bisection (bisect.json)");
    }

    @Test
    void aBisectionDirectoryStartedWithOtherArgumentsIsRefused() throws Exception {
        Path spec = spec();
        Path dir = Files.createDirectories(tmp.resolve("b"));
        Files.copy(spec, dir.resolve("spec.yaml"));
        new dev.kfit.bisect.BisectLog(spec.toString(), "one", "long-hold", "series", "kernel=one scenario=long-hold runs=9",
                List.of(), null, List.of(), null).write(dir);
        assertThat(Main.execute("bisect", spec.toString(), "--kernel", "one", "--scenario", "long-hold",
                "--out", dir.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("this bisection was started with other arguments (kernel=one scenario=long-hold runs=9)");
        assertThat(dir.resolve("steps")).doesNotExist();
    }
}
