package dev.kfit.host;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.ssh.BoundedOutput;
import dev.kfit.ssh.ExecResult;
import dev.kfit.ssh.ShellQuote;
import dev.kfit.ssh.SshException;
import dev.kfit.ssh.SshSession;
import dev.kfit.ssh.SshTarget;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.future.CancelOption;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * A machine reached over SSH (one Mina session per host). Every remote process runs under a small
 * watchdog script that kills it when its channel closes, so nothing outlives kfit: not a Ctrl-C, not
 * a kill -9 of kfit, not a lost connection.
 */
public final class SshHost implements Host {
    /** The watchdog (resource watchdog.sh) without its comments: it travels with every command. */
    static final String WATCHDOG = loadWatchdog();
    private static final Pattern PID_LINE = Pattern.compile("kfit-pid (\\d+)");
    private static final Pattern STAGE_KEY = Pattern.compile("[A-Za-z0-9._-]+");
    /** Bound for kfit's own short commands (mktemp, kill, nproc, cat /proc/net/tcp). */
    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final Duration HEALTH = Duration.ofSeconds(10);
    private static final Duration FOLLOW_DRAIN = Duration.ofSeconds(1);
    /** After the last byte of a staged file: time for gunzip and mv to finish. */
    private static final Duration STAGE_FINISH = Duration.ofMinutes(2);
    private static final int CAPTURE_BYTES = 4 * 1024 * 1024;
    /** Ports handed out per host (user@address:port), for the whole kfit process. */
    private static final Map<String, Set<Integer>> HANDED_OUT = new ConcurrentHashMap<>();

    private final HostEntry entry;
    private final SshSession ssh;
    private final String home;
    private final Set<RemoteProcess> started = ConcurrentHashMap.newKeySet();
    private final Set<String> privateDirs = ConcurrentHashMap.newKeySet();
    private final Set<SshdSocketAddress> forwards = ConcurrentHashMap.newKeySet();
    private final Map<String, Object> stageLocks = new ConcurrentHashMap<>();
    private final Set<String> staged = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook = new Thread(this::close, "kfit-sshhost-reaper");

