package dev.kfit.ssh;

import dev.kfit.error.InfraException;

/** Reaching or talking to a guest over SSH failed. */
public class SshException extends InfraException {
    public SshException(String message) {
        super(message);
    }

    public SshException(String message, Throwable cause) {
        super(message, cause);
    }
}
