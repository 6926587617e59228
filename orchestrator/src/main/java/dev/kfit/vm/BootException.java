package dev.kfit.vm;

import dev.kfit.error.InfraException;

import java.nio.file.Path;

/** A guest did not come up. Carries its console so the caller can tell a kernel crash from kfit's fault. */
public class BootException extends InfraException {
    private final Path console;

    public BootException(String message, Path console) {
        super(message);
        this.console = console;
    }

    public Path console() {
        return console;
    }
}
