package dev.kfit.topology;

/**
 * PLACEHOLDER (being written on branch link-relay): the user-space link emulator between two guests'
 * socket NICs, through which partition and netem act. See the branch for the real class.
 */
public final class LinkRelay implements AutoCloseable {
    private LinkRelay() {
    }

    @Override
    public void close() {
    }
}
