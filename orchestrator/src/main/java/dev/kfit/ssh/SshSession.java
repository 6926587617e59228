package dev.kfit.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.future.CancelOption;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * One authenticated SSH connection to a guest, with its own {@link SshClient} so that closing the
 * session also ends every thread it started. Every wait is bounded: a hung guest is the normal case.
 */
public final class SshSession implements AutoCloseable {
    /** Per stream; beyond this the rest is dropped with a marker. */
    static final int MAX_CAPTURE_BYTES = 4 * 1024 * 1024;
    /** Between refused attempts on a booting guest: short, since a guest's sshd comes up within moments of "ready". */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    private final SshTarget target;
    private final SshClient client;
    private final ClientSession session;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SshSession(SshTarget target, SshClient client, ClientSession session) {
        this.target = target;
        this.client = client;
        this.session = session;
    }

    public SshTarget target() {
        return target;
    }

    /** Connects, checks the pinned host key and logs in with the private key, each step within {@code timeout}. */
    public static SshSession connect(SshTarget target, Duration timeout) {
        Objects.requireNonNull(target, "target");
        requirePositive(timeout);
        // Read both key files before any thread is started: a bad file is not worth a connection.
        KeyPair identity = loadIdentity(target);
        PublicKey pinned = loadPinnedHostKey(target);
        return open(target, identity, new PinnedHostKeyVerifier(pinned, target.hostPublicKey()), timeout);
    }