    private SshHost(HostEntry entry, SshSession ssh, String home) {
        this.entry = entry;
        this.ssh = ssh;
        this.home = home;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Logs in with the entry's key, accepting only a host key listed in its known_hosts file; each step
     * within {@code timeout}. Any failure to reach or trust the host is bad input: the inventory is wrong.
     */
    /** A lost host is given up after about three of these without an answer. */
    static final Duration HEARTBEAT = Duration.ofSeconds(2);

    public static SshHost connect(HostEntry e, Duration timeout) {
        if (!Files.isRegularFile(e.knownHosts()) || !Files.isReadable(e.knownHosts())) {
            throw new BadInputException("host " + e + ": known_hosts file " + e.knownHosts()
                    + " is missing or unreadable");
        }
        SshTarget target = new SshTarget(e.address(), e.port(), e.user(), e.privateKey(), e.knownHosts());
        SshSession ssh;
        try {
            ssh = SshSession.connect(target, KnownHostsPolicy.of(e.knownHosts()), timeout, HEARTBEAT);
        } catch (SshException ex) {
            throw new BadInputException("host " + e.name() + ": " + ex.getMessage().lines().findFirst().orElse(""), ex);
        }
        try {
            ExecResult r = ssh.shell("printf '%s\\n' \"$HOME\"", timeout);
            String home = r.stdout().strip();
            if (!r.ok() || !home.startsWith("/")) {
                throw new InfraException("host " + e + ": cannot find the login's home directory: "
                        + (r.timedOut() ? "timed out" : "exit status " + r.exitStatus() + " " + r.stderr().strip()));
            }
            return new SshHost(e, ssh, home);
        } catch (RuntimeException ex) {
            ssh.close();
            throw ex;
        }
    }

    public HostEntry entry() {
        return entry;
    }

    @Override
    public String name() {
        return entry.name();
    }

    @Override
    public String linkAddress() {
        return entry.linkAddress();
    }

    @Override
    public CommandResult run(Command command) {
        requireOpen();
        long t0 = System.nanoTime();
        long deadline = t0 + command.timeout().toNanos();
        Path log = command.logFile();
        BoundedOutput captured = log == null ? new BoundedOutput(CAPTURE_BYTES) : null;
        PidLine err = new PidLine();
        ChannelExec ch = null;
        try (OutputStream out = log == null ? captured : appendTo(log)) {
            ch = openWatched(command.workDir(), wrapEnv(command), out, err, remaining(deadline));
            boolean timedOut = ch == null
                    || ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), remaining(deadline))
                    .contains(ClientChannelEvent.TIMEOUT);
            if (timedOut && err.pid.isDone()) {
                // Closing the channel alone would leave it a 2 s grace period: a timed-out command goes now.
                signal("KILL", List.of(err.pid.getNow(-1L)));
            }
            Integer status = timedOut || ch == null ? null : ch.getExitStatus();
            if (ch != null) {
                ch.close(timedOut);
                ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(2));
            }
            out.flush();
            String text = log == null ? captured.text() : LocalHost.tail(log, 4000);
            return new CommandResult(command.argv(), status, text, since(t0), timedOut);
        } catch (IOException e) {
            if (ch != null) {
                ch.close(true);
            }
            throw new InfraException("host " + entry + ": cannot run `" + command.display() + "`: " + e.getMessage(), e);
        }
    }

    @Override
    public HostProcess start(Command command) {
        requireOpen();
        PidLine err = new PidLine();
        OutputStream out = OutputStream.nullOutputStream();
        ChannelExec ch = null;
        try {
            if (command.logFile() != null) {
                out = appendTo(command.logFile());
            }
            ch = openWatched(command.workDir(), wrapEnv(command), out, err, SHORT);
            if (ch == null) {
                throw new InfraException("host " + entry + ": no channel for `" + command.display() + "` within "
                        + SHORT.toSeconds() + " s");
            }
            long pid = awaitPid(ch, err, command);
            RemoteProcess p = new RemoteProcess(ch, pid, out, command.display());
            started.add(p);
            return p;
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                ch.close(true);
            }
            closeQuietly(out);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new InfraException("host " + entry + ": cannot start `" + command.display() + "`: " + e.getMessage(), e);
        }
    }

    /** The watchdog prints the pid first; a channel that closes before it did means the start failed. */
    private long awaitPid(ChannelExec ch, PidLine err, Command command) {
        long deadline = System.nanoTime() + SHORT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                return err.pid.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (ch.isClosing()) {
                    break;
                }
            } catch (ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new InfraException("host " + entry + ": `" + command.display() + "` did not start (exit status "
                + ch.getExitStatus() + "): " + err.rest.text().strip());
    }

    @Override
    public Path privateDir() {
        ExecResult r = check("create a private directory", List.of("mktemp", "-d", "/tmp/kfit-XXXXXXXXXX"));
        String dir = r.stdout().strip();
        privateDirs.add(dir);
        return Path.of(dir);
    }

    @Override
    public int forward(int port) {
        requireOpen();
        try {
            SshdSocketAddress bound = ssh.clientSession().startLocalPortForwarding(
                    new SshdSocketAddress("127.0.0.1", 0), new SshdSocketAddress("127.0.0.1", port));
            forwards.add(bound);
            return bound.getPort();
        } catch (IOException e) {
            throw new InfraException("host " + entry + ": cannot forward a local port to 127.0.0.1:" + port + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public int freePort(String address) {
        Set<Integer> used = HANDED_OUT.computeIfAbsent(entry.sshAddress(), k -> ConcurrentHashMap.newKeySet());
        String bind = "import socket,sys\ns=socket.socket()\ns.bind((sys.argv[1],0))\nprint(s.getsockname()[1])";
        for (int attempt = 0; attempt < 20; attempt++) {
            ExecResult r = check("find a free port on " + address, List.of("python3", "-c", bind, address));
            int port = Integer.parseInt(r.stdout().strip());
            if (used.add(port)) {
                return port;
            }
        }
        throw new InfraException("host " + entry + ": no free port on " + address + " that this run has not used already");
    }

    /** Polls /proc/net/tcp on the host: a probe connection would be taken as the peer by a listening guest. */
    @Override
    public void awaitListening(String address, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            ExecResult r = exec(List.of("cat", "/proc/net/tcp"), min(SHORT, remaining(deadline)));
            if (r.ok() && ProcNetTcp.listening(r.stdout().lines().toList(), address, port)) {
                return;
            }
            sleep(Duration.ofMillis(200));
        } while (System.nanoTime() < deadline);
        throw new InfraException("nothing listening on " + address + ":" + port + " on host " + entry + " after "
                + timeout.toSeconds() + " s");
    }

    @Override
    public Path stage(Path localFile, String key) {
        if (!STAGE_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("stage key must be [A-Za-z0-9._-]+: " + key);
        }
        String dir = home + "/.cache/kfit/staged/" + key;
        String target = dir + "/" + localFile.getFileName();
        synchronized (stageLocks.computeIfAbsent(key, k -> new Object())) {
            // There, whole (a transfer cut by a killed kfit must not count) and, for a program, executable.
            long size = sizeOf(localFile);
            String present = "[ " + (Files.isExecutable(localFile) ? "-x" : "-f") + " \"$1\" ] && [ \"$(stat -c %s \"$1\")\" = " + size + " ]";
            if (staged.contains(target) || exec(List.of("sh", "-c", present, "kfit-staged", target), SHORT).ok()) {
                staged.add(target);
                return Path.of(target);
            }
            send(localFile, dir, target);
            staged.add(target);
            return Path.of(target);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new InfraException("cannot stage " + file + ": " + e.getMessage(), e);
        }
    }

    /** gzip on the wire (guest images are mostly zeros); a temporary name so that a cut transfer leaves no file. */
    private void send(Path localFile, String dir, String target) {
        String tmp = ShellQuote.quote(target) + ".part.$$";
        // cp --sparse=always writes the image's zeros as holes, as they are here; the mode follows the
        // file (the link relay is a program).
        // The pipeline's status is cp's, not gzip's: a stream cut short still ends in a file, so only one of
        // the full size is moved into place.
        String line = "mkdir -p " + ShellQuote.quote(dir) + " && gzip -dc | cp --sparse=always /dev/stdin " + tmp
                + " && [ \"$(stat -c %s " + tmp + ")\" = " + sizeOf(localFile) + " ]"
                + (Files.isExecutable(localFile) ? " && chmod 0755 " + tmp : "")
                + " && mv -f " + tmp + " " + ShellQuote.quote(target) + " || { rm -f " + tmp + "; exit 1; }";
        BoundedOutput err = new BoundedOutput(64 * 1024);
        ChannelExec ch = null;
        try (InputStream in = Files.newInputStream(localFile)) {
            ch = ssh.clientSession().createExecChannel(line);
            ch.setOut(OutputStream.nullOutputStream());
            ch.setErr(err);
            if (!ch.open().await(SHORT, CancelOption.CANCEL_ON_TIMEOUT)) {
                throw new IOException("no channel within " + SHORT.toSeconds() + " s");
            }
            // Mina bounds each write by its wait-for-window timeout, so a stalled host cannot hang us here.
            try (OutputStream gz = new FastGzip(ch.getInvertedIn())) {
                in.transferTo(gz);
            }
            if (ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), STAGE_FINISH).contains(ClientChannelEvent.TIMEOUT)) {
                throw new IOException("the host did not finish unpacking within " + STAGE_FINISH.toSeconds() + " s");
            }
            Integer status = ch.getExitStatus();
            if (status == null || status != 0) {
                throw new IOException("exit status " + status + ": " + err.text().strip());
            }
        } catch (IOException e) {
            throw new InfraException("host " + entry + ": cannot stage " + localFile + " to " + target + ": "
                    + e.getMessage() + (err.text().isBlank() ? "" : " (" + err.text().strip() + ")"), e);
        } finally {
            if (ch != null) {
                ch.close(true);
            }
        }
    }

    @Override
    public AutoCloseable follow(Path fileOnHost, Path localFile) {
        requireOpen();
        AtomicLong bytes = new AtomicLong();
        OutputStream out = null;
        ChannelExec ch = null;
        try {
            Files.createDirectories(localFile.toAbsolutePath().getParent());
            OutputStream file = Files.newOutputStream(localFile, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            out = new java.io.FilterOutputStream(file) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    file.write(b, off, len);
                    bytes.addAndGet(len);
                }
            };
            // tail's notes ("file truncated", "has appeared") must not end up in the copy.
            List<String> argv = List.of("sh", "-c", "exec tail -c +1 -F -s 0.2 \"$1\" 2>/dev/null", "kfit-follow",
                    fileOnHost.toString());
            ch = openWatched(null, argv, out, new PidLine(), SHORT);
            if (ch == null) {
                throw new IOException("no channel within " + SHORT.toSeconds() + " s");
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(out);
            throw new InfraException("host " + entry + ": cannot follow " + fileOnHost + " into " + localFile + ": "
                    + e.getMessage(), e);
        }
        ChannelExec channel = ch;
        OutputStream sink = out;
        return () -> {
            // Wait until nothing new has arrived for a moment (tail polls every 0.2 s), at most FOLLOW_DRAIN.
            long end = System.nanoTime() + FOLLOW_DRAIN.toNanos();
            long seen = -1;
            while (System.nanoTime() < end && bytes.get() != seen) {
                seen = bytes.get();
                sleep(Duration.ofMillis(300));
            }
            channel.close(true);
            closeQuietly(sink);
        };
    }

    @Override
    public Resources resources() {
        if (entry.cores() != null && entry.memoryMb() != null) {
            return new Resources(entry.cores(), entry.memoryMb());
        }
        ExecResult r = check("probe cores and memory", List.of("sh", "-c", "nproc && grep MemAvailable: /proc/meminfo"));
        List<String> lines = r.stdout().lines().toList();
        try {
            int cores = entry.cores() != null ? entry.cores() : Integer.parseInt(lines.get(0).strip());
            long mem = entry.memoryMb() != null ? entry.memoryMb()
                    : Long.parseLong(lines.get(1).replaceAll("[^0-9]", "")) / 1024;
            return new Resources(cores, mem);
        } catch (RuntimeException e) {
            throw new InfraException("host " + entry + ": cannot read nproc and MemAvailable from: " + r.stdout().strip(), e);
        }
    }

    /** One remote kill for all: a power loss does not take the guests one at a time. */
    @Override
    public void crash() {
        List<Long> pids = started.stream().filter(RemoteProcess::isAlive).map(p -> p.pid).toList();
        if (!pids.isEmpty()) {
            signal("KILL", pids);
        }
    }

    @Override
    public boolean healthy() {
        if (closed.get() || !ssh.isOpen()) {
            return false;
        }
        try {
            return ssh.exec(List.of("true"), HEALTH).ok();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            stopAll(Duration.ofSeconds(3));
            if (!privateDirs.isEmpty() && ssh.isOpen()) {
                List<String> rm = new ArrayList<>(List.of("rm", "-rf", "--"));
                rm.addAll(privateDirs);
                quietly(() -> ssh.exec(rm, SHORT));
            }
            for (SshdSocketAddress f : forwards) {
                quietly(() -> {
                    ssh.clientSession().stopLocalPortForwarding(f);
                    return null;
                });
            }
        } finally {
            ssh.close();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // called from the hook itself
            }
        }
    }

    /** TERM to all, one grace period for all, then KILL to the rest: closing many guests takes one grace, not many. */
    private void stopAll(Duration grace) {
        List<RemoteProcess> alive = started.stream().filter(RemoteProcess::isAlive).toList();
        if (!alive.isEmpty() && ssh.isOpen()) {
            quietly(() -> signal("TERM", alive.stream().map(p -> p.pid).toList()));
            long end = System.nanoTime() + grace.toNanos();
            for (RemoteProcess p : alive) {
                p.waitFor(remaining(end));
            }
            List<Long> rest = alive.stream().filter(RemoteProcess::isAlive).map(p -> p.pid).toList();
            if (!rest.isEmpty()) {
                quietly(() -> signal("KILL", rest));
            }
        }
        for (RemoteProcess p : List.copyOf(started)) {
            p.release();
        }
    }

    /** For tests: drop the connection the way a dying controller would, without any cleanup. */
    void dropConnection() {
        ssh.clientSession().close(true);
    }

    // ---- plumbing ----

    /** Opens an exec channel running argv under the watchdog; stdin stays open, as the watchdog's lifeline. */
    private ChannelExec openWatched(Path workDir, List<String> argv, OutputStream out, OutputStream err,
                                    Duration timeout) throws IOException {
        List<String> line = new ArrayList<>(List.of("sh", "-c", WATCHDOG, "kfit-watchdog",
                workDir == null ? "" : workDir.toString()));
        line.addAll(argv);
        ChannelExec ch = ssh.clientSession().createExecChannel(ShellQuote.join(line));
        ch.setOut(out);
        ch.setErr(err);
        var opened = ch.open();
        if (!opened.await(timeout, CancelOption.CANCEL_ON_TIMEOUT)) {
            ch.close(true);
            return null;
        }
        opened.verify(); // completed: awaited with a bound above
        return ch;
    }

    private static List<String> wrapEnv(Command command) {
        if (command.env().isEmpty()) {
            return command.argv();
        }
        List<String> argv = new ArrayList<>(List.of("env"));
        command.env().forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(command.argv());
        return argv;
    }

    /** Signals each pid's process group (the watchdog made one), or the pid alone where there is none. */
    private ExecResult signal(String sig, List<Long> pids) {
        String groups = pids.stream().map(p -> "-" + p).collect(Collectors.joining(" "));
        String plain = pids.stream().map(String::valueOf).collect(Collectors.joining(" "));
        return ssh.shell("kill -s " + sig + " -- " + groups + " 2>/dev/null; kill -s " + sig + " " + plain
                + " 2>/dev/null; true", SHORT);
    }

    private ExecResult exec(List<String> argv, Duration timeout) {
        requireOpen();
        try {
            return ssh.exec(argv, timeout);
        } catch (SshException e) {
            throw new InfraException("host " + entry.name() + ": " + e.getMessage(), e);
        }
    }

    private ExecResult check(String what, List<String> argv) {
        ExecResult r = exec(argv, SHORT);
        if (!r.ok()) {
            throw new InfraException("host " + entry + ": cannot " + what + ": `" + ShellQuote.join(argv) + "` "
                    + (r.timedOut() ? "timed out" : "exited with status " + r.exitStatus()) + ": "
                    + r.stderr().strip());
        }
        return r;
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new InfraException("host " + entry + " is closed");
        }
    }

    private static OutputStream appendTo(Path log) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        return Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private static void closeQuietly(OutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // the log is as complete as it will get
            }
        }
    }

    /** Cleanup on a host that may be gone: each step bounded, none may stop the next. */
    private static void quietly(java.util.concurrent.Callable<?> step) {
        try {
            step.call();
        } catch (Exception ignored) {
            // best effort: the watchdogs kill what is left once the session closes
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfraException("interrupted", e);
        }
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000L, deadlineNanos - System.nanoTime()));
    }

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String loadWatchdog() {
        try (InputStream in = SshHost.class.getResourceAsStream("watchdog.sh")) {
            if (in == null) {
                throw new IllegalStateException("resource dev/kfit/host/watchdog.sh missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.strip().startsWith("#") && !l.isBlank())
                    .collect(Collectors.joining("\n", "", "\n"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read watchdog.sh: " + e.getMessage(), e);
        }
    }

    /** Reads "kfit-pid N" off the first line of the watchdog's stderr; keeps the rest for error messages. */
    static final class PidLine extends OutputStream {
        final CompletableFuture<Long> pid = new CompletableFuture<>();
        final BoundedOutput rest = new BoundedOutput(64 * 1024);
        private final StringBuilder first = new StringBuilder();

        @Override
        public synchronized void write(int b) {
            if (pid.isDone()) {
                rest.write(b);
            } else if (b == '\n') {
                var m = PID_LINE.matcher(first.toString().strip());
                if (m.matches()) {
                    pid.complete(Long.parseLong(m.group(1)));
                } else {
                    rest.write((first + "\n").getBytes(StandardCharsets.UTF_8), 0, first.length() + 1);
                    pid.completeExceptionally(new IllegalStateException("no pid line"));
                }
            } else if (first.length() < 200) {
                first.append((char) b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }
    }

    /** Level 1 is as good as 9 on the zeros that dominate disk images, and far faster. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /**
     * known_hosts checking that never accepts an unknown or changed key, and says which it was and which
     * file it looked in.
     */
    static final class KnownHostsPolicy extends KnownHostsServerKeyVerifier implements SshSession.HostKeyPolicy {
        private final Path file;
        private final AtomicReference<String> rejection = new AtomicReference<>();

        private KnownHostsPolicy(Path file) {
            super(RejectAllServerKeyVerifier.INSTANCE, file);
            this.file = file;
        }

        static KnownHostsPolicy of(Path file) {
            return new KnownHostsPolicy(file);
        }

        @Override
        protected boolean acceptUnknownHostKey(ClientSession session, SocketAddress remote, PublicKey key) {
            rejection.set("unknown host key " + KeyUtils.getKeyType(key) + " " + KeyUtils.getFingerPrint(key)
                    + ": not in " + file + " (add it, e.g. with ssh-keyscan, after checking it)");
            return super.acceptUnknownHostKey(session, remote, key);
        }

        @Override
        public boolean acceptModifiedServerKey(ClientSession session, SocketAddress remote, KnownHostEntry entry,
                                               PublicKey expected, PublicKey actual) {
            rejection.set("host key mismatch: server offered " + KeyUtils.getKeyType(actual) + " "
                    + KeyUtils.getFingerPrint(actual) + " but " + file + " has " + KeyUtils.getKeyType(expected) + " "
                    + KeyUtils.getFingerPrint(expected) + " for it (host key changed?)");
            return false;
        }

        @Override
        protected void handleRevokedKey(ClientSession session, SocketAddress remote, PublicKey key) {
            rejection.set("host key " + KeyUtils.getFingerPrint(key) + " is marked @revoked in " + file);
        }

        @Override
        public String rejection() {
            return rejection.get();
        }
    }

    /** A process started under the watchdog; its channel is its lifeline, closed only when it is done. */
    private final class RemoteProcess implements HostProcess {
        private final ChannelExec channel;
        private final long pid;
        private final OutputStream log;
        private final String display;

        RemoteProcess(ChannelExec channel, long pid, OutputStream log, String display) {
            this.channel = channel;
            this.pid = pid;
            this.log = log;
            this.display = display;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public boolean isAlive() {
            return channel.getExitStatus() == null && !channel.isClosing();
        }

        /** 255 when the connection ended without a status (as ssh(1) reports it): the watchdog killed it then. */
        @Override
        public Integer exitStatus() {
            Integer s = channel.getExitStatus();
            return s != null ? s : channel.isClosing() ? 255 : null;
        }

        @Override
        public boolean waitFor(Duration timeout) {
            // CLOSED rather than EXIT_STATUS: the output that precedes the status is then in the log too.
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            return !isAlive();
        }

        @Override
        public void stop(Duration grace) {
            try {
                if (isAlive() && ssh.isOpen()) {
                    signal("TERM", List.of(pid));
                    if (!waitFor(grace)) {
                        signal("KILL", List.of(pid));
                        if (!waitFor(Duration.ofSeconds(5))) {
                            throw new InfraException("host " + entry + ": `" + display + "` (pid " + pid
                                    + ") still running 5 s after SIGKILL");
                        }
                    }
                }
            } finally {
                release();
            }
        }

        /** Closing the channel is also the watchdog's signal: whatever still runs gets TERM, then KILL. */
        void release() {
            channel.close(false);
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(2));
            closeQuietly(log);
            started.remove(this);
        }

        @Override
        public String toString() {
            return display + " (pid " + pid + " on " + entry.name() + ")";
        }
    }
}
