package dev.kfit.run;

import dev.kfit.error.InfraException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A run directory: spec.yaml, results.json, builds/ (kernel build logs), cells/ID/ (console, QEMU
 * log, history). Default {@code runs/<UTC time>/}, with {@code runs/latest} pointing at the newest.
 */
public record RunLayout(Path dir) {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    public static RunLayout create(Path out) {
        Path dir = out;
        boolean defaultPlace = out == null;
        if (defaultPlace) {
            Path runs = Path.of("runs").toAbsolutePath();
            String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
            dir = runs.resolve(stamp);
            for (int i = 2; Files.exists(dir); i++) {
                dir = runs.resolve(stamp + "-" + i);
            }
        }
        try {
            Files.createDirectories(dir);
            if (defaultPlace) {
                Path latest = dir.getParent().resolve("latest");
                Path tmp = dir.getParent().resolve(".latest.tmp");
                Files.deleteIfExists(tmp);
                Files.createSymbolicLink(tmp, dir.getFileName());
                Files.move(tmp, latest, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new InfraException("cannot create run directory " + dir + ": " + e.getMessage(), e);
        }
        return new RunLayout(dir.toAbsolutePath());
    }

    /**
     * The newest other run directory beside this one that ran the same spec (same spec.yaml text), or
     * was a night of the same nightly ({@code run.nightly} in results.json), and has results: what a
     * nightly compares itself with. Empty on the first night.
     */
    public java.util.Optional<RunLayout> previousOfSameSpec() {
        Path parent = dir.getParent();
        if (parent == null || !Files.isRegularFile(spec())) {
            return java.util.Optional.empty();
        }
        try (var siblings = Files.list(parent)) {
            String mine = Files.readString(spec());
            String nightly = Files.isRegularFile(results()) ? readResults().run().nightly() : null;
            RunLayout best = null;
            String bestStart = "";
            for (Path d : siblings.filter(Files::isDirectory).filter(d -> !Files.isSymbolicLink(d)).toList()) {
                RunLayout other = new RunLayout(d.toAbsolutePath());
                if (other.dir().equals(dir) || !Files.isRegularFile(other.results()) || !Files.isRegularFile(other.spec())) {
                    continue;
                }
                dev.kfit.report.Results.RunInfo info = other.readResults().run();
                // The same spec, or a night of the same nightly whose spec changed (a patch added tonight).
                if (!Files.readString(other.spec()).equals(mine) && (nightly == null || !nightly.equals(info.nightly()))) {
                    continue;
                }
                String started = info.startedAt();
                if (started != null && started.compareTo(bestStart) > 0) {
                    best = other;
                    bestStart = started;
                }
            }
            return java.util.Optional.ofNullable(best);
        } catch (IOException e) {
            throw new InfraException("cannot look for earlier runs in " + parent + ": " + e.getMessage(), e);
        }
    }

    /** Its results.json; a directory without one is bad input (a mistyped path), named in the error. */
    public dev.kfit.report.Results readResults() {
        if (!Files.isRegularFile(results())) {
            throw new dev.kfit.error.BadInputException(results() + ": no such file (not a kfit run directory?)");
        }
        return dev.kfit.report.Results.read(results());
    }

    public Path results() {
        return dir.resolve("results.json");
    }

    public Path spec() {
        return dir.resolve("spec.yaml");
    }

    public Path builds() {
        return dir.resolve("builds");
    }

    public Path cell(String id) {
        return dir.resolve("cells").resolve(id);
    }

    public String relative(Path p) {
        return dir.relativize(p.toAbsolutePath()).toString();
    }
}
