package dev.kfit.kernel;

import dev.kfit.cache.Cache;
import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.host.Command;
import dev.kfit.host.CommandFailedException;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fetches Debian's {@code linux-source-X.Y} packages with a private apt configuration under the
 * cache, so the machine's own sources and lists are never touched. The suites cover the stable
 * updates (6.12 in bookworm-security and trixie) and unstable (newer kernels).
 */
public final class DebianSources {
    static final List<String> SUITES = List.of(
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main",
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main",
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main");
    private static final Pattern CANDIDATE = Pattern.compile("Candidate:\\s*(\\S+)");
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(10);
    static final String UPDATED_STAMP = "updated";

    private final Host host;
    private final Cache cache;
    private boolean updated;

    public DebianSources(Host host, Cache cache) {
        this.host = host;
        this.cache = cache;
    }

    /** Resolves the package to an exact version and returns its source tarball, downloading it once. */
    public synchronized SourceArchive fetch(String packageName, String wantedVersion) {
        // apt locks its lists and archives and fails rather than waits: two kfit runs sharing the
        // cache (two workers on one machine, a run beside the tests) take turns here instead.
        try (AutoCloseable apt = cache.lock("apt", "apt")) {
            return fetchLocked(packageName, wantedVersion);
        } catch (InfraException | BadInputException e) {
            throw e;
        } catch (Exception e) {
            throw new InfraException("fetching " + packageName + ": " + e.getMessage(), e);
        }
    }

    private SourceArchive fetchLocked(String packageName, String wantedVersion) {
        Path aptDir = cache.dir("apt");
        update(aptDir);
        String version = wantedVersion != null ? wantedVersion : candidate(aptDir, packageName);
        String series = packageName.substring("linux-source-".length());
        Path sources = cache.dir("sources");
        Path tarball = sources.resolve(packageName + "_" + version.replace(':', '%') + ".tar.xz");
        if (!Files.isRegularFile(tarball)) {
            try (AutoCloseable lock = cache.lock("sources", tarball.getFileName().toString())) {
                if (!Files.isRegularFile(tarball)) {
                    download(aptDir, packageName, version, series, tarball);
                }
            } catch (InfraException | BadInputException e) {
                throw e;
            } catch (Exception e) {
                throw new InfraException("fetching " + packageName + ": " + e.getMessage(), e);
            }
        }
        return new SourceArchive("debian:" + packageName, version, tarball, null, "debian:" + packageName + "=" + version);
    }

    private void update(Path aptDir) {
        if (updated) {
            return;
        }
        try {
            Files.createDirectories(aptDir.resolve("lists/partial"));
            Files.createDirectories(aptDir.resolve("archives/partial"));
            // Rewritten only when it changes: apt rebuilds its parsed lists (pkgcache.bin) when it is newer.
            Path list = aptDir.resolve("sources.list");
            String suites = String.join("\n", SUITES) + "\n";
            if (!Files.isRegularFile(list) || !Files.readString(list).equals(suites)) {
                Files.writeString(list, suites);
            }
        } catch (IOException e) {
            throw new InfraException("cannot prepare " + aptDir + ": " + e.getMessage(), e);
        }
        if (freshLists(aptDir)) {
            // Lists fetched within the hour say which version is current: a second run skips the
            // 4-9 s round trip to the archive (a nightly, a day later, still sees new versions).
            updated = true;
            return;
        }
        CommandResult r = host.run(apt(aptDir, "apt-get", "-q", "update"));
        if (r.ok()) {
            try {
                Files.writeString(aptDir.resolve(UPDATED_STAMP), java.time.Instant.now() + "\n");
            } catch (IOException e) {
                // Without the stamp the next run only updates again.
            }
        } else {
            boolean haveLists;
            try (Stream<Path> s = Files.list(aptDir.resolve("lists"))) {
                haveLists = s.anyMatch(p -> p.getFileName().toString().contains("_Packages"));
            } catch (IOException e) {
                haveLists = false;
            }
            if (!haveLists) {
                throw new CommandFailedException("cannot update kfit's private apt lists", r);
            }
            System.err.println("kfit: apt-get update failed, using the package lists from the last run");
        }
        updated = true;
    }

    /** Whether the last successful update is younger than {@code KFIT_APT_REFRESH} minutes (default 60; 0: always update). */
    static boolean freshLists(Path aptDir) {
        Path stamp = aptDir.resolve(UPDATED_STAMP);
        String env = System.getenv("KFIT_APT_REFRESH");
        long minutes;
        try {
            minutes = env == null || env.isBlank() ? 60 : Long.parseLong(env.strip());
        } catch (NumberFormatException e) {
            throw new BadInputException("KFIT_APT_REFRESH='" + env + "': not a number of minutes");
        }
        try {
            return minutes > 0 && Files.isRegularFile(stamp) && Files.getLastModifiedTime(stamp).toInstant()
                    .isAfter(java.time.Instant.now().minus(Duration.ofMinutes(minutes)));
        } catch (IOException e) {
            return false;
        }
    }

    private String candidate(Path aptDir, String packageName) {
        CommandResult r = host.run(apt(aptDir, "apt-cache", "policy", packageName));
        Matcher m = CANDIDATE.matcher(r.output());
        if (!r.ok() || !m.find() || m.group(1).equals("(none)")) {
            throw new BadInputException("unknown kernel source: Debian has no package " + packageName
                    + " in " + String.join(", ", List.of("bookworm-security", "trixie", "sid")));
        }
        return m.group(1);
    }

    private void download(Path aptDir, String pkg, String version, String series, Path tarball) throws IOException {
        Path work = Files.createTempDirectory(cache.dir("sources"), pkg + ".tmp-");
        try {
            CommandResult r = host.run(apt(aptDir, "apt-get", "-q", "download", pkg + "=" + version).in(work));
            if (!r.ok()) {
                if (r.output().contains("Can't find a source") || r.output().contains("not found")) {
                    throw new BadInputException("unknown kernel source: " + pkg + "=" + version + " is not in Debian's archive");
                }
                throw new CommandFailedException("cannot download " + pkg + "=" + version, r);
            }
            Path deb;
            try (Stream<Path> s = Files.list(work)) {
                deb = s.filter(p -> p.toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new InfraException("apt-get download left no .deb in " + work));
            }
            Path unpacked = work.resolve("x");
            CommandResult x = host.run(Command.of(Duration.ofMinutes(5), "dpkg-deb", "-x", deb.toString(), unpacked.toString()));
            if (!x.ok()) {
                throw new CommandFailedException("cannot unpack " + deb, x);
            }
            Path inner = unpacked.resolve("usr/src/linux-source-" + series + ".tar.xz");
            if (!Files.isRegularFile(inner)) {
                throw new InfraException(deb + " holds no usr/src/linux-source-" + series + ".tar.xz");
            }
            Files.move(inner, tarball);
        } finally {
            Cache.deleteTree(work);
        }
    }

    private Command apt(Path aptDir, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        List<String> opts = List.of(
                "-o", "Dir::Etc::sourcelist=" + aptDir.resolve("sources.list"),
                "-o", "Dir::Etc::sourceparts=-",
                "-o", "Dir::State::Lists=" + aptDir.resolve("lists"),
                "-o", "Dir::Cache=" + aptDir,
                "-o", "Dir::Cache::archives=" + aptDir.resolve("archives"),
                // Named explicitly, apt keeps its parsed lists between calls: apt-cache policy then takes
                // 0.04 s instead of 2.6 s, which every run paid once per Debian kernel.
                "-o", "Dir::Cache::pkgcache=" + aptDir.resolve("pkgcache.bin"),
                "-o", "Dir::Cache::srcpkgcache=" + aptDir.resolve("srcpkgcache.bin"),
                "-o", "APT::Sandbox::User=root",
                "-o", "Acquire::Retries=3");
        argv.addAll(1, opts);
        return Command.of(APT_TIMEOUT, argv);
    }
}
