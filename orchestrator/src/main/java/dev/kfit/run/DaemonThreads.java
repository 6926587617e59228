package dev.kfit.run;

import java.util.concurrent.ThreadFactory;

/** Named daemon threads for kfit's executors: a thread left waiting never keeps the JVM from exiting. */
final class DaemonThreads {
    private DaemonThreads() {
    }

    static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
