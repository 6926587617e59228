package dev.kfit.prebuilt;

import dev.kfit.cache.Cache;
import dev.kfit.spec.KernelSource;
import dev.kfit.spec.KernelSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a spec says goes into one kernel, in a form two machines can compare without the kernel
 * source or a compiler: the source as the spec names it, the patch files (names in the order applied,
 * and their content) and the config fragments (kfit's own, then the spec's; by content).
 *
 * @param source          {@code debian:linux-source-X.Y[=VERSION]}, {@code tar:SHA256} or {@code dir:PATH}
 * @param patches         patch file names, in the order applied
 * @param patchSha256     each patch file's content hash, same order
 * @param fragmentSha256  each config fragment's content hash, in the order merged
 */
public record KernelInputs(String source, List<String> patches, List<String> patchSha256, List<String> fragmentSha256) {
    public KernelInputs {
        patches = List.copyOf(patches);
        patchSha256 = List.copyOf(patchSha256);
        fragmentSha256 = List.copyOf(fragmentSha256);
    }

    /** The inputs of {@code kernel} on this machine; {@code builtinFragments} are kfit's own (guest-images/kernel/kfit.config). */
    public static KernelInputs of(KernelSpec kernel, List<Path> builtinFragments) {
        List<Path> patchFiles = kernel.patchFiles();
        List<Path> fragments = new ArrayList<>(builtinFragments);
        fragments.addAll(kernel.fragments());
        return new KernelInputs(source(kernel.source()),
                patchFiles.stream().map(p -> p.getFileName().toString()).toList(),
                patchFiles.stream().map(Cache::sha256).toList(),
                fragments.stream().map(Cache::sha256).toList());
    }

    static String source(KernelSource s) {
        if (s instanceof KernelSource.DebianPackage d) {
            return "debian:" + d.packageName() + (d.version() == null ? "" : "=" + d.version());
        }
        if (s instanceof KernelSource.Tarball t) {
            return "tar:" + Cache.sha256(t.file());
        }
        if (s instanceof KernelSource.LocalTree t) {
            return "dir:" + t.dir();
        }
        if (s instanceof KernelSource.GitTree g) {
            return "git:" + g.repo() + "@" + g.ref();
        }
        throw new IllegalArgumentException("unknown kernel source " + s);
    }

    /** The first way {@code other} (what a prebuilt kernel was made from) differs from these, or null when it does not. */
    String difference(KernelInputs other) {
        if (!source.equals(other.source)) {
            return "source " + other.source + " where the spec has " + source;
        }
        if (!patches.equals(other.patches)) {
            return "patches " + other.patches + " where the spec has " + patches;
        }
        for (int i = 0; i < patches.size(); i++) {
            if (!patchSha256.get(i).equals(other.patchSha256.get(i))) {
                return "patch " + patches.get(i) + " with other content (sha256 " + other.patchSha256.get(i)
                        + ", here " + patchSha256.get(i) + ")";
            }
        }
        if (!fragmentSha256.equals(other.fragmentSha256)) {
            return "other config fragments (" + other.fragmentSha256 + ", here " + fragmentSha256 + ")";
        }
        return null;
    }
}
