package dev.kfit.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SshHostTest {
    private static final Duration T = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static KeyPair hostKey;
    static KeyPair clientKey;
    static FakeHostSshd sshd;
    static HostEntry entry;
    SshHost host;

    @BeforeAll
    static void startSshd() throws Exception {
        hostKey = FakeHostSshd.newEd25519();
        clientKey = FakeHostSshd.newEd25519();
        Path home = Files.createDirectories(dir.resolve("home"));
        sshd = FakeHostSshd.start(hostKey, clientKey, home);
        entry = entryWith(FakeHostSshd.writeKnownHosts(dir.resolve("known_hosts"), sshd.port(), hostKey), sshd.port());
    }

    static HostEntry entryWith(Path knownHosts, int port) throws Exception {
        Path key = dir.resolve("id_ed25519");
        if (!Files.exists(key)) {
            FakeHostSshd.writePrivateKey(clientKey, key);
        }
        return new HostEntry("box1", "127.0.0.1", port, "kfit", key, knownHosts, "10.9.8.7", null, null);
    }

    @AfterAll
    static void stopSshd() throws IOException {
        sshd.close();
    }

    @BeforeEach
    void connect() {
        host = SshHost.connect(entry, T);
    }

    @AfterEach
    void close() {
        host.close();
    }

    @Test
    void runCapturesOutputStatusWorkDirAndEnv() throws Exception {
        Path wd = Files.createDirectories(dir.resolve("wd"));
        CommandResult r = host.run(Command.of(T, "sh", "-c", "pwd; echo \"x=$X\"; echo oops >&2; exit 3")
                .in(wd).withEnv(Map.of("X", "it's here")));
        assertThat(r.timedOut()).isFalse();
        assertThat(r.exitStatus()).isEqualTo(3);
        assertThat(r.output()).contains(wd.toString(), "x=it's here", "oops");
        assertThat(host.run(Command.of(T, "true")).ok()).isTrue();
        assertThat(host.name()).isEqualTo("box1");
        assertThat(host.linkAddress()).isEqualTo("10.9.8.7");
    }

    @Test
    void runAppendsToLogFileWhenGiven() throws Exception {
        Path log = dir.resolve("logs/run.log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "before\n");
        CommandResult r = host.run(Command.of(T, "echo", "after").loggingTo(log));
        assertThat(r.ok()).isTrue();
        assertThat(Files.readString(log)).isEqualTo("before\nafter\n");
    }

    @Test
    void runTimeoutKillsTheRemoteCommand() throws Exception {
        Path pidFile = dir.resolve("timeout.pid");
        long t0 = System.nanoTime();
        CommandResult r = host.run(Command.of(Duration.ofMillis(1500), "sh", "-c",
                "echo $$ > " + pidFile + "; exec sleep 30"));
        assertThat(r.timedOut()).isTrue();
        assertThat(r.exitStatus()).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(6));
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        awaitDead(pid, "the timed-out sleep");
    }

    @Test
    void startThenStopEndsTheProcessAndLogsItsOutput() throws Exception {
        Path log = dir.resolve("start.log");
        HostProcess p = host.start(Command.of(T, "sh", "-c", "echo started; echo on-stderr >&2; exec sleep 30")
                .loggingTo(log));
        assertThat(ProcessHandle.of(p.pid())).isPresent();
        assertThat(p.isAlive()).isTrue();
        assertThat(p.exitStatus()).isNull();
        Awaitility.await("start.log to show both streams").atMost(T)
                .until(() -> Files.readString(log).contains("started") && Files.readString(log).contains("on-stderr"));
        p.stop(Duration.ofSeconds(2));
        assertThat(p.isAlive()).isFalse();
        assertThat(p.exitStatus()).isEqualTo(128 + 15);
        awaitDead(p.pid(), "the stopped sleep");
    }

    @Test
    void startedProcessReportsItsExitStatus() {
        HostProcess p = host.start(Command.of(T, "sh", "-c", "exit 7"));
        assertThat(p.waitFor(T)).isTrue();
        assertThat(p.exitStatus()).isEqualTo(7);
    }

    @Test
    void lostConnectionKillsStartedProcess() {
        HostProcess p = host.start(Command.of(T, "sleep", "30"));
        assertThat(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive)).contains(true);
        host.dropConnection();
        awaitDead(p.pid(), "a sleep whose controller vanished");
        assertThat(host.healthy()).isFalse();
    }

    @Test
    void watchdogKillsCommandWhenItsStdinCloses() throws Exception {
        // As OpenSSH's sshd does when the connection ends: the watchdog only sees EOF, no signal.
        Process sh = new ProcessBuilder("sh", "-c", SshHost.WATCHDOG, "kfit-watchdog", "", "sleep", "30")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        StringBuilder first = new StringBuilder();
        for (int c = sh.getErrorStream().read(); c != '\n' && c >= 0; c = sh.getErrorStream().read()) {
            first.append((char) c);
        }
        long pid = Long.parseLong(first.toString().replace("kfit-pid ", ""));
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
        sh.getOutputStream().close();
        assertThat(sh.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sh.exitValue()).isEqualTo(128 + 15);
        awaitDead(pid, "the watched sleep");
    }

    @Test
    void crashKillsEveryStartedProcessAtOnce() {
        HostProcess a = host.start(Command.of(T, "sleep", "30"));
        HostProcess b = host.start(Command.of(T, "sleep", "31"));
        long before = sshd.commands.stream().filter(c -> c.startsWith("kill")).count();
        host.crash();
        assertThat(sshd.commands.stream().filter(c -> c.startsWith("kill")).count()).isEqualTo(before + 1);
        assertThat(a.waitFor(T)).isTrue();
        assertThat(b.waitFor(T)).isTrue();
        assertThat(a.exitStatus()).isEqualTo(128 + 9);
        awaitDead(a.pid(), "crashed sleep a");
        awaitDead(b.pid(), "crashed sleep b");
    }

    @Test
    void closeStopsStartedProcessesAndRemovesPrivateDirs() {
        HostProcess p = host.start(Command.of(T, "sleep", "30"));
        Path d = host.privateDir();
        assertThat(d).isDirectory().hasFileName(d.getFileName().toString());
        assertThat(d.getFileName().toString()).startsWith("kfit-");
        assertThat(permissions(d)).isEqualTo("rwx------");
        host.close();
        host.close();
        assertThat(d).doesNotExist();
        awaitDead(p.pid(), "a sleep of a closed host");
        assertThatThrownBy(() -> host.run(Command.of(T, "true"))).isInstanceOf(InfraException.class)
                .hasMessageContaining("box1");
    }

    @Test
    void forwardReachesAServerOnTheHost() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(5000);
            int local = host.forward(server.getLocalPort());
            assertThat(local).isNotEqualTo(server.getLocalPort());
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write("pong\n".getBytes(StandardCharsets.UTF_8));
                    return new String(s.getInputStream().readNBytes(5), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket c = new Socket("127.0.0.1", local)) {
                c.setSoTimeout(5000);
                c.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(c.getInputStream().readNBytes(5), StandardCharsets.UTF_8)).isEqualTo("pong\n");
            }
            assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo("ping\n");
        }
    }

    @Test
    void stageSendsOnceAndTheContentRoundTrips() throws Exception {
        Path img = dir.resolve("disk.img");
        byte[] data = new byte[3 * 1024 * 1024];
        new Random(7).nextBytes(java.nio.ByteBuffer.wrap(data, 0, 4096).array()); // mostly zeros, like an image
        for (int i = 0; i < 4096; i++) {
            data[1024 * 1024 + i] = (byte) i;
        }
        Files.write(img, data);
        String key = "k" + System.nanoTime();
        long sends = gzipSends();
        // Concurrent first calls: one transfer.
        var f1 = CompletableFuture.supplyAsync(() -> host.stage(img, key));
        var f2 = CompletableFuture.supplyAsync(() -> host.stage(img, key));
        Path remote = f1.get(20, TimeUnit.SECONDS);
        assertThat(f2.get(20, TimeUnit.SECONDS)).isEqualTo(remote);
        assertThat(remote).isEqualTo(dir.resolve("home/.cache/kfit/staged/" + key + "/disk.img"));
        assertThat(Files.readAllBytes(remote)).isEqualTo(data);
        assertThat(gzipSends()).isEqualTo(sends + 1);
        assertThat(remote.getParent()).isDirectoryNotContaining("glob:**.part.*");

        // A fresh connection finds it there.
        try (SshHost again = SshHost.connect(entry, T)) {
            assertThat(again.stage(img, key)).isEqualTo(remote);
        }
        assertThat(gzipSends()).isEqualTo(sends + 1);

        // What a transfer cut short by a killed kfit left under the final name is not taken for the file.
        Files.write(remote, java.util.Arrays.copyOf(data, 1000));
        try (SshHost third = SshHost.connect(entry, T)) {
            assertThat(third.stage(img, key)).isEqualTo(remote);
        }
        assertThat(gzipSends()).isEqualTo(sends + 2);
        assertThat(Files.readAllBytes(remote)).isEqualTo(data);
        assertThatThrownBy(() -> host.stage(img, "../evil")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void followCopiesAGrowingFile() throws Exception {
        Path remote = dir.resolve("console.log");
        Path local = dir.resolve("copy/console.log");
        Files.writeString(remote, "line 0\n");
        StringBuilder expected = new StringBuilder("line 0\n");
        try (AutoCloseable f = host.follow(remote, local)) {
            for (int i = 1; i <= 5; i++) {
                Files.writeString(remote, "line " + i + "\n", java.nio.file.StandardOpenOption.APPEND);
                expected.append("line ").append(i).append('\n');
                Thread.sleep(100);
            }
            Awaitility.await("the copy to catch up").atMost(T)
                    .until(() -> Files.exists(local) && Files.readString(local).equals(expected.toString()));
            Files.writeString(remote, "last\n", java.nio.file.StandardOpenOption.APPEND);
        }
        assertThat(Files.readString(local)).isEqualTo(expected + "last\n");
    }

    @Test
    void portsListeningAndResources() throws Exception {
        int a = host.freePort("127.0.0.1");
        int b = host.freePort("127.0.0.1");
        assertThat(a).isPositive().isNotEqualTo(b);
        // An IPv4 listener, as QEMU's (a JVM socket would show up in /proc/net/tcp6).
        HostProcess listener = host.start(Command.of(T, "python3", "-c",
                "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1'," + a + "))\ns.listen()\ntime.sleep(30)"));
        host.awaitListening("127.0.0.1", a, T);
        listener.stop(Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> host.awaitListening("127.0.0.1", b, Duration.ofMillis(800)))
                .isInstanceOf(InfraException.class)
                .hasMessageContaining("127.0.0.1:" + b)
                .hasMessageContaining("box1");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));

        Host.Resources r = host.resources();
        assertThat(r.cores()).isPositive();
        assertThat(r.memoryMb()).isPositive();
        HostEntry fixed = new HostEntry("box1", "127.0.0.1", sshd.port(), "kfit", entry.privateKey(),
                entry.knownHosts(), null, 3, 1234L);
        try (SshHost h = SshHost.connect(fixed, T)) {
            assertThat(h.resources()).isEqualTo(new Host.Resources(3, 1234));
            assertThat(h.linkAddress()).isEqualTo("127.0.0.1");
        }
        assertThat(host.healthy()).isTrue();
    }

    @Test
    void unknownHostKeyIsRefusedNamingTheKnownHostsFile() throws Exception {
        Path kh = FakeHostSshd.writeKnownHosts(dir.resolve("kh_other_port"), sshd.port() + 1, hostKey);
        assertThatThrownBy(() -> SshHost.connect(entryWith(kh, sshd.port()), T))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("box1")
                .hasMessageContaining("127.0.0.1:" + sshd.port())
                .hasMessageContaining("unknown host key")
                .hasMessageContaining(kh.toString())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(Files.readString(kh)).doesNotContain("[127.0.0.1]:" + sshd.port() + " ");
    }

    @Test
    void changedHostKeyIsRefused() throws Exception {
        Path kh = FakeHostSshd.writeKnownHosts(dir.resolve("kh_changed"), sshd.port(), FakeHostSshd.newEd25519());
        assertThatThrownBy(() -> SshHost.connect(entryWith(kh, sshd.port()), T))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("box1")
                .hasMessageContaining("host key mismatch")
                .hasMessageContaining(kh.toString());
    }

    @Test
    void closedPortIsBadInputNamingTheHost() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HostEntry e = entryWith(entry.knownHosts(), port);
        assertThatThrownBy(() -> SshHost.connect(e, Duration.ofSeconds(3)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("box1")
                .hasMessageContaining("127.0.0.1:" + port);
    }

    @Test
    void entryIsValidated() {
        Path k = Path.of("k");
        assertThatThrownBy(() -> new HostEntry("h", "a", 0, "u", k, k, null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host h");
        assertThatThrownBy(() -> new HostEntry("h", " ", 22, "u", k, k, null, null, null))
                .hasMessageContaining("address");
        assertThatThrownBy(() -> new HostEntry("h", "a", 22, "u", k, k, "0.0.0.0", null, null))
                .hasMessageContaining("0.0.0.0");
        assertThatThrownBy(() -> new HostEntry("h", "a", 22, "u", k, k, null, 0, null)).hasMessageContaining("cores");
        assertThat(HostEntry.of("h", "a", k, k).linkAddress()).isEqualTo("a");
        assertThat(HostEntry.of("h", "a", k, k).sshAddress()).isEqualTo("root@a:22");
    }

    private static long gzipSends() {
        return sshd.commands.stream().filter(c -> c.contains("gzip -dc")).count();
    }

    private static String permissions(Path d) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(d));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitDead(long pid, String what) {
        Awaitility.await(what + " (pid " + pid + ") to die").atMost(Duration.ofSeconds(6))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }
}
