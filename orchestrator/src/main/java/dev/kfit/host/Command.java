package dev.kfit.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A process to run on a {@link Host}: argv (never a shell string), working directory, extra
 * environment, a bound on its run time, and where its combined output goes (null: captured).
 */
public record Command(List<String> argv, Path workDir, Map<String, String> env, Duration timeout, Path logFile) {
    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty argv");
        }
        env = Map.copyOf(env);
        Objects.requireNonNull(timeout, "timeout");
    }

    public static Command of(Duration timeout, String... argv) {
        return new Command(List.of(argv), null, Map.of(), timeout, null);
    }

    public static Command of(Duration timeout, List<String> argv) {
        return new Command(argv, null, Map.of(), timeout, null);
    }

    public Command in(Path dir) {
        return new Command(argv, dir, env, timeout, logFile);
    }

    public Command withEnv(Map<String, String> more) {
        var merged = new java.util.HashMap<>(env);
        merged.putAll(more);
        return new Command(argv, workDir, merged, timeout, logFile);
    }

    public Command loggingTo(Path log) {
        return new Command(argv, workDir, env, timeout, log);
    }

    public String display() {
        return String.join(" ", argv);
    }
}
