package dev.kfit.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Local commands for tests, bounded: a hung git or shell fails the test instead of hanging the build. */
public final class Processes {
    private Processes() {
    }

    public record Output(int status, String stdout, String stderr) {
    }

    /** Runs {@code argv} in {@code dir} (null: the current directory), waiting at most {@code timeout}. */
    public static Output run(Duration timeout, Path dir, List<String> argv) throws IOException, InterruptedException {
        Path out = Files.createTempFile("kfit-test-", ".out");
        Path err = Files.createTempFile("kfit-test-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", argv) + ": still running after " + timeout.toSeconds() + " s");
            }
            return new Output(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
