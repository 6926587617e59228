package dev.kfit.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;

/**
 * An Apache Mina {@link SshServer} on 127.0.0.1 with public-key auth only (password and
 * keyboard-interactive off), and ed25519 keys for it: kfit's SSH warm-up ({@link SshWarmUp}) and the
 * tests' fake guests and hosts. A subclass sets the public-key authenticator and the command factory
 * on {@link #server}, then starts it.
 */
public abstract class InProcessSshd implements AutoCloseable {
    protected final SshServer server;

    /** @param port 0 for any free port */
    protected InProcessSshd(int port, KeyPairProvider hostKeys) {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(port);
        server.setKeyPairProvider(hostKeys);
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    public static KeyPair newEd25519() throws Exception {
        return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    }

    /** The private key in OpenSSH's format, unencrypted, as ssh -i takes it. */
    public static Path writePrivateKey(KeyPair kp, Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, "kfit", (OpenSSHKeyEncryptionContext) null,
                    out);
        }
        return file;
    }

    /** The public key as one OpenSSH line, as {@link SshTarget#hostPublicKey} takes it. */
    public static Path writePublicKey(PublicKey key, Path file) throws IOException {
        Files.writeString(file, PublicKeyEntry.toString(key) + " kfit\n");
        return file;
    }
}
