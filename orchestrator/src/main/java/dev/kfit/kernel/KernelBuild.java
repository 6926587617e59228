package dev.kfit.kernel;

import java.nio.file.Path;
import java.util.List;

/**
 * A built kernel and how it was made.
 *
 * @param label         the spec's label
 * @param cacheKey      content key: source version, patch contents, fragments, compiler
 * @param kernelVersion what {@code make kernelversion} said, e.g. 6.12.117
 * @param source        the origin and its exact version, e.g. debian:linux-source-6.12=6.12.117-1~deb12u1
 * @param patches       patch file names, in the order applied
 * @param compiler      first line of {@code gcc --version}
 * @param cached        true when this run found it in the cache and did not run make
 * @param buildSeconds  how long the build took when it was made
 */
public record KernelBuild(
        String label,
        String cacheKey,
        String kernelVersion,
        String source,
        List<String> patches,
        String compiler,
        Path bzImage,
        Path config,
        Path buildLog,
        boolean cached,
        double buildSeconds) {

    public KernelBuild {
        patches = List.copyOf(patches);
    }

    public KernelBuild asCached() {
        return new KernelBuild(label, cacheKey, kernelVersion, source, patches, compiler, bzImage, config, buildLog, true, buildSeconds);
    }
}
