package dev.kfit.vm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfit.error.InfraException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A QMP client on QEMU's unix socket, or on a TCP port (a remote guest's QMP, forwarded over SSH). Every read is bounded: a wedged QEMU yields an error,
 * never a stuck orchestrator. Asynchronous events seen while waiting are kept in {@link #events()}.
 */
public final class Qmp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final List<JsonNode> events = new ArrayList<>();
    private final String socket;

    private Qmp(String socket, SocketChannel channel, Selector selector) {
        this.socket = socket;
        this.channel = channel;
        this.selector = selector;
    }

    public static Qmp connect(Path socket, Duration timeout) {
        return connect(UnixDomainSocketAddress.of(socket), socket.toString(), timeout);
    }

    /** QMP on 127.0.0.1:{@code port}. */
    public static Qmp connect(int port, Duration timeout) {
        return connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), "127.0.0.1:" + port, timeout);
    }

    private static Qmp connect(java.net.SocketAddress address, String socket, Duration timeout) {
        try {
            SocketChannel ch = address instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            // socket() is TCP's only: a Unix domain channel throws UnsupportedOperationException there.
            if (!(address instanceof UnixDomainSocketAddress)) {
                ch.socket().connect(address, (int) Math.max(1, timeout.toMillis()));
            } else {
                ch.connect(address);
            }
            ch.configureBlocking(false);
            Selector sel = Selector.open();
            ch.register(sel, SelectionKey.OP_READ);
            Qmp q = new Qmp(socket, ch, sel);
            q.readMessage(timeout); // greeting
            q.execute("qmp_capabilities", Map.of(), timeout);
            return q;
        } catch (IOException e) {
            throw new InfraException("QMP " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Runs a command and returns its "return" value; a QMP error becomes an InfraException. */
    public synchronized JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
        ObjectNode req = JSON.createObjectNode().put("execute", command);
        if (!arguments.isEmpty()) {
            req.set("arguments", JSON.valueToTree(arguments));
        }
        try {
            channel.write(ByteBuffer.wrap((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8)));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                JsonNode msg = readMessage(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (msg.has("event")) {
                    events.add(msg);
                } else if (msg.has("error")) {
                    throw new InfraException("QMP " + command + " failed: " + msg.get("error"));
                } else if (msg.has("return")) {
                    return msg.get("return");
                }
            }
        } catch (IOException e) {
            throw new InfraException("QMP " + command + " on " + socket + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits, bounded, for an asynchronous event such as DEVICE_DELETED whose data has the given
     * device id (null: any). Events already received count. Empty if it did not come in time.
     */
    public synchronized java.util.Optional<JsonNode> awaitEvent(String event, String device, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            for (; seen < events.size(); seen++) {
                JsonNode e = events.get(seen);
                if (e.path("event").asText().equals(event)
                        && (device == null || device.equals(e.path("data").path("device").asText()))) {
                    return java.util.Optional.of(e);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return java.util.Optional.empty();
            }
            try {
                JsonNode msg = readMessage(Duration.ofNanos(left));
                if (msg.has("event")) {
                    events.add(msg);
                }
            } catch (IOException timeoutOrClosed) {
                return java.util.Optional.empty();
            }
        }
    }

    public synchronized List<JsonNode> events() {
        return List.copyOf(events);
    }

    private JsonNode readMessage(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (true) {
            byte[] bytes = pending.toByteArray();
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    String line = new String(bytes, 0, i, StandardCharsets.UTF_8);
                    pending.reset();
                    pending.write(bytes, i + 1, bytes.length - i - 1);
                    return JSON.readTree(line);
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("no answer within " + timeout.toMillis() + " ms");
            }
            selector.select(Math.max(1, left / 1_000_000));
            selector.selectedKeys().clear();
            buf.clear();
            int n = channel.read(buf);
            if (n < 0) {
                throw new IOException("QEMU closed the QMP socket");
            }
            pending.write(buf.array(), 0, n);
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
            channel.close();
        } catch (IOException ignored) {
            // closing a dead socket
        }
    }
}
