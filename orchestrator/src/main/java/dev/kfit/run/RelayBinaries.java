package dev.kfit.run;

import dev.kfit.cache.Cache;
import dev.kfit.error.InfraException;
import dev.kfit.host.Host;

import java.nio.file.Path;

/** The link relay, built once on this machine when a cell first needs it, and staged on each host by key. */
final class RelayBinaries {
    private final Host buildHost;
    private final Cache cache;
    private final Path root;

    RelayBinaries(Host buildHost, Cache cache, Path root) {
        this.buildHost = buildHost;
        this.cache = cache;
        this.root = root;
    }

    synchronized Path on(Host host) {
        throw new InfraException("link relay not merged yet");
    }
}
