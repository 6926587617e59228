package dev.kfit.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.error.InfraException;
import dev.kfit.host.Command;
import dev.kfit.host.Host;
import dev.kfit.host.HostProcess;
import dev.kfit.host.LocalHost;
import dev.kfit.spec.Netem;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * kfit-link running on a host, in the middle of one guest link: the two guests' socket NICs connect
 * to {@link #addressA()}:{@link #portA()} and {@link #addressB()}:{@link #portB()}, and partition and
 * netem act on what it forwards. Controlled over its control socket on the host's 127.0.0.1, reached
 * through {@link Host#forward}; every exchange is bounded by {@link #EXCHANGE_TIMEOUT}. Its stdout
 * (connections, once-a-second counters) is the link's log.
 */
public final class LinkRelay implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    static final Duration EXCHANGE_TIMEOUT = Duration.ofSeconds(5);
    static final Duration STOP_GRACE = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Host host;
    private final HostProcess process;
    private final String addressA;
    private final String addressB;
    private final int portA;
    private final int portB;
    private final int controlPort;
    private final Path log;
    private Socket control;
    private BufferedReader replies;

    private LinkRelay(String name, Host host, HostProcess process, String addressA, int portA, String addressB,
                      int portB, int controlPort, Path log) {
        this.name = name;
        this.host = host;
        this.process = process;
        this.addressA = addressA;
        this.portA = portA;
        this.addressB = addressB;
        this.portB = portB;
        this.controlPort = controlPort;
        this.log = log;
    }

    /**
     * Starts kfit-link on {@code host} listening on {@code addressA} and {@code addressB} (fresh ports
     * each, never 0.0.0.0) and waits, bounded, until it listens and answers.
     *
     * @param binaryOnHost kfit-link on that host ({@link LinkRelayBinary}, staged with {@link Host#stage})
     * @param log          on the controller: the relay's output
     * @param name         for messages, e.g. "link target-initiator"
     */
    public static LinkRelay start(Host host, Path binaryOnHost, String addressA, String addressB, Path log, String name) {
        Objects.requireNonNull(name, "name");
        for (String address : List.of(addressA, addressB)) {
            // Every address would put the link on networks it was never meant to reach.
            if (address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]")) {
                throw new IllegalArgumentException("link relay " + name + ": listen address " + address
                        + " is a wildcard; give the host's link address");
            }
        }
        int portA = host.freePort(addressA);
        int portB = host.freePort(addressB);
        int controlPort = host.freePort("127.0.0.1");
        Command cmd = new Command(List.of(binaryOnHost.toString(), "--a", endpoint(addressA, portA),
                "--b", endpoint(addressB, portB), "--control", endpoint("127.0.0.1", controlPort)),
                null, java.util.Map.of(), Duration.ofDays(1), log);
        HostProcess p = host.start(cmd);
        LinkRelay relay = new LinkRelay(name, host, p, addressA, portA, addressB, portB, controlPort, log);
        try {
            relay.awaitListening("127.0.0.1", controlPort);
            relay.awaitListening(addressA, portA);
            relay.awaitListening(addressB, portB);
            relay.stats(); // it answers
            return relay;
        } catch (RuntimeException e) {
            relay.close();
            throw e;
        }
    }

    private static String endpoint(String address, int port) {
        return address.contains(":") ? "[" + address + "]:" + port : address + ":" + port;
    }

    /** Fails fast when the relay exited (a failed bind says why in its log) rather than waiting out the timeout. */
    private void awaitListening(String address, int port) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw failure("exited with status " + process.exitStatus() + " while starting: "
                        + LocalHost.tail(log, 2000).strip(), null);
            }
            try {
                host.awaitListening(address, port, Duration.ofMillis(500));
                return;
            } catch (InfraException notYet) {
                if (System.nanoTime() > deadline) {
                    throw failure("not listening on " + endpoint(address, port) + " after " + START_TIMEOUT.toSeconds()
                            + " s", notYet);
                }
            }
        }
    }

    public String name() {
        return name;
    }

    public String addressA() {
        return addressA;
    }

    public String addressB() {
        return addressB;
    }

    /** The port side A's QEMU connects to, on {@link #addressA()}. */
    public int portA() {
        return portA;
    }

    public int portB() {
        return portB;
    }

    public Path log() {
        return log;
    }

    /** Drops all traffic both ways until {@link #heal}. Returns the relay's CLOCK_MONOTONIC when it took effect. */
    public long partition() {
        return ack("partition");
    }

    /** Applies {@code n} to both directions, replacing any partition or earlier netem; returns the relay's time. */
    public long netem(Netem n) {
        return ack(n.command());
    }

    /** No impairment any more; returns the relay's time. */
    public long heal() {
        return ack("heal");
    }

    public Stats stats() {
        JsonNode r = exchange("stats");
        return new Stats(r.path("t_ns").asLong(), Direction.of(r.path("a_to_b")), Direction.of(r.path("b_to_a")),
                r.path("a_connected").asBoolean(), r.path("b_connected").asBoolean());
    }

    private long ack(String command) {
        return exchange(command).path("t_ns").asLong();
    }

    /** One command, one JSON line back; at most {@link #EXCHANGE_TIMEOUT}. A broken connection is reopened next time. */
    private synchronized JsonNode exchange(String command) {
        String reply;
        try {
            if (control == null) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", host.forward(controlPort)), (int) EXCHANGE_TIMEOUT.toMillis());
                s.setSoTimeout((int) EXCHANGE_TIMEOUT.toMillis());
                control = s;
                replies = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            }
            OutputStream out = control.getOutputStream();
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            reply = replies.readLine();
        } catch (SocketTimeoutException e) {
            dropControl();
            throw failure("no answer to '" + command + "' within " + EXCHANGE_TIMEOUT.toSeconds() + " s", e);
        } catch (IOException e) {
            dropControl();
            throw failure("control connection failed on '" + command + "': " + e.getMessage(), e);
        }
        if (reply == null) {
            dropControl();
            throw failure("closed the control connection on '" + command + "'"
                    + (process.isAlive() ? "" : " (exited with status " + process.exitStatus() + ")"), null);
        }
        JsonNode r;
        try {
            r = JSON.readTree(reply);
        } catch (IOException e) {
            throw failure("answered '" + command + "' with something not JSON: " + reply, e);
        }
        if (!r.path("ok").asBoolean(false)) {
            throw failure("refused '" + command + "': " + r.path("error").asText(reply), null);
        }
        return r;
    }

    private void dropControl() {
        if (control != null) {
            try {
                control.close();
            } catch (IOException ignored) {
                // already broken
            }
        }
        control = null;
        replies = null;
    }

    private InfraException failure(String problem, Throwable cause) {
        return new InfraException("link relay " + name + " on " + host.name() + ": " + problem, cause);
    }

    /** Stops it (SIGTERM, then SIGKILL after {@link #STOP_GRACE}); its last counters end the log. */
    @Override
    public synchronized void close() {
        dropControl();
        process.stop(STOP_GRACE);
    }

    /**
     * The relay's counters.
     *
     * @param relayNs the relay host's CLOCK_MONOTONIC when they were read
     */
    public record Stats(long relayNs, Direction aToB, Direction bToA, boolean aConnected, boolean bConnected) {
    }

    /**
     * One direction's counters since the relay started.
     *
     * @param frames             forwarded
     * @param bytes              forwarded, Ethernet frames without QEMU's length prefix
     * @param droppedLoss        dropped by netem loss
     * @param droppedPartition   dropped by a partition (also frames in flight when it began)
     * @param droppedUnconnected arrived while the other side's QEMU was not connected
     * @param droppedQueueFull   beyond the 64 MiB delay queue
     * @param duplicated         frames sent twice
     * @param reordered          frames sent ahead of the delayed ones
     * @param queued             frames waiting in the delay queue now
     */
    public record Direction(long frames, long bytes, long droppedLoss, long droppedPartition, long droppedUnconnected,
                            long droppedQueueFull, long duplicated, long reordered, long queued) {
        static Direction of(JsonNode n) {
            return new Direction(n.path("frames").asLong(), n.path("bytes").asLong(), n.path("dropped_loss").asLong(),
                    n.path("dropped_partition").asLong(), n.path("dropped_unconnected").asLong(),
                    n.path("dropped_queue_full").asLong(), n.path("duplicated").asLong(), n.path("reordered").asLong(),
                    n.path("queued").asLong());
        }
    }
}
