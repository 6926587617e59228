package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the ./kfit launcher as a user would, bounded, and reads what it wrote. */
final class Kfit {
    static final Path ROOT = Path.of(System.getProperty("kfit.root", "..")).toAbsolutePath().normalize();
    /** kfit's cache, as the launcher finds it: $KFIT_CACHE, else ~/.cache/kfit. */
    static final Path CACHE = Path.of(System.getenv().getOrDefault("KFIT_CACHE", System.getProperty("user.home") + "/.cache/kfit"));
    private static final ObjectMapper JSON = new ObjectMapper();

    record Result(int exit, String stdout, String stderr, Duration elapsed) {
        @Override
        public String toString() {
            return "exit " + exit + " after " + elapsed.toSeconds() + " s\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    private Kfit() {
    }

    static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(ROOT.resolve("kfit").toString()));
        argv.addAll(List.of(args));
        Path out = Files.createTempFile("kfit-e2e-", ".out");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(argv).directory(ROOT.toFile()).redirectOutput(out.toFile()).start();
        // kfit's progress goes to the build log as it happens (a long CI run shows where it is) and is kept for asserts.
        StringBuffer err = new StringBuffer();
        Thread pump = new Thread(() -> {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getErrorStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    System.err.println("  | " + line);
                    err.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, "kfit-stderr");
        pump.setDaemon(true);
        pump.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
                throw new AssertionError("kfit " + String.join(" ", args) + " did not finish within " + timeout + "\n" + err);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            pump.join(10_000);
            return new Result(p.exitValue(), Files.readString(out), err.toString(), elapsed);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Starts ./kfit without waiting, stdout and stderr to {@code log}: for tests that kill it. */
    static Process start(Path log, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(ROOT.resolve("kfit").toString()));
        argv.addAll(List.of(args));
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(argv).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static JsonNode results(Path runDir) throws IOException {
        return JSON.readTree(runDir.resolve("results.json").toFile());
    }

    static JsonNode cell(JsonNode results, String kernel) {
        for (JsonNode c : results.get("cells")) {
            if (c.get("kernel").asText().equals(kernel)) {
                return c;
            }
        }
        throw new AssertionError("no cell for kernel " + kernel + " in " + results);
    }

    /** The first cell of {@code scenario} in a run's results. */
    static JsonNode scenarioCell(JsonNode results, String scenario) {
        for (JsonNode c : results.get("cells")) {
            if (c.get("scenario").asText().equals(scenario)) {
                return c;
            }
        }
        throw new AssertionError("no cell of scenario " + scenario + " in " + results);
    }

    /** Where the run directory {@code name} of an earlier test in this suite is (not emptied). */
    static Path runPath(String name) {
        return ROOT.resolve("tests/target/e2e-runs").resolve(name);
    }

    /** A fresh run directory under tests/target, so runs of the suite do not mix. */
    static Path runDir(String name) throws IOException {
        Path dir = runPath(name);
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return dir;
    }
}
