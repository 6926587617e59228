package dev.kfit.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A JVM's first SSH login costs about 0.75 s more than its later ones (Mina's classes, the JCE
 * providers, code not yet compiled): measured against a booted guest, 0.98 s for the first login
 * and 0.23 s for each later one. Under TCG a guest takes longer than that to boot, so kfit makes
 * its first login in the background before any guest is up: {@link SshSession#connect} and one
 * command, to an in-process server on 127.0.0.1 with throwaway ed25519 keys. It only saves time:
 * whatever goes wrong is ignored, and the guests' logins work the same without it.
 */
public final class SshWarmUp {
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final Duration LIMIT = Duration.ofSeconds(20);

    private SshWarmUp() {
    }

    /** Starts the warm-up once per JVM on a daemon thread; returns at once. */
    public static void startInBackground() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                run();
            } catch (Exception | LinkageError e) {
                // an optimisation only: the first guest login pays the cost instead
            }
        }, "kfit-ssh-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** One login and one command against a loopback server; bounded by {@link #LIMIT} per step. */
    static void run() throws Exception {
        KeyPair hostKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        KeyPair clientKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        Path dir = Files.createTempDirectory("kfit-ssh-warm-up");
        SshServer server = SshServer.setUpDefaultServer();
        try {
            Path identity = dir.resolve("id_ed25519");
            try (OutputStream out = Files.newOutputStream(identity)) {
                OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(clientKey, "kfit-warm-up",
                        (OpenSSHKeyEncryptionContext) null, out);
            }
            Path hostPub = dir.resolve("host_ed25519.pub");
            Files.writeString(hostPub, PublicKeyEntry.toString(hostKey.getPublic()) + "\n", StandardCharsets.US_ASCII);
            server.setHost("127.0.0.1");
            server.setPort(0);
            server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
            server.setPasswordAuthenticator(null);
            server.setKeyboardInteractiveAuthenticator(null);
            server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, clientKey.getPublic()));
            server.setCommandFactory((channel, line) -> new ExitZero());
            server.start();
            SshTarget target = new SshTarget("127.0.0.1", server.getPort(), "kfit", identity, hostPub);
            try (SshSession s = SshSession.connect(target, LIMIT)) {
                s.exec(List.of("true"), LIMIT);
            }
        } finally {
            server.stop(true);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The server's side of {@code true}. */
    private static final class ExitZero implements Command {
        private ExitCallback exit;

        @Override
        public void setExitCallback(ExitCallback callback) {
            exit = callback;
        }

        @Override
        public void setInputStream(java.io.InputStream in) {
        }

        @Override
        public void setOutputStream(OutputStream out) {
        }

        @Override
        public void setErrorStream(OutputStream err) {
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            exit.onExit(0);
        }

        @Override
        public void destroy(ChannelSession channel) {
        }
    }
}
