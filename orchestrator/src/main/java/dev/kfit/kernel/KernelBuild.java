package dev.kfit.kernel;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.kfit.error.InfraException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A built kernel and how it was made. Written to the cache entry's build.json when the build ends
 * and read back on every cache hit, so what describes the build (its start time above all) stays
 * the build's, not the run's that found it in the cache.
 *
 * <p>build.json keeps the fields it always had: the cache (~/.cache/kfit) is shared by every
 * checkout on the machine, and an older kfit reads build.json strictly, so a field it does not
 * know would make it rebuild the kernel. The start time is written beside it instead (see
 * {@link KernelBuilder}), and the patchset is taken from the patch files, whose contents the cache
 * key holds.
 *
 * @param label         the spec's label
 * @param cacheKey      content key: source version, patch contents, fragments, compiler
 * @param kernelVersion what {@code make kernelversion} said, e.g. 6.12.117
 * @param source        the origin and its exact version, e.g. debian:linux-source-6.12=6.12.117-1~deb12u1
 * @param patches       patch file names, in the order applied
 * @param compiler      first line of {@code gcc --version}
 * @param cached        true when this run found it in the cache and did not run make
 * @param buildSeconds  how long the build took when it was made
 * @param builtAt       when the build started (ISO-8601 instant), or null when not known (a prebuilt kernel)
 * @param patchset      the applied patches with their content hashes, in the order applied; null when not known
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
        double buildSeconds,
        @JsonIgnore String builtAt,
        @JsonIgnore List<AppliedPatch> patchset) {

    public KernelBuild {
        patches = List.copyOf(patches);
        patchset = patchset == null ? null : List.copyOf(patchset);
    }

    /** A build whose start time and patch contents are not known (a prebuilt kernel, an old cache entry). */
    public KernelBuild(String label, String cacheKey, String kernelVersion, String source, List<String> patches,
                       String compiler, Path bzImage, Path config, Path buildLog, boolean cached, double buildSeconds) {
        this(label, cacheKey, kernelVersion, source, patches, compiler, bzImage, config, buildLog, cached, buildSeconds,
                null, null);
    }

    public KernelBuild asCached() {
        return new KernelBuild(label, cacheKey, kernelVersion, source, patches, compiler, bzImage, config, buildLog, true,
                buildSeconds, builtAt, patchset);
    }

    /**
     * The patchset hash as KernelCI's KCIDB defines it: SHA-256 over each patch's SHA-256 (lower-case
     * hex, newline-terminated), in the order applied; the empty string when no patch was applied;
     * null when the patch contents are not known.
     */
    public String patchsetHash() {
        return patchset == null ? null : AppliedPatch.patchsetHash(patchset.stream().map(AppliedPatch::sha256).toList());
    }

    /**
     * One applied patch.
     *
     * @param name   its file name
     * @param path   the absolute path it was read from
     * @param sha256 SHA-256 of its contents, lower-case hex
     */
    public record AppliedPatch(String name, String path, String sha256) {
        /** The patch file as it is now: the cache key holds its contents, so a cache hit was built from these. */
        public static AppliedPatch of(Path file) {
            try {
                return new AppliedPatch(file.getFileName().toString(), file.toAbsolutePath().normalize().toString(),
                        sha256(Files.readAllBytes(file)));
            } catch (IOException e) {
                throw new InfraException("cannot read patch " + file + ": " + e.getMessage(), e);
            }
        }

        /** KCIDB's patchset hash of patches with these SHA-256s, in order (see {@link KernelBuild#patchsetHash()}). */
        public static String patchsetHash(List<String> sha256s) {
            if (sha256s.isEmpty()) {
                return "";
            }
            StringBuilder lines = new StringBuilder();
            sha256s.forEach(h -> lines.append(h).append('\n'));
            return sha256(lines.toString().getBytes(StandardCharsets.US_ASCII));
        }

        static String sha256(byte[] bytes) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("no SHA-256 in this JVM", e);
            }
        }
    }
}
