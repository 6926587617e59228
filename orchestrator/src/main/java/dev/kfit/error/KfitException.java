package dev.kfit.error;

/** Base of kfit's own errors; each subtype maps to one exit status in {@code cli.ExitCodes}. */
public abstract class KfitException extends RuntimeException {
    protected KfitException(String message) {
        super(message);
    }

    protected KfitException(String message, Throwable cause) {
        super(message, cause);
    }
}
