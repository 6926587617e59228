package dev.kfit.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.kfit.cache.Cache;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
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
        KeyPair hostKey = InProcessSshd.newEd25519();
        KeyPair clientKey = InProcessSshd.newEd25519();
        Path dir = Files.createTempDirectory("kfit-ssh-warm-up");
        // A daemon thread dies with the JVM without its finally: a short run would leave the keys behind.
        // deleteOnExit deletes in reverse order of registration, so the files go before their directory.
        dir.toFile().deleteOnExit();
        dir.resolve("id_ed25519").toFile().deleteOnExit();
        dir.resolve("host_ed25519.pub").toFile().deleteOnExit();
        try (LoopbackSshd server = new LoopbackSshd(hostKey, clientKey.getPublic())) {
            SshTarget target = new SshTarget("127.0.0.1", server.port(), "kfit",
                    InProcessSshd.writePrivateKey(clientKey, dir.resolve("id_ed25519")),
                    InProcessSshd.writePublicKey(hostKey.getPublic(), dir.resolve("host_ed25519.pub")));
            try (SshSession s = SshSession.connect(target, LIMIT)) {
                s.exec(List.of("true"), LIMIT);
            }
        } finally {
            Cache.deleteTree(dir);
        }
    }

    /** Accepts the one client key; every command exits 0 at once. */
    private static final class LoopbackSshd extends InProcessSshd {
        LoopbackSshd(KeyPair hostKey, PublicKey clientKey) throws IOException {
            super(0, KeyPairProvider.wrap(hostKey));
            server.setPublickeyAuthenticator((user, key, session) -> KeyUtils.compareKeys(key, clientKey));
            server.setCommandFactory((channel, line) -> new ExitZero());
            server.start();
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
