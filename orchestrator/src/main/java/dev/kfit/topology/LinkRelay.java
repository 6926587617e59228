package dev.kfit.topology;

import dev.kfit.host.Host;

import java.nio.file.Path;

/**
 * PLACEHOLDER (being written on branch link-relay): the user-space link emulator between two guests'
 * socket NICs, through which partition and netem act. See the branch for the real class.
 */
public final class LinkRelay implements AutoCloseable {
    private LinkRelay() {
    }

    public static LinkRelay start(Host host, Path binaryOnHost, String addressA, String addressB, Path log, String name) {
        throw new UnsupportedOperationException("link relay not merged yet");
    }

    public int portA() {
        return 0;
    }

    public int portB() {
        return 0;
    }

    @Override
    public void close() {
    }
}