    /**
     * Like {@link #connect(SshTarget, Duration)}, but the server's key is judged by {@code hostKeys}
     * (a known_hosts file, say) instead of the pinned {@link SshTarget#hostPublicKey()}, which is then unused.
     */
    public static SshSession connect(SshTarget target, HostKeyPolicy hostKeys, Duration timeout) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(hostKeys, "hostKeys");
        requirePositive(timeout);
        return open(target, loadIdentity(target), hostKeys, timeout);
    }

    /**
     * Like {@link #connect(SshTarget, HostKeyPolicy, Duration)}, and the session is closed when the server
     * has not answered {@link #HEARTBEAT_MISSES} keep-alives sent every {@code heartbeat}: a host that
     * vanishes without closing its TCP connection (power loss, a cut network) is noticed in bounded time.
     * Not for guests: a busy TCG guest may be slow to answer without being gone.
     */
    public static SshSession connect(SshTarget target, HostKeyPolicy hostKeys, Duration timeout, Duration heartbeat) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(hostKeys, "hostKeys");
        requirePositive(timeout);
        requirePositive(heartbeat);
        return open(target, loadIdentity(target), hostKeys, timeout, heartbeat);
    }

    /** Unanswered keep-alives after which a host's session is given up. */
    public static final int HEARTBEAT_MISSES = 3;

    private static SshSession open(SshTarget target, KeyPair identity, HostKeyPolicy verifier, Duration timeout) {
        return open(target, identity, verifier, timeout, null);
    }

    private static SshSession open(SshTarget target, KeyPair identity, HostKeyPolicy verifier, Duration timeout,
                                   Duration heartbeat) {
        SshClient client = newClient(verifier);
        if (heartbeat != null) {
            org.apache.sshd.core.CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, heartbeat);
            org.apache.sshd.core.CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, HEARTBEAT_MISSES);
        }
        ClientSession session = null;
        try {
            client.start();
            String step = "connect";
            try {
                ConnectFuture cf = client.connect(target.user(), target.host(), target.port());
                if (!cf.await(timeout, CancelOption.CANCEL_ON_TIMEOUT)) {
                    throw fail(target, "connect", "no connection within " + Durations.format(timeout), null);
                }
                session = cf.verify().getSession(); // completed: awaited with a bound above
                session.addPublicKeyIdentity(identity);
                step = "auth";
                // auth() also covers the banner and key exchange, where the host key is checked.
                AuthFuture af = session.auth();
                if (!af.await(timeout, CancelOption.CANCEL_ON_TIMEOUT)) {
                    throw hostKeyFailure(target, verifier).orElse(fail(target, "auth",
                            "no banner, key exchange or authentication within " + Durations.format(timeout), null));
                }
                af.verify(); // completed: awaited with a bound above; throws if auth failed
            } catch (SshException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                if (e instanceof InterruptedIOException) {
                    Thread.currentThread().interrupt();
                }
                String detail = describe(e);
                if (step.equals("auth") && session != null && session.getServerKey() != null) {
                    // Key exchange passed, so the login itself failed: say which key was offered.
                    detail += " (offered public key " + KeyUtils.getFingerPrint(identity.getPublic()) + " from "
                            + target.privateKey() + " as " + target.user() + ")";
                }
                throw hostKeyFailure(target, verifier).orElse(fail(target, step, detail, e));
            }
            return new SshSession(target, client, session);
        } catch (RuntimeException | Error e) {
            if (session != null) {
                session.close(true);
            }
            client.stop();
            throw e;
        }
    }

    /**
     * Waits for a booting guest's sshd: retries {@link #connect} every ~100 ms until {@code overall} has passed.
     * Gives up at once when {@code stillAlive} turns false (the VM process died) or the host key is wrong
     * (retrying cannot fix that).
     */
    public static SshSession connectWhenReady(SshTarget target, Duration overall, Duration perAttempt,
                                              BooleanSupplier stillAlive) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(stillAlive, "stillAlive");
        requirePositive(overall);
        requirePositive(perAttempt);
        loadIdentity(target); // a key that cannot load will not load on a later attempt either: fail now
        long start = System.nanoTime();
        long deadline = start + overall.toNanos();
        SshException last = null;
        int attempts = 0;
        while (true) {
            if (!stillAlive.getAsBoolean()) {
                throw new SshException("gave up waiting for sshd on " + target.address() + " after "
                        + Durations.format(since(start)) + ": the guest is no longer running"
                        + lastError(last), last);
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            attempts++;
            Duration budget = Duration.ofNanos(Math.min(perAttempt.toNanos(), remaining));
            try {
                return connect(target, budget);
            } catch (HostKeyMismatchException e) {
                throw e;
            } catch (SshException e) {
                last = e;
            }
            long pause = Math.min(RETRY_PAUSE.toNanos(), deadline - System.nanoTime());
            if (pause > 0) {
                try {
                    Thread.sleep(pause / 1_000_000L, (int) (pause % 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SshException("interrupted while waiting for sshd on " + target.address(), e);
                }
            }
        }
        throw new SshException("gave up waiting for sshd on " + target.address() + " after "
                + Durations.format(since(start)) + " (" + attempts + " attempts)" + lastError(last), last);
    }

    /** Runs {@code argv} (each element POSIX-quoted) and returns whatever happened, timeouts included. */
    public ExecResult exec(List<String> argv, Duration timeout) {
        return run(commandLine(argv), timeout);
    }

    /** Raw-shell escape hatch: {@code rawCommand} reaches the remote shell unquoted, pipes and all. */
    public ExecResult shell(String rawCommand, Duration timeout) {
        Objects.requireNonNull(rawCommand, "rawCommand");
        return run(rawCommand, timeout);
    }

    /** Like {@link #exec}, but anything other than exit status 0 throws {@link CommandFailedException}. */
    public ExecResult check(List<String> argv, Duration timeout) {
        return requireOk(exec(argv, timeout));
    }

    /** Like {@link #shell}, but anything other than exit status 0 throws {@link CommandFailedException}. */
    public ExecResult checkShell(String rawCommand, Duration timeout) {
        return requireOk(shell(rawCommand, timeout));
    }

    /**
     * Starts {@code argv} (POSIX-quoted) with stdin and stdout kept open for line-by-line round trips;
     * see {@link SshDialog}. Fails if the channel does not open within {@code timeout}.
     */
    public SshDialog dialog(List<String> argv, Duration timeout) {
        requirePositive(timeout);
        String command = commandLine(argv);
        if (closed.get()) {
            throw new SshException("dialog on closed session " + target.address() + ": " + command);
        }
        ChannelExec channel = null;
        try {
            channel = session.createExecChannel(command);
            OpenFuture open = channel.open();
            if (!open.await(timeout, CancelOption.CANCEL_ON_TIMEOUT)) {
                channel.close(true);
                throw new SshException("dialog on " + target.address() + ": no channel within "
                        + Durations.format(timeout) + ": " + command);
            }
            open.verify(); // completed: awaited with a bound above
            return new SshDialog(command, channel);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close(true);
            }
            if (e instanceof SshException se) {
                throw se;
            }
            throw new SshException("dialog on " + target.address() + " failed: " + command + ": " + describe(e), e);
        }
    }

    /** The underlying Mina session, for what {@link #exec} does not cover: streamed channels, port forwards. */
    public ClientSession clientSession() {
        return session;
    }

    public boolean isOpen() {
        return !closed.get() && session.isOpen();
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            session.close(true);
        } finally {
            client.stop();
        }
    }

    private ExecResult requireOk(ExecResult r) {
        if (!r.ok()) {
            throw new CommandFailedException(target, r);
        }
        return r;
    }

    private static String commandLine(List<String> argv) {
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty argv");
        }
        return ShellQuote.join(argv);
    }

    private ExecResult run(String command, Duration timeout) {
        requirePositive(timeout);
        if (closed.get()) {
            throw new SshException("exec on closed session " + target.address() + ": " + command);
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        BoundedOutput out = new BoundedOutput(MAX_CAPTURE_BYTES);
        BoundedOutput err = new BoundedOutput(MAX_CAPTURE_BYTES);
        ChannelExec channel = null;
        try {
            channel = session.createExecChannel(command);
            channel.setOut(out);
            channel.setErr(err);
            OpenFuture open = channel.open();
            if (!open.await(remaining(deadline), CancelOption.CANCEL_ON_TIMEOUT)) {
                channel.close(true);
                return new ExecResult(command, null, out.text(), err.text(), since(start), true);
            }
            open.verify(); // completed: awaited with a bound above
            closeStdin(channel);
            Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED),
                    remaining(deadline));
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                channel.close(true);
                return new ExecResult(command, null, out.text(), err.text(), since(start), true);
            }
            return new ExecResult(command, channel.getExitStatus(), out.text(), err.text(), since(start), false);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close(true);
            }
            if (e instanceof InterruptedIOException) {
                Thread.currentThread().interrupt();
            }
            throw new SshException("exec on " + target.address() + " failed: " + command + ": " + describe(e), e);
        }
    }

    /** No stdin: send EOF at once, or a command that reads stdin would wait for ever. */
    private static void closeStdin(ChannelExec channel) {
        try {
            channel.getInvertedIn().close();
        } catch (IOException e) {
            // A fast command may have closed the channel already; its result is still there to collect.
        }
    }

    private static SshClient newClient(ServerKeyVerifier verifier) {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(verifier);
        // Classic X25519 first: the default picks the post-quantum sntrup761x25519, whose key generation
        // costs the first login of a JVM a second or more and buys nothing on a loopback test link.
        client.setKeyExchangeFactories(org.apache.sshd.common.NamedFactory.setUpTransformedFactories(false,
                List.of(org.apache.sshd.common.kex.BuiltinDHFactories.curve25519,
                        org.apache.sshd.common.kex.BuiltinDHFactories.curve25519_libssh,
                        org.apache.sshd.common.kex.BuiltinDHFactories.ecdhp256),
                org.apache.sshd.client.ClientBuilder.DH2KEX));
        // Public key only; the identity is added per session, never picked up from ~/.ssh, an agent or ~/.ssh/config.
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setPasswordIdentityProvider(null);
        client.setUserInteraction(null);
        client.setAgentFactory(null);
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        return client;
    }

    private static KeyPair loadIdentity(SshTarget target) {
        Path file = target.privateKey();
        try (InputStream in = Files.newInputStream(file)) {
            Iterable<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()),
                    in, null);
            Iterator<KeyPair> it = pairs == null ? null : pairs.iterator();
            if (it == null || !it.hasNext()) {
                throw new SshException("ssh key for " + target.address() + ": no private key found in " + file);
            }
            return it.next();
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            if (e instanceof SshException se) {
                throw se;
            }
            throw new SshException("ssh key for " + target.address() + ": cannot load private key " + file + ": "
                    + describe(e) + eddsaHint(), e);
        }
    }

    private static PublicKey loadPinnedHostKey(SshTarget target) {
        Path file = target.hostPublicKey();
        try {
            String line = Files.readAllLines(file).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .findFirst()
                    .orElseThrow(() -> new SshException("ssh hostkey for " + target.address()
                            + ": no public key in " + file));
            return PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, Map.of(),
                    PublicKeyEntryResolver.FAILING);
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            if (e instanceof SshException se) {
                throw se;
            }
            throw new SshException("ssh hostkey for " + target.address() + ": cannot load pinned host key " + file
                    + ": " + describe(e) + eddsaHint(), e);
        }
    }

    /** Mina SSHD cannot use the JDK's own Ed25519; it needs Bouncy Castle (or net.i2p eddsa) on the classpath. */
    private static String eddsaHint() {
        return SecurityUtils.isEDDSACurveSupported() ? ""
                : " (no ed25519 support on the classpath: Mina SSHD needs org.bouncycastle:bcprov-jdk18on)";
    }

    private static java.util.Optional<SshException> hostKeyFailure(SshTarget target, HostKeyPolicy v) {
        String why = v.rejection();
        if (why == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new HostKeyMismatchException("ssh hostkey on " + target.address() + ": " + why));
    }

    private static SshException fail(SshTarget target, String step, String detail, Throwable cause) {
        return new SshException("ssh " + step + " to " + target.address() + " failed: " + detail, cause);
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage();
        String s = e.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null && (msg == null || !msg.contains(cause.getMessage()))) {
            s += " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        }
        return s;
    }

    private static String lastError(SshException last) {
        return last == null ? "" : "; last error: " + last.getMessage();
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000L, deadlineNanos - System.nanoTime()));
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void requirePositive(Duration d) {
        Objects.requireNonNull(d, "timeout");
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive: " + d);
        }
    }

    /** Retrying cannot cure a wrong host key, so {@link #connectWhenReady} lets this one through at once. */
    static final class HostKeyMismatchException extends SshException {
        HostKeyMismatchException(String message) {
            super(message);
        }
    }

    /**
     * Judges the server's host key and, when it refused one, says why, naming the file that holds the
     * accepted keys: the connect error carries that sentence.
     */
    public interface HostKeyPolicy extends ServerKeyVerifier {
        /** Why the offered key was refused (one clause, no host), or null if none was. */
        String rejection();
    }

    /** Accepts only the pinned key, and remembers what was offered so the error can say so. */
    private static final class PinnedHostKeyVerifier implements HostKeyPolicy {
        final PublicKey pinned;
        final Path file;
        final AtomicReference<PublicKey> rejected = new AtomicReference<>();

        PinnedHostKeyVerifier(PublicKey pinned, Path file) {
            this.pinned = pinned;
            this.file = file;
        }

        @Override
        public boolean verifyServerKey(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
            if (KeyUtils.compareKeys(pinned, serverKey)) {
                return true;
            }
            rejected.set(serverKey);
            return false;
        }

        @Override
        public String rejection() {
            PublicKey offered = rejected.get();
            return offered == null ? null : "host key mismatch: server offered " + KeyUtils.getKeyType(offered) + " "
                    + KeyUtils.getFingerPrint(offered) + " but only " + KeyUtils.getKeyType(pinned) + " "
                    + KeyUtils.getFingerPrint(pinned) + " from " + file + " is accepted";
        }
    }
}
