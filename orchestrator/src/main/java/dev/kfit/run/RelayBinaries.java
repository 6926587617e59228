package dev.kfit.run;

import dev.kfit.cache.Cache;
import dev.kfit.host.Host;

import java.nio.file.Path;

/** The link relay, built once on this machine when a cell first needs it, and staged on each host by key. */
final class RelayBinaries {
    private final Cache cache;
    private final Path root;

    RelayBinaries(Cache cache, Path root) {
        this.cache = cache;
        this.root = root;
    }

    private dev.kfit.topology.LinkRelayBinary built;

    synchronized Path on(Host host) {
        if (built == null) {
            built = dev.kfit.topology.LinkRelayBinary.build(cache, root);
        }
        return host.stage(built.path(), built.key());
    }
}
