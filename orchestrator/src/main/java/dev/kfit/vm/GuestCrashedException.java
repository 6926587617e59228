package dev.kfit.vm;

import dev.kfit.monitor.CrashWatch;

import java.nio.file.Path;

/**
 * A wait for a guest (its boot, its SSH) was ended early because a kernel crashed: the console shows a
 * panic, an oops or a BUG. An {@link BootException} so that every caller that handles a failed boot
 * handles this one, but not kfit's fault: the cell's judge finds the crash on the kept console and
 * says CRASH.
 */
public final class GuestCrashedException extends BootException {
    private final transient CrashWatch.Crash crash;
    private final String phase;

    /** @param phase what was being waited for: {@code boot} or {@code ssh} */
    public GuestCrashedException(CrashWatch.Crash crash, String phase, Path console) {
        super("guest " + crash.guest() + ": the kernel crashed while kfit waited for its " + phase + " ("
                + crash.describe() + "); stopped waiting", console);
        this.crash = crash;
        this.phase = phase;
    }

    public CrashWatch.Crash crash() {
        return crash;
    }

    public String phase() {
        return phase;
    }
}
