package dev.kfit.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecKernelSourceTest {
    @TempDir
    Path base;

    @BeforeEach
    void fixtures() throws IOException {
        Files.createDirectories(base.resolve("linux"));
        Files.writeString(base.resolve("linux/Makefile"), "VERSION = 6\n");
        Files.createDirectories(base.resolve("empty-tree"));
        Files.createDirectories(base.resolve("repo/.git"));
        for (String tarball : new String[] {"linux-6.12.tar", "linux-6.12.tar.gz", "linux-6.12.tar.xz",
                "linux-6.12.tgz", "linux-6.12.zip"}) {
            Files.writeString(base.resolve(tarball), "");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "debian:linux-source-6.12                      | linux-source-6.12 | ",
            "debian:linux-source-6.1=6.1.119-1             | linux-source-6.1  | 6.1.119-1",
            "debian:linux-source-6.12=6.12.117-1~deb12u1   | linux-source-6.12 | 6.12.117-1~deb12u1",
    })
    void debianPackages(String text, String pkg, String version) {
        KernelSource s = KernelSource.parse(text, base);
        assertThat(s).isEqualTo(new KernelSource.DebianPackage(pkg, version));
        assertThat(((KernelSource.DebianPackage) s).series()).isEqualTo(pkg.substring("linux-source-".length()));
    }

    @Test
    void pathsAreResolvedAgainstTheSpecDirectory() {
        assertThat(KernelSource.parse("dir:linux", base)).isEqualTo(new KernelSource.LocalTree(base.resolve("linux")));
        assertThat(KernelSource.parse("dir:" + base.resolve("linux"), Path.of("/nonexistent")))
                .isEqualTo(new KernelSource.LocalTree(base.resolve("linux")));
        assertThat(KernelSource.parse("dir:./x/../linux/", base))
                .isEqualTo(new KernelSource.LocalTree(base.resolve("linux")));
        for (String name : new String[] {"linux-6.12.tar", "linux-6.12.tar.gz", "linux-6.12.tar.xz", "linux-6.12.tgz"}) {
            assertThat(KernelSource.parse("tar:" + name, base)).isEqualTo(new KernelSource.Tarball(base.resolve(name)));
        }
    }

    @Test
    void gitRepositoriesWithARef() {
        assertThat(KernelSource.parse("git:repo", base)).isEqualTo(new KernelSource.GitTree(base.resolve("repo"), "HEAD"));
        assertThat(KernelSource.parse("git:repo@v6.12", base)).isEqualTo(new KernelSource.GitTree(base.resolve("repo"), "v6.12"));
        assertThat(KernelSource.parse("git:" + base.resolve("repo") + "@0123abcd", Path.of("/nonexistent")))
                .isEqualTo(new KernelSource.GitTree(base.resolve("repo"), "0123abcd"));
        assertThat(KernelSource.parse("git:repo@origin/master~3", base).describe())
                .isEqualTo("git repository " + base.resolve("repo") + " at origin/master~3");
        assertThat(KernelSource.GitTree.text(Path.of("/src/linux"), "abc")).isEqualTo("git:/src/linux@abc");
    }

    /** {@code BASE} in the expected message stands for the temp directory. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "linux-6.12                      | unknown kernel source 'linux-6.12' (expected debian:linux-source-X.Y, dir:PATH, tar:PATH or git:PATH[@REF])",
            "git:https://x/linux.git         | git source must be a local repository (git:PATH[@REF]), not a URL: 'git:https://x/linux.git'",
            "git:missing@v6.12               | git repository not found: BASE/missing",
            "git:linux@v6.12                 | not a git repository (no .git): BASE/linux",
            "git:repo@--upload-pack=x        | malformed git ref '--upload-pack=x' in 'git:repo@--upload-pack=x'",
            "git:repo@                       | malformed git ref '' in 'git:repo@'",
            "git:repo@a b                    | malformed git ref 'a b' in 'git:repo@a b'",
            "Debian:linux-source-6.12        | unknown kernel source 'Debian:linux-source-6.12' (expected debian:linux-source-X.Y, dir:PATH, tar:PATH or git:PATH[@REF])",
            "debian:linux-image-6.12         | Debian kernel source package must be linux-source-X.Y, got 'linux-image-6.12'",
            "debian:linux-source-6           | Debian kernel source package must be linux-source-X.Y, got 'linux-source-6'",
            "debian:                         | Debian kernel source package must be linux-source-X.Y, got ''",
            "debian:linux-source-6.12=       | malformed Debian version '' in 'debian:linux-source-6.12='",
            "debian:linux-source-6.12=latest | malformed Debian version 'latest' in 'debian:linux-source-6.12=latest'",
            "dir:                            | empty path",
            "dir:missing                     | kernel source directory not found: BASE/missing",
            "dir:linux/Makefile              | kernel source directory not found: BASE/linux/Makefile",
            "dir:empty-tree                  | not a kernel source tree (no Makefile): BASE/empty-tree",
            "tar:linux-6.12.zip              | kernel tarball name must end in .tar, .tar.gz, .tar.xz or .tgz: BASE/linux-6.12.zip",
            "tar:missing.tar.xz              | kernel tarball not found: BASE/missing.tar.xz",
            "tar:                            | empty path",
    })
    void rejects(String text, String problem) {
        assertThatThrownBy(() -> KernelSource.parse(text, base))
                .isInstanceOf(SpecProblem.class)
                .hasMessage(problem.replace("BASE", base.toString()));
    }

    @Test
    void describesItself() {
        assertThat(new KernelSource.DebianPackage("linux-source-6.12", null).describe())
                .isEqualTo("Debian package linux-source-6.12 (newest)");
        assertThat(new KernelSource.DebianPackage("linux-source-6.12", "6.12.117-1").describe())
                .isEqualTo("Debian package linux-source-6.12 version 6.12.117-1");
        assertThat(new KernelSource.LocalTree(Path.of("/src/linux")).describe()).isEqualTo("local tree /src/linux");
        assertThat(new KernelSource.Tarball(Path.of("/t/linux.tar")).describe()).isEqualTo("tarball /t/linux.tar");
    }
}
