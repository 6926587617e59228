package dev.kfit.host;

/**
 * Where kfit's processes run: the only place that starts them. The local machine now; a worker
 * reached over SSH later. Guests are started through a Host so that ports and files stay on it.
 */
public interface Host extends AutoCloseable {
    String name();

    /** Runs to completion or until the command's timeout, then kills it and its children. */
    CommandResult run(Command command);

    /** Starts a long-lived process (a guest); it dies with kfit, also on Ctrl-C. */
    HostProcess start(Command command);

    /**
     * A new private (0700) directory for sockets and other short-lived files; removed by {@link #close},
     * which also runs on Ctrl-C.
     */
    java.nio.file.Path privateDir();

    /** Stops every process this host started and that is still running, and removes its private dirs. */
    @Override
    void close();
}
