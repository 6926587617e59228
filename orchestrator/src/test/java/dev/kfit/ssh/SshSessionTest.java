package dev.kfit.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshSessionTest {
    private static final Duration T = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static KeyPair hostKey;
    static KeyPair clientKey;
    static FakeGuestSshd sshd;
    static SshTarget target;

    @BeforeAll
    static void startGuest() throws Exception {
        hostKey = FakeGuestSshd.newEd25519();
        clientKey = FakeGuestSshd.newEd25519();
        sshd = FakeGuestSshd.start(0, KeyPairProvider.wrap(hostKey), clientKey.getPublic());
        target = targetOn(sshd.port());
    }

    @AfterAll
    static void stopGuest() throws IOException {
        sshd.close();
    }

    static SshTarget targetOn(int port) throws Exception {
        return new SshTarget("127.0.0.1", port, "root",
                FakeGuestSshd.writePrivateKey(clientKey, dir.resolve("id_ed25519")),
                FakeGuestSshd.writePublicKey(hostKey.getPublic(), dir.resolve("host_ed25519.pub")));
    }

    @Test
    void execSendsQuotedArgvIntact() {
        List<String> argv = new ArrayList<>(List.of("echo-line"));
        argv.addAll(ShellQuoteTest.TRICKY);
        try (SshSession s = SshSession.connect(target, T)) {
            ExecResult r = s.exec(argv, T);
            assertThat(r.ok()).isTrue();
            assertThat(r.exitStatus()).isZero();
            assertThat(r.stdout()).isEqualTo(ShellQuote.join(argv));
            assertThat(r.command()).isEqualTo(ShellQuote.join(argv));
        }
    }

    @Test
    void aDialogAnswersLineByLineOnOneChannel() {
        try (SshSession s = SshSession.connect(target, T); SshDialog d = s.dialog(List.of("echo-lines"), T)) {
            assertThat(d.ask("one", T)).isEqualTo("got one");
            assertThat(d.ask("two", T)).isEqualTo("got two");
        }
    }

    @Test
    void aDialogWithASilentCommandFailsWithinItsBoundAndTheSessionStaysUsable() {
        try (SshSession s = SshSession.connect(target, T)) {
            long t0 = System.nanoTime();
            try (SshDialog d = s.dialog(List.of("sleep-forever"), T)) {
                assertThatThrownBy(() -> d.ask("hello", Duration.ofMillis(300)))
                        .isInstanceOf(SshException.class).hasMessageContaining("no answer within");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(s.exec(List.of("echo-line", "still"), T).stdout()).isEqualTo("echo-line still");
        }
    }

    @Test
    void aDialogWhoseCommandEndedSaysSo() {
        try (SshSession s = SshSession.connect(target, T); SshDialog d = s.dialog(List.of("no-such-command"), T)) {
            assertThatThrownBy(() -> d.ask("x", T)).isInstanceOf(SshException.class).hasMessageContaining("ended before");
        }
    }

    @Test
    void remoteShellParsesQuotedArgvBackExactly() {
        List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
        argv.addAll(ShellQuoteTest.TRICKY);
        try (SshSession s = SshSession.connect(target, T)) {
            ExecResult r = s.check(argv, T);
            assertThat(ShellQuoteTest.splitNul(r.stdout())).containsExactlyElementsOf(ShellQuoteTest.TRICKY);
        }
    }

    @Test
    void shellSendsRawStringAsIs() {
        try (SshSession s = SshSession.connect(target, T)) {
            assertThat(s.shell("echo-line $X | tr a b 'q", T).stdout()).isEqualTo("echo-line $X | tr a b 'q");
        }
    }

    @Test
    void nonZeroExitKeepsStatusAndStderr() {
        try (SshSession s = SshSession.connect(target, T)) {
            ExecResult r = s.exec(List.of("fail", "3", "boom"), T);
            assertThat(r.ok()).isFalse();
            assertThat(r.timedOut()).isFalse();
            assertThat(r.exitStatus()).isEqualTo(3);
            assertThat(r.stdout()).isEqualTo("partial output\n");
            assertThat(r.stderr()).isEqualTo("boom\n");
        }
    }

    @Test
    void checkThrowsWithEverythingNeededToDebug() {
        try (SshSession s = SshSession.connect(target, T)) {
            assertThat(s.check(List.of("echo-line", "fine"), T).stdout()).isEqualTo("echo-line fine");
            assertThatThrownBy(() -> s.check(List.of("fail", "42", "kaboom"), T))
                    .isInstanceOf(CommandFailedException.class)
                    .isInstanceOf(SshException.class)
                    .hasMessageContaining("root@127.0.0.1:" + sshd.port())
                    .hasMessageContaining("fail 42 kaboom")
                    .hasMessageContaining("exit status 42")
                    .hasMessageContaining("partial output")
                    .hasMessageContaining("kaboom")
                    .satisfies(e -> assertThat(((CommandFailedException) e).result().exitStatus()).isEqualTo(42));
        }
    }

    @Test
    void hungCommandTimesOutWithinBoundAndSessionStaysUsable() {
        try (SshSession s = SshSession.connect(target, T)) {
            long t0 = System.nanoTime();
            ExecResult r = s.exec(List.of("sleep-forever"), Duration.ofMillis(800));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(r.timedOut()).isTrue();
            assertThat(r.exitStatus()).isNull();
            assertThat(r.ok()).isFalse();
            assertThat(tookMs).isBetween(700L, 2500L);

            assertThat(s.isOpen()).isTrue();
            assertThat(s.exec(List.of("echo-line", "still", "here"), T).stdout()).isEqualTo("echo-line still here");
            assertThatThrownBy(() -> s.check(List.of("sleep-forever"), Duration.ofMillis(300)))
                    .isInstanceOf(CommandFailedException.class)
                    .hasMessageContaining("timed out after")
                    .hasMessageContaining("sleep-forever");
        }
    }

    @Test
    void stdinIsClosedSoReadersDoNotHang() {
        try (SshSession s = SshSession.connect(target, T)) {
            ExecResult r = s.exec(List.of("cat"), T);
            assertThat(r.timedOut()).isFalse();
            assertThat(r.stdout()).isEqualTo("read 0 bytes");
        }
    }

    @Test
    void hugeOutputIsCappedWithMarker() {
        try (SshSession s = SshSession.connect(target, Duration.ofSeconds(10))) {
            int extra = 100_000;
            ExecResult r = s.exec(List.of("big", String.valueOf(SshSession.MAX_CAPTURE_BYTES + extra)), T);
            assertThat(r.ok()).isTrue();
            assertThat(r.stdout()).startsWith("xxxx").contains("output truncated, " + extra + " more bytes dropped");
            assertThat(r.stdout().length()).isLessThan(SshSession.MAX_CAPTURE_BYTES + 200);
        }
    }

    @Test
    void closeIsIdempotentAndExecAfterCloseFailsCleanly() {
        SshSession s = SshSession.connect(target, T);
        assertThat(s.isOpen()).isTrue();
        s.close();
        s.close();
        assertThat(s.isOpen()).isFalse();
        assertThatThrownBy(() -> s.exec(List.of("echo-line"), T)).isInstanceOf(SshException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void wrongPinnedHostKeyIsRejected() throws Exception {
        Path otherPub = FakeGuestSshd.writePublicKey(FakeGuestSshd.newEd25519().getPublic(), dir.resolve("other.pub"));
        SshTarget wrong = new SshTarget("127.0.0.1", sshd.port(), "root", target.privateKey(), otherPub);
        assertThatThrownBy(() -> SshSession.connect(wrong, T))
                .isInstanceOf(SshException.class)
                .hasMessageContaining("host key mismatch")
                .hasMessageContaining("root@127.0.0.1:" + sshd.port())
                .hasMessageContaining(otherPub.toString());
        // Retrying cannot help, so connectWhenReady must not sit out its whole budget.
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> SshSession.connectWhenReady(wrong, Duration.ofSeconds(20), T, () -> true))
                .hasMessageContaining("host key mismatch");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void unknownClientKeyIsRejectedAtAuth() throws Exception {
        Path otherKey = FakeGuestSshd.writePrivateKey(FakeGuestSshd.newEd25519(), dir.resolve("other_id"));
        SshTarget wrong = new SshTarget("127.0.0.1", sshd.port(), "root", otherKey, target.hostPublicKey());
        assertThatThrownBy(() -> SshSession.connect(wrong, T))
                .isInstanceOf(SshException.class)
                .hasMessageContaining("ssh auth")
                .hasMessageContaining("root@127.0.0.1:" + sshd.port())
                .hasMessageContaining("offered public key SHA256:")
                .hasMessageContaining(otherKey.toString());
    }

    @Test
    void unreadableKeyFileIsReportedBeforeConnecting() {
        SshTarget wrong = new SshTarget("127.0.0.1", sshd.port(), "root", dir.resolve("missing"),
                target.hostPublicKey());
        assertThatThrownBy(() -> SshSession.connect(wrong, T))
                .isInstanceOf(SshException.class)
                .hasMessageContaining("private key")
                .hasMessageContaining("missing");
    }

    @Test
    void connectWhenReadyGivesUpAfterOverallBound() throws Exception {
        int port = freePort();
        SshTarget nobody = targetOn(port);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> SshSession.connectWhenReady(nobody, Duration.ofMillis(1500),
                Duration.ofMillis(500), () -> true))
                .isInstanceOf(SshException.class)
                .hasMessageContaining("gave up waiting for sshd on root@127.0.0.1:" + port)
                .hasMessageContaining("last error: ssh connect");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(1400),
                Duration.ofMillis(4000));
    }

    @Test
    void connectWhenReadyFailsFastWhenGuestDies() throws Exception {
        SshTarget nobody = targetOn(freePort());
        AtomicInteger calls = new AtomicInteger();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> SshSession.connectWhenReady(nobody, Duration.ofSeconds(30),
                Duration.ofSeconds(1), () -> calls.incrementAndGet() < 2))
                .isInstanceOf(SshException.class)
                .hasMessageContaining("no longer running")
                .hasMessageContaining("root@127.0.0.1:" + nobody.port());
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void connectWhenReadyWaitsForLateSshd() throws Exception {
        int port = freePort();
        CompletableFuture<FakeGuestSshd> late = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(1000);
                return FakeGuestSshd.start(port, KeyPairProvider.wrap(hostKey), clientKey.getPublic());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (SshSession s = SshSession.connectWhenReady(targetOn(port), Duration.ofSeconds(10),
                Duration.ofSeconds(2), () -> true)) {
            assertThat(s.check(List.of("echo-line", "booted"), T).stdout()).isEqualTo("echo-line booted");
        } finally {
            late.get(5, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void keysWrittenByOpenSshKeygenWork() throws Exception {
        Path keygen = Path.of("/usr/bin/ssh-keygen");
        // The guest image's keys are made by ssh-keygen (provisioned by ansible/): it must be there.
        assertThat(keygen).isExecutable();
        Path client = dir.resolve("kg_id_ed25519");
        Path host = dir.resolve("kg_host_ed25519");
        for (Path p : List.of(client, host)) {
            Process proc = new ProcessBuilder(keygen.toString(), "-q", "-t", "ed25519", "-N", "", "-C", "kfit",
                    "-f", p.toString()).redirectErrorStream(true).start();
            assertThat(proc.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(proc.exitValue()).isZero();
        }
        KeyPair clientPair = new FileKeyPairProvider(client).loadKeys(null).iterator().next();
        try (FakeGuestSshd g = FakeGuestSshd.start(0, new FileKeyPairProvider(host), clientPair.getPublic());
             SshSession s = SshSession.connect(new SshTarget("127.0.0.1", g.port(), "root", client,
                     Path.of(host + ".pub")), T)) {
            assertThat(s.check(List.of("echo-line", "ok"), T).stdout()).isEqualTo("echo-line ok");
        }
    }

    @Test
    void noClientThreadsOutliveSessionsOrFailures() throws Exception {
        try (SshSession s = SshSession.connect(target, T)) {
            s.exec(List.of("echo-line"), T);
        }
        SshTarget nobody = targetOn(freePort());
        assertThatThrownBy(() -> SshSession.connect(nobody, T)).isInstanceOf(SshException.class);
        Path otherPub = FakeGuestSshd.writePublicKey(FakeGuestSshd.newEd25519().getPublic(), dir.resolve("o2.pub"));
        assertThatThrownBy(() -> SshSession.connect(new SshTarget("127.0.0.1", sshd.port(), "root",
                target.privateKey(), otherPub), T)).isInstanceOf(SshException.class);
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(Thread.getAllStackTraces().keySet()).map(Thread::getName)
                        .noneMatch(n -> n.contains("SshClient")));
    }

    @Test
    void targetIsValidated() {
        Path k = Path.of("k");
        assertThatThrownBy(() -> new SshTarget(" ", 22, "root", k, k)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SshTarget("h", 0, "root", k, k)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SshTarget("h", 65536, "root", k, k))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SshTarget("h", 22, "", k, k)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new SshTarget("h", 22, "root", k, k).address()).isEqualTo("root@h:22");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
