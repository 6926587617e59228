package dev.kfit.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** kfit run --prebuilt DIR: a directory that cannot serve the cells is one line naming DIR and exit 2, before any run directory. */
class PrebuiltOptionTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;
    private PrintStream oldOut;

    @BeforeEach
    void capture() {
        oldErr = System.err;
        oldOut = System.out;
        System.setErr(new PrintStream(err, true));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterEach
    void restore() {
        System.setErr(oldErr);
        System.setOut(oldOut);
    }

    @Test
    void aDirectoryWithoutManifestExitsTwoNamingIt() throws Exception {
        Path spec = Files.writeString(tmp.resolve("spec.yaml"), ShardOptionsTest.SPEC);
        Path dir = Files.createDirectories(tmp.resolve("prebuilt"));
        assertThat(Main.execute("run", spec.toString(), "--shard", "1/2", "--prebuilt", dir.toString(),
                "--out", tmp.resolve("never").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).isEqualTo("kfit: --prebuilt " + dir + ": no prebuilt.json (make it with kfit build SPEC --export "
                + dir + ")" + System.lineSeparator());
        assertThat(tmp.resolve("never")).doesNotExist();
    }
}
