package dev.kfit.host;

import dev.kfit.error.InfraException;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The machine kfit runs on. Long-lived processes die with kfit (pdeathsig and a shutdown hook). */
public final class LocalHost implements Host {
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));
    private static final String PREFIX = "kfit-" + ProcessHandle.current().pid() + "-";
    private final Set<LocalProcess> started = ConcurrentHashMap.newKeySet();
    private final Set<Path> privateDirs = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook = new Thread(this::close, "kfit-localhost-reaper");

    public LocalHost() {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        removeOrphanedDirs();
    }

    @Override
    public Path privateDir() {
        try {
            Path d = Files.createTempDirectory(TMP, PREFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            privateDirs.add(d);
            return d;
        } catch (IOException e) {
            throw new InfraException("cannot create a private directory in " + TMP + ": " + e.getMessage(), e);
        }
    }

    /** Directories of kfit processes that died without cleaning up (kill -9): their pid is gone. */
    private static void removeOrphanedDirs() {
        try (var s = Files.list(TMP)) {
            for (Path d : s.filter(p -> p.getFileName().toString().matches("kfit-\\d+-.*")).toList()) {
                long pid = Long.parseLong(d.getFileName().toString().split("-")[1]);
                if (ProcessHandle.of(pid).isEmpty()) {
                    deleteTree(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a leftover socket directory harms nothing
        }
    }

    private static void deleteTree(Path d) {
        try {
            dev.kfit.cache.Cache.deleteTree(d);
        } catch (IOException ignored) {
            // best effort: removed again by the next kfit's orphan sweep
        }
    }

    @Override
    public String name() {
        return "localhost";
    }

    @Override
    public CommandResult run(Command command) {
        long t0 = System.nanoTime();
        Path out = command.logFile();
        boolean captured = out == null;
        Process p = null;
        try {
            if (captured) {
                out = Files.createTempFile("kfit-cmd-", ".out");
            } else {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            p = builder(diesWithKfit(command.argv()), command)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .start();
            boolean done = p.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                killTree(p.toHandle());
                p.waitFor(10, TimeUnit.SECONDS);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            String text = captured ? Files.readString(out, StandardCharsets.UTF_8) : tail(out, 4000);
            return new CommandResult(command.argv(), done ? p.exitValue() : null, text, elapsed, !done);
        } catch (IOException e) {
            throw new InfraException("cannot run `" + command.display() + "`: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            // A cancelled job (a build beside another that failed) must not leave its command running.
            if (p != null) {
                killTree(p.toHandle());
            }
            Thread.currentThread().interrupt();
            throw new InfraException("interrupted while running `" + command.display() + "`", e);
        } finally {
            if (captured && out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /** The process must not outlive kfit, even after kill -9: the kernel signals it when we die. */
    private static List<String> diesWithKfit(List<String> command) {
        List<String> argv = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            argv.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        argv.addAll(command);
        return argv;
    }

    @Override
    public HostProcess start(Command command) {
        List<String> argv = diesWithKfit(command.argv());
        try {
            ProcessBuilder pb = builder(argv, command);
            if (command.logFile() != null) {
                Files.createDirectories(command.logFile().toAbsolutePath().getParent());
                pb.redirectOutput(ProcessBuilder.Redirect.appendTo(command.logFile().toFile()));
            } else {
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            }
            LocalProcess lp = new LocalProcess(pb.start());
            started.add(lp);
            return lp;
        } catch (IOException e) {
            throw new InfraException("cannot start `" + command.display() + "`: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isLocal() {
        return true;
    }

    @Override
    public String linkAddress() {
        return "127.0.0.1";
    }

    @Override
    public int forward(int port) {
        return port;
    }

    /** Ports this process handed out; never twice, as parallel cells race between probe and bind. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    @Override
    public int freePort(String address) {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(address))) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new InfraException("no free port on " + address + ": " + e.getMessage(), e);
            }
        }
        throw new InfraException("no free port on " + address + " that this run has not used already");
    }

    /** Watches /proc/net/tcp for a LISTEN socket (a probe connect would be taken as the peer). */
    @Override
    public void awaitListening(String address, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (ProcNetTcp.listening(Files.readAllLines(Path.of("/proc/net/tcp")), address, port)) {
                    return;
                }
                Thread.sleep(100);
            } catch (IOException e) {
                throw new InfraException("cannot read /proc/net/tcp: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InfraException("interrupted", e);
            }
        }
        throw new InfraException("nothing listening on " + address + ":" + port + " on " + name() + " after "
                + timeout.toSeconds() + " s");
    }

    @Override
    public Path stage(Path localFile, String key) {
        return localFile;
    }

    /** The file is already here: nothing to copy. */
    @Override
    public AutoCloseable follow(Path fileOnHost, Path localFile) {
        if (!fileOnHost.toAbsolutePath().normalize().equals(localFile.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("the local host follows a file only into itself: " + fileOnHost + " vs " + localFile);
        }
        return () -> { };
    }

    @Override
    public Resources resources() {
        return new Resources(Runtime.getRuntime().availableProcessors(), memAvailableMb(Path.of("/proc/meminfo")));
    }

    /** MemAvailable in MiB, 0 when unknown (room for one cell only). */
    public static long memAvailableMb(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 0;
    }

    @Override
    public void crash() {
        for (LocalProcess p : List.copyOf(started)) {
            killTree(p.process.toHandle());
        }
    }

    @Override
    public void close() {
        for (LocalProcess p : List.copyOf(started)) {
            p.stop(Duration.ofSeconds(3));
        }
        for (Path d : List.copyOf(privateDirs)) {
            deleteTree(d);
            privateDirs.remove(d);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
    }

    private static ProcessBuilder builder(List<String> argv, Command command) {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (command.workDir() != null) {
            pb.directory(command.workDir().toFile());
        }
        pb.environment().putAll(command.env());
        return pb;
    }

    static void killTree(ProcessHandle h) {
        h.descendants().forEach(ProcessHandle::destroyForcibly);
        h.destroyForcibly();
    }

    /** The last {@code max} characters of a file, for error messages. */
    public static String tail(Path file, int max) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, f.length() - max);
            byte[] b = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private final class LocalProcess implements HostProcess {
        private final Process process;

        LocalProcess(Process process) {
            this.process = process;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public Integer exitStatus() {
            return process.isAlive() ? null : process.exitValue();
        }

        @Override
        public boolean waitFor(Duration timeout) {
            try {
                return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.isAlive();
            }
        }

        @Override
        public void stop(Duration grace) {
            try {
                if (process.isAlive()) {
                    process.descendants().forEach(ProcessHandle::destroy);
                    process.destroy();
                    if (!waitFor(grace)) {
                        killTree(process.toHandle());
                        waitFor(Duration.ofSeconds(5));
                    }
                }
            } finally {
                started.remove(this);
            }
        }
    }
}
