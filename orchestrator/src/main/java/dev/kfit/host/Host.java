package dev.kfit.host;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where kfit's processes run: the only place that starts them. The machine kfit runs on
 * ({@link LocalHost}) or one reached over SSH ({@link SshHost}). Guests are started through a Host
 * so that their ports and files stay on it; everything it starts dies with kfit.
 *
 * <p>Paths given to {@link #run}, {@link #start}, {@link #privateDir} and returned by {@link #stage}
 * are paths on the host; a {@link Command#logFile()} is always on the controller (kfit's machine).
 */
public interface Host extends AutoCloseable {
    String name();

    /** Runs to completion or until the command's timeout, then kills it and its children. */
    CommandResult run(Command command);

    /** Starts a long-lived process (a guest); it dies with kfit, also on Ctrl-C, SIGKILL or a lost connection. */
    HostProcess start(Command command);

    /**
     * A new private (0700) directory for sockets and other short-lived files; removed by {@link #close},
     * which also runs on Ctrl-C.
     */
    Path privateDir();

    /** True for the machine kfit runs on: its files and ports need no staging or forwarding. */
    default boolean isLocal() {
        return false;
    }

    /**
     * The address on which guests of other hosts reach this host's link endpoints: 127.0.0.1 for the
     * local host, the address on the hosts' own network for a remote one. Never 0.0.0.0.
     */
    String linkAddress();

    /** A controller-side port on 127.0.0.1 that reaches 127.0.0.1:{@code port} on this host; the same port locally. */
    int forward(int port);

    /** A TCP port free on this host at {@code address}; never handed out twice by this kfit process. */
    int freePort(String address);

    /** Waits, at most {@code timeout}, until a socket listens on {@code address:port} on this host. */
    void awaitListening(String address, int port, Duration timeout);

    /**
     * A controller-side file made present on this host under its content key: shipped the first time,
     * found there afterwards. Returns its path on this host (the file itself, locally).
     */
    Path stage(Path localFile, String key);

    /**
     * Copies a file of this host to {@code localFile} on the controller, from its first byte and as it
     * grows, until the returned handle is closed (closing waits, bounded, for what was written so far).
     */
    AutoCloseable follow(Path fileOnHost, Path localFile);

    /** What this host offers to guests: cores and available memory. */
    Resources resources();

    /** Kills every guest this host started at once, as a power loss would (the host-crash fault). */
    void crash();

    /** Whether the host still answers; a host that does not is given no more cells. */
    default boolean healthy() {
        return true;
    }

    /** Stops every process this host started and that is still running, and removes its private dirs. */
    @Override
    void close();

    /** @param cores host cores for guest vCPUs; @param memoryMb memory available to guests, before kfit's reserve */
    record Resources(int cores, long memoryMb) {
    }
}
