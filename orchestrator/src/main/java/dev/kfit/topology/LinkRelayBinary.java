package dev.kfit.topology;

import dev.kfit.cache.Cache;
import dev.kfit.error.InfraException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * kfit-link, built on the controller with {@code gcc -O2 -static} (so any Linux host can run it) into
 * kfit's cache under {@code link-relay/<key>/kfit-link}; the key is the hash of the source and the
 * compiler flags, so an edited source is rebuilt and an unchanged one never is. Hosts receive it
 * through {@code Host.stage(path, key)}.
 *
 * @param path the binary on the controller
 * @param key  its content key, also the key to stage it under
 */
public record LinkRelayBinary(Path path, String key) {
    /** The source, relative to the kfit checkout. */
    public static final Path SOURCE = Path.of("orchestrator", "src", "main", "c", "kfit-link.c");
    static final String AREA = "link-relay";
    static final List<String> FLAGS = List.of("-O2", "-static", "-Wall");
    private static final long COMPILE_TIMEOUT_S = 120;

    /** Builds from the checkout named by the {@code kfit.root} system property (the working directory without it). */
    public static LinkRelayBinary build(Cache cache) {
        return build(cache, Path.of(System.getProperty("kfit.root", ".")).toAbsolutePath().normalize());
    }

    public static LinkRelayBinary build(Cache cache, Path kfitRoot) {
        Path source = kfitRoot.resolve(SOURCE);
        if (!Files.isRegularFile(source)) {
            throw new InfraException("kfit-link source " + source + " not found (is kfit.root " + kfitRoot + " a kfit checkout?)");
        }
        String key = new Cache.Key().add("tool", "kfit-link").add("flags", String.join(" ", FLAGS))
                .addFile("source", source).hex();
        Path entry = cache.dir(AREA).resolve(key).resolve("kfit-link");
        if (Files.isExecutable(entry)) {
            return new LinkRelayBinary(entry, key);
        }
        try (AutoCloseable lock = cache.lock(AREA, key)) {
            if (Files.isExecutable(entry)) { // built by another kfit while we waited
                return new LinkRelayBinary(entry, key);
            }
            cache.removeStaleScratch(AREA, key);
            Path scratch = cache.scratch(AREA, key);
            compile(source, scratch.resolve("kfit-link"));
            return new LinkRelayBinary(cache.publish(scratch, AREA, key).resolve("kfit-link"), key);
        } catch (InfraException e) {
            throw e;
        } catch (Exception e) {
            throw new InfraException("cannot build kfit-link into " + cache.dir(AREA) + ": " + e.getMessage(), e);
        }
    }

    private static void compile(Path source, Path out) throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of("gcc"));
        argv.addAll(FLAGS);
        argv.addAll(List.of("-o", out.toString(), source.toString()));
        Path log = out.resolveSibling("gcc.log");
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(COMPILE_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new InfraException("`" + String.join(" ", argv) + "` did not finish in " + COMPILE_TIMEOUT_S + " s");
        }
        if (p.exitValue() != 0 || !Files.isExecutable(out)) {
            throw new InfraException("`" + String.join(" ", argv) + "` failed with status " + p.exitValue() + ":\n"
                    + Files.readString(log, StandardCharsets.UTF_8).strip());
        }
    }
}
