package dev.kfit.store;

import dev.kfit.error.InfraException;

/** The results store could not be opened, read or written: kfit's machinery, exit status 3. */
public class StoreException extends InfraException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
