package dev.kfit.vm;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A booting guest printed nothing on its console for the no-output limit. Silence alone says nothing
 * about whose fault it is (a wedged or starved QEMU, a lost console stream, a kernel stuck with
 * interrupts off all look alike), so it stays kfit's INFRA_ERROR, named as such; a report on the
 * console before the silence still decides the verdict.
 */
public final class NoConsoleOutputException extends BootException {
    /** The prefix of the message, and of the cell's error in results.json. */
    public static final String NAME = "NO_OUTPUT";
    private final String guest;
    private final Duration quiet;

    public NoConsoleOutputException(String guest, Duration quiet, Duration limit, Path console) {
        super(NAME + ": guest " + guest + " printed nothing on its console for " + quiet.toSeconds()
                + " s while booting (no-output limit " + limit.toSeconds() + " s)", console);
        this.guest = guest;
        this.quiet = quiet;
    }

    public String guest() {
        return guest;
    }

    public Duration quiet() {
        return quiet;
    }
}
