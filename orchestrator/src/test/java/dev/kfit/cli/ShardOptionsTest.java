package dev.kfit.cli;

import dev.kfit.report.Results;
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

/** --shard, --durations and kfit shard: bad values are one line and exit 2, before anything is built. */
class ShardOptionsTest {
    static final String SPEC = """
            kernels:
              - label: a
                source: debian:linux-source-6.12
              - label: b
                source: debian:linux-source-6.12
            scenarios:
              - name: pinned-unbind
            repetitions: 2
            """;

    @TempDir
    Path tmp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private Path spec() throws Exception {
        Path f = tmp.resolve("spec.yaml");
        Files.writeString(f, SPEC);
        return f;
    }

    @Test
    void badShardValuesExitTwoWithOneLine() throws Exception {
        Path spec = spec();
        for (String bad : new String[] {"0/3", "4/3", "x", "1/0"}) {
            err.reset();
            assertThat(Main.execute("run", spec.toString(), "--shard", bad, "--out", tmp.resolve("never").toString()))
                    .as(bad).isEqualTo(ExitCodes.BAD_INPUT);
            assertThat(err.toString()).startsWith("kfit: --shard").contains(bad).hasLineCount(1);
        }
        assertThat(tmp.resolve("never")).doesNotExist();
        err.reset();
        System.setProperty("kfit.root", ".."); // the checkout, from the module's directory: nightly finds its spec
        try {
            assertThat(Main.execute("nightly", "--shard", "3/2")).isEqualTo(ExitCodes.BAD_INPUT);
        } finally {
            System.clearProperty("kfit.root");
        }
        assertThat(err.toString()).isEqualTo("kfit: --shard 3/2: I must be between 1 and 2 (shards count from 1)" + System.lineSeparator());
    }

    @Test
    void durationsNeedAShardAndAnExistingRun() throws Exception {
        Path spec = spec();
        assertThat(Main.execute("run", spec.toString(), "--durations", tmp.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--durations").contains("give --shard I/N too");
        err.reset();
        assertThat(Main.execute("shard", spec.toString(), "2", "--durations", tmp.resolve("nope").toString()))
                .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("nope/results.json: no such file");
    }

    @Test
    void shardCommandShowsEachShardAndItsTotal() throws Exception {
        assertThat(Main.execute("shard", spec().toString(), "3")).isZero();
        // four equal cells over three shards: the fourth joins the shard that already builds its kernel
        assertThat(out.toString()).isEqualTo("""
                shard 1/3: 1 cell, expected 48 s
                  a.pinned-unbind.r1      48 s  model
                shard 2/3: 1 cell, expected 48 s
                  a.pinned-unbind.r2      48 s  model
                shard 3/3: 2 cells, expected 2 min
                  b.pinned-unbind.r1      48 s  model
                  b.pinned-unbind.r2      48 s  model
                4 cells over 3 shards: longest shard 2 min, shortest 48 s
                """);
        out.reset();
        assertThat(Main.execute("shard", spec().toString(), "2", "--kernels", "b")).isZero();
        assertThat(out.toString()).contains("b.pinned-unbind.r2").doesNotContain("a.pinned-unbind");
        assertThat(Main.execute("shard", spec().toString(), "0")).isEqualTo(ExitCodes.BAD_INPUT);
    }

    @Test
    void anUnshardedRunsResultsKeepTheirShape() throws Exception {
        String json = Results.JSON.writeValueAsString(new Results(new Results.RunInfo("spec.yaml", "t", "h", "q", "TCG",
                List.of(), "i", "c"), List.of()));
        assertThat(json).doesNotContain("shard").doesNotContain("spec_cells");
        String sharded = Results.JSON.writeValueAsString(new Results(new Results.RunInfo("spec.yaml", "t", "h", "q", "TCG",
                List.of(), "i", "c", "2/3", List.of("a.x.r1")), List.of()));
        assertThat(sharded).contains("\"shard\" : \"2/3\"").contains("\"spec_cells\" : [ \"a.x.r1\" ]");
    }
}
