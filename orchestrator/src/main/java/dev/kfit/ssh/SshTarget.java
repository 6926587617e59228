package dev.kfit.ssh;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and as whom to log in.
 *
 * @param privateKey    OpenSSH-format unencrypted private key file (as written by {@code ssh-keygen -N ''})
 * @param hostPublicKey one-line OpenSSH public key file: the only host key accepted
 */
public record SshTarget(String host, int port, String user, Path privateKey, Path hostPublicKey) {
    public SshTarget {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("ssh host must not be blank");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("ssh user must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("ssh port out of range 1..65535: " + port);
        }
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(hostPublicKey, "hostPublicKey");
    }

    /** {@code user@host:port}, the form every error message uses. */
    public String address() {
        return user + "@" + host + ":" + port;
    }

    @Override
    public String toString() {
        return address();
    }
}
