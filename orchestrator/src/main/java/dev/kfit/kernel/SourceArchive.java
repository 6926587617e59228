package dev.kfit.kernel;

import java.nio.file.Path;

/**
 * A kernel source made concrete: a tarball or a tree, plus what identifies its content.
 *
 * @param origin   what the user asked for, e.g. {@code debian:linux-source-6.12}
 * @param version  the exact version of that origin, e.g. {@code 6.12.117-1~deb12u1}
 * @param tarball  a source tarball (null for a local tree)
 * @param tree     a local source tree (null for a tarball)
 * @param identity what goes into the build's cache key
 */
public record SourceArchive(String origin, String version, Path tarball, Path tree, String identity) {
}
