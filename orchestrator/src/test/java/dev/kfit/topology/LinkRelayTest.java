package dev.kfit.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.cache.Cache;
import dev.kfit.error.InfraException;
import dev.kfit.host.LocalHost;
import dev.kfit.spec.Netem;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kfit-link built for real and driven by two fake QEMUs speaking the socket netdev's framing. */
class LinkRelayTest {
    static LocalHost host;
    static LinkRelayBinary binary;
    @TempDir
    static Path cacheDir;
    @TempDir
    Path dir;

    @BeforeAll
    static void build() {
        host = new LocalHost();
        binary = LinkRelayBinary.build(new Cache(cacheDir), kfitRoot());
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    /** Tests run in orchestrator/; the checkout is where the source is. */
    static Path kfitRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(LinkRelayBinary.SOURCE))) {
                return p;
            }
        }
        throw new IllegalStateException("no kfit checkout above " + Path.of("").toAbsolutePath());
    }

    LinkRelay relay() {
        return LinkRelay.start(host, binary.path(), "127.0.0.1", "127.0.0.1", dir.resolve("link.log"), "test-link");
    }

    /** The QEMU end of a socket netdev: 4-byte big-endian length, then the frame. */
    static final class FakeQemu implements AutoCloseable {
        final Socket s;
        final DataOutputStream out;
        final DataInputStream in;

        FakeQemu(int port) throws IOException {
            s = new Socket("127.0.0.1", port);
            s.setTcpNoDelay(true);
            out = new DataOutputStream(s.getOutputStream());
            in = new DataInputStream(s.getInputStream());
        }

        void send(byte[] frame) throws IOException {
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
        }

        /** The next frame, or null if none came within {@code timeout}. */
        byte[] receive(Duration timeout) throws IOException {
            s.setSoTimeout((int) timeout.toMillis());
            try {
                int len = in.readInt();
                byte[] b = new byte[len];
                in.readFully(b);
                return b;
            } catch (SocketTimeoutException e) {
                return null;
            }
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    static byte[] frame(int i, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) i);
        b[0] = (byte) (i >> 8);
        b[1] = (byte) i;
        return b;
    }

    static final Duration WAIT = Duration.ofSeconds(3);
    static final Duration NOTHING = Duration.ofMillis(300);

    /** Waits, bounded, for both fake QEMUs to be connected (the accept runs in the relay's loop). */
    static void awaitConnected(LinkRelay r) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!(r.stats().aConnected() && r.stats().bConnected())) {
            assertThat(System.nanoTime()).as("both sides connected within 3 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void forwardsBothWaysAndCountsWhatArrivesUnconnected() throws Exception {
        try (LinkRelay r = relay(); FakeQemu a = new FakeQemu(r.portA())) {
            a.send(frame(1, 60)); // B is not there yet
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (r.stats().aToB().droppedUnconnected() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(r.stats().aToB().droppedUnconnected()).isEqualTo(1);
            try (FakeQemu b = new FakeQemu(r.portB())) {
                awaitConnected(r);
                a.send(frame(2, 60));
                a.send(frame(3, 1514));
                b.send(frame(4, 65536));
                assertThat(b.receive(WAIT)).isEqualTo(frame(2, 60));
                assertThat(b.receive(WAIT)).isEqualTo(frame(3, 1514));
                assertThat(a.receive(WAIT)).isEqualTo(frame(4, 65536));
                LinkRelay.Stats s = r.stats();
                assertThat(s.aToB().frames()).isEqualTo(2);
                assertThat(s.aToB().bytes()).isEqualTo(60 + 1514);
                assertThat(s.bToA().frames()).isEqualTo(1);
                assertThat(s.bToA().bytes()).isEqualTo(65536);
            }
        }
        assertThat(Files.readString(dir.resolve("link.log"))).contains("\"event\":\"connected\"", "\"event\":\"exit\"");
    }

    @Test
    void partitionDropsBothWaysAndHealRestores() throws Exception {
        try (LinkRelay r = relay(); FakeQemu a = new FakeQemu(r.portA()); FakeQemu b = new FakeQemu(r.portB())) {
            awaitConnected(r);
            long t = r.partition();
            assertThat(t).isPositive();
            a.send(frame(1, 100));
            b.send(frame(2, 100));
            assertThat(b.receive(NOTHING)).isNull();
            assertThat(a.receive(NOTHING)).isNull();
            assertThat(r.stats().aToB().droppedPartition()).isEqualTo(1);
            assertThat(r.stats().bToA().droppedPartition()).isEqualTo(1);
            assertThat(r.heal()).isGreaterThan(t);
            a.send(frame(3, 100));
            assertThat(b.receive(WAIT)).isEqualTo(frame(3, 100));
        }
    }

    @Test
    void lossOfAllFramesDropsThemAll() throws Exception {
        try (LinkRelay r = relay(); FakeQemu a = new FakeQemu(r.portA()); FakeQemu b = new FakeQemu(r.portB())) {
            awaitConnected(r);
            r.netem(new Netem(Duration.ZERO, Duration.ZERO, 100, 0, 0));
            for (int i = 0; i < 50; i++) {
                a.send(frame(i, 64));
            }
            assertThat(b.receive(NOTHING)).isNull();
            assertThat(r.stats().aToB().droppedLoss()).isEqualTo(50);
            assertThat(r.stats().aToB().frames()).isZero();
        }
    }

    @Test
    void delayHoldsEveryFrameAtLeastThatLong() throws Exception {
        try (LinkRelay r = relay(); FakeQemu a = new FakeQemu(r.portA()); FakeQemu b = new FakeQemu(r.portB())) {
            awaitConnected(r);
            r.netem(new Netem(Duration.ofMillis(200), Duration.ofMillis(20), 0, 0, 0));
            List<Long> delays = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                a.send(frame(i, 64));
                assertThat(b.receive(WAIT)).isEqualTo(frame(i, 64));
                delays.add((System.nanoTime() - t0) / 1_000_000);
            }
            System.out.println("kfit-link delay 200ms jitter 20ms, measured ms: " + delays);
            assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(180L, 400L));
        }
    }

    @Test
    void duplicationAndReordering() throws Exception {
        try (LinkRelay r = relay(); FakeQemu a = new FakeQemu(r.portA()); FakeQemu b = new FakeQemu(r.portB())) {
            awaitConnected(r);
            r.netem(new Netem(Duration.ZERO, Duration.ZERO, 0, 100, 0));
            a.send(frame(1, 64));
            assertThat(b.receive(WAIT)).isEqualTo(frame(1, 64));
            assertThat(b.receive(WAIT)).isEqualTo(frame(1, 64));
            assertThat(r.stats().aToB().duplicated()).isEqualTo(1);

            // Every frame reordered: sent at once, ahead of the 5 s delay.
            r.netem(new Netem(Duration.ofSeconds(5), Duration.ZERO, 0, 0, 100));
            long t0 = System.nanoTime();
            a.send(frame(2, 64));
            assertThat(b.receive(WAIT)).isEqualTo(frame(2, 64));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            assertThat(r.stats().aToB().reordered()).isEqualTo(1);

            // Half reordered: the reordered ones overtake the delayed ones.
            r.netem(new Netem(Duration.ofMillis(300), Duration.ZERO, 0, 0, 50));
            for (int i = 0; i < 40; i++) {
                a.send(frame(100 + i, 64));
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                byte[] f = b.receive(WAIT);
                order.add(((f[0] & 0xff) << 8) | (f[1] & 0xff));
            }
            assertThat(order).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(100, 140).boxed().toList());
            assertThat(order).isNotEqualTo(java.util.stream.IntStream.range(100, 140).boxed().toList());
        }
    }

    @Test
    void refusedCommandsAndWildcardsAreErrorsNamingTheRelay() throws Exception {
        try (LinkRelay r = relay()) {
            // A Netem cannot be built out of range; the relay refuses what gets past anyway.
            assertThatThrownBy(() -> r.netem(new Netem(Duration.ofSeconds(61), Duration.ZERO, 0, 0, 0)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(r.stats().aConnected()).isFalse();
        }
        assertThatThrownBy(() -> LinkRelay.start(host, binary.path(), "0.0.0.0", "127.0.0.1", dir.resolve("x.log"), "wild"))
                .hasMessageContaining("wild").hasMessageContaining("wildcard");
        assertThatThrownBy(() -> LinkRelay.start(host, dir.resolve("no-such-binary"), "127.0.0.1", "127.0.0.1",
                dir.resolve("y.log"), "missing")).isInstanceOf(InfraException.class).hasMessageContaining("missing");
    }

    @Test
    void controlProtocolAnswersEveryLine() throws Exception {
        try (LinkRelay r = relay()) {
            // Through a raw connection: the refusals LinkRelay's types cannot produce.
            int port = controlPort(r);
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(3000);
                var out = s.getOutputStream();
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream()));
                for (String bad : List.of("reboot", "netem loss_ppm=2000000", "netem delay_us=-1", "netem color=red",
                        "partition now")) {
                    out.write((bad + "\n").getBytes());
                    assertThat(in.readLine()).as(bad).startsWith("{\"ok\":false,\"error\":\"");
                }
                out.write("netem dir=a_to_b delay_us=1000\n".getBytes());
                assertThat(in.readLine()).startsWith("{\"ok\":true,\"t_ns\":");
            }
        }
    }

    static int controlPort(LinkRelay r) throws Exception {
        var f = LinkRelay.class.getDeclaredField("controlPort");
        f.setAccessible(true);
        return (int) f.get(r);
    }

    @Test
    void badArgumentsExitWithStatus2() throws Exception {
        for (List<String> args : List.of(List.of("--a", "0.0.0.0:1", "--b", "127.0.0.1:2", "--control", "127.0.0.1:3"),
                List.of("--a", "127.0.0.1:1"), List.of("--bogus", "x"), List.of("--a", "nohost:1", "--b", "127.0.0.1:2",
                        "--control", "127.0.0.1:3"))) {
            List<String> argv = new ArrayList<>(List.of(binary.path().toString()));
            argv.addAll(args);
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            assertThat(p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(new String(p.getInputStream().readAllBytes())).startsWith("kfit-link: ");
        }
    }

    @Test
    void throughput() throws Exception {
        try (LinkRelay r = relay(); FakeQemu a = new FakeQemu(r.portA()); FakeQemu b = new FakeQemu(r.portB())) {
            awaitConnected(r);
            int n = 50_000;
            byte[] f = frame(7, 1024);
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        a.send(f);
                    }
                } catch (IOException ignored) {
                    // the receiver's count shows it
                }
            });
            long t0 = System.nanoTime();
            sender.start();
            int got = 0;
            while (got < n && b.receive(WAIT) != null) {
                got++;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            sender.join(5000);
            System.out.printf("kfit-link forwarded %d frames of 1 KiB in %.2f s: %.0f frames/s%n", got, s, got / s);
            assertThat(got).isEqualTo(n);
        }
    }
}
