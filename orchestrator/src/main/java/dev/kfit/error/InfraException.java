package dev.kfit.error;

/**
 * kfit's own machinery failed (QEMU, SSH, a build tool, the disk): exit status 3.
 * Never a finding about the kernel under test.
 */
public class InfraException extends KfitException {
    public InfraException(String message) {
        super(message);
    }

    public InfraException(String message, Throwable cause) {
        super(message, cause);
    }
}
