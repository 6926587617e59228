package dev.kfit.prebuilt;

import dev.kfit.error.BadInputException;
import dev.kfit.image.GuestImage;
import dev.kfit.image.ImageBuilder;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.spec.KernelSource;
import dev.kfit.spec.KernelSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** kfit build --export writes what kfit run --prebuilt takes, and a directory that does not fit the spec is refused. */
class PrebuiltTest {
    @TempDir
    Path tmp;
    Path guestImages;
    Path fragment;
    Path series;
    GuestImage image;

    @BeforeEach
    void checkout() throws IOException {
        guestImages = tmp.resolve("checkout/guest-images");
        Files.createDirectories(guestImages.resolve("rootfs"));
        Files.createDirectories(guestImages.resolve("tools"));
        Files.createDirectories(guestImages.resolve("kernel"));
        Files.writeString(guestImages.resolve("rootfs/build.sh"), "echo image\n");
        Files.writeString(guestImages.resolve("tools/kfit-guest.c"), "int main(void) { return 0; }\n");
        fragment = Files.writeString(guestImages.resolve("kernel/kfit.config"), "CONFIG_PCI_P2PDMA=y\n");
        series = Files.createDirectories(tmp.resolve("checkout/patches/series"));
        Files.writeString(series.resolve("0001-a.patch"), "a\n");
        Files.writeString(series.resolve("0002-b.patch"), "b\n");

        Path cached = Files.createDirectories(tmp.resolve("cache/images/K"));
        try (RandomAccessFile f = new RandomAccessFile(cached.resolve("rootfs.img").toFile(), "rw")) {
            f.setLength(8L << 20);   // 8 MiB, sparse but for one block in the middle
            f.seek(4L << 20);
            f.write("ext4".getBytes());
        }
        Files.writeString(cached.resolve("id_ed25519"), "private\n");
        Files.writeString(cached.resolve("host_ed25519.pub"), "ssh-ed25519 AAAA\n");
        Files.writeString(cached.resolve("manifest.txt"), "busybox-static 1\n");
        image = new GuestImage(ImageBuilder.key(guestImages), cached.resolve("rootfs.img"), cached.resolve("id_ed25519"),
                cached.resolve("host_ed25519.pub"), cached.resolve("manifest.txt"), cached.resolve("build.log"), true);
    }

    private KernelSpec plain() {
        return new KernelSpec("6.12", new KernelSource.DebianPackage("linux-source-6.12", null), List.of(), List.of());
    }

    private KernelSpec patched() {
        return new KernelSpec("6.12-series", new KernelSource.DebianPackage("linux-source-6.12", null), List.of(series), List.of());
    }

    private KernelBuild built(KernelSpec k, String key) throws IOException {
        Path e = Files.createDirectories(tmp.resolve("cache/kernels/" + key));
        Files.writeString(e.resolve("bzImage"), "kernel " + key);
        Files.writeString(e.resolve("config"), "CONFIG_X=y\n");
        Files.writeString(e.resolve("build.log"), "make bzImage\n");
        return new KernelBuild(k.label(), key, "6.12.117", "debian:linux-source-6.12=6.12.117-1~deb12u1",
                k.patchFiles().stream().map(p -> p.getFileName().toString()).toList(), "gcc (Debian 12.2.0-14) 12.2.0",
                e.resolve("bzImage"), e.resolve("config"), e.resolve("build.log"), false, 1048.5);
    }

    private Path export() throws IOException {
        Path dir = tmp.resolve("out/prebuilt");
        Prebuilt.export(dir, tmp.resolve("checkout/reproduce.yaml"), image,
                List.of(new Prebuilt.Built(plain(), built(plain(), "aaa")), new Prebuilt.Built(patched(), built(patched(), "bbb"))),
                List.of(fragment));
        return dir;
    }

    @Test
    void aRunTakesTheExportedKernelsAsCachedBuildsWithTheBuildersKeys() throws IOException {
        Path dir = export();
        assertThat(dir.resolve("prebuilt.json")).isRegularFile();
        assertThat(Files.readString(dir.resolve("prebuilt.json"))).contains("\"cache_key\" : \"bbb\"", "\"build_seconds\" : 1048.5",
                "\"patches\" : [ \"0001-a.patch\", \"0002-b.patch\" ]", "\"source\" : \"debian:linux-source-6.12\"");
        assertThat(Files.size(dir.resolve("image/rootfs.img"))).isEqualTo(8L << 20);
        assertThat(Files.readString(dir.resolve("image/id_ed25519"))).isEqualTo("private\n");

        Prebuilt.Artefacts a = Prebuilt.take(dir, List.of(plain(), patched()), guestImages, List.of(fragment));
        KernelBuild b = a.kernel("6.12-series");
        assertThat(b.cacheKey()).isEqualTo("bbb");
        assertThat(b.cached()).isTrue();
        assertThat(b.buildSeconds()).isEqualTo(1048.5);
        assertThat(b.compiler()).isEqualTo("gcc (Debian 12.2.0-14) 12.2.0");
        assertThat(b.patches()).containsExactly("0001-a.patch", "0002-b.patch");
        assertThat(b.bzImage()).isEqualTo(dir.resolve("kernels/bbb/bzImage")).hasContent("kernel bbb");
        assertThat(a.image().cacheKey()).isEqualTo(image.cacheKey());
        assertThat(a.image().rootfs()).isEqualTo(dir.resolve("image/rootfs.img"));
        try (RandomAccessFile f = new RandomAccessFile(a.image().rootfs().toFile(), "r")) {
            byte[] four = new byte[4];
            f.seek(4L << 20);
            f.readFully(four);
            assertThat(new String(four)).isEqualTo("ext4");
        }
    }

    @Test
    void onlyTheKernelsTheCellsNeedMustBeThere() throws IOException {
        Path dir = export();
        Prebuilt.Artefacts a = Prebuilt.take(dir, List.of(plain()), guestImages, List.of(fragment));
        assertThat(a.kernels()).containsOnlyKeys("6.12");
    }

    @Test
    void aKernelTheDirectoryLacksIsRefusedNamingTheDirectory() throws IOException {
        Path dir = export();
        KernelSpec other = new KernelSpec("7.2", new KernelSource.DebianPackage("linux-source-7.2", null), List.of(), List.of());
        assertThatThrownBy(() -> Prebuilt.take(dir, List.of(plain(), other), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class)
                .hasMessage("--prebuilt " + dir + ": no kernel '7.2' (it has: 6.12, 6.12-series; exported from reproduce.yaml)");
    }

    @Test
    void aLabelWhosePatchesDifferIsRefused() throws IOException {
        Path dir = export();
        Files.delete(series.resolve("0002-b.patch"));
        Files.writeString(series.resolve("0002-c.patch"), "b\n");
        assertThatThrownBy(() -> Prebuilt.take(dir, List.of(patched()), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("--prebuilt " + dir + ": kernel '6.12-series' was built from patches [0001-a.patch, 0002-b.patch]"
                        + " where the spec has [0001-a.patch, 0002-c.patch]");
    }

    @Test
    void aPatchWithOtherContentUnderTheSameNameIsRefused() throws IOException {
        Path dir = export();
        Files.writeString(series.resolve("0002-b.patch"), "b, revised\n");
        assertThatThrownBy(() -> Prebuilt.take(dir, List.of(patched()), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(dir + ": kernel '6.12-series' was built from patch 0002-b.patch with other content");
    }

    @Test
    void anotherSourceOrPinnedVersionIsRefused() throws IOException {
        Path dir = export();
        KernelSpec pinned = new KernelSpec("6.12", new KernelSource.DebianPackage("linux-source-6.12", "6.12.200-1"), List.of(), List.of());
        assertThatThrownBy(() -> Prebuilt.take(dir, List.of(pinned), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("kernel '6.12' was built from source debian:linux-source-6.12 where the spec has debian:linux-source-6.12=6.12.200-1");
    }

    @Test
    void anotherConfigFragmentOrImageRecipeIsRefused() throws IOException {
        Path dir = export();
        Files.writeString(fragment, "CONFIG_PCI_P2PDMA=y\nCONFIG_KASAN=y\n");
        assertThatThrownBy(() -> Prebuilt.take(dir, List.of(plain()), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("other config fragments");
        Files.writeString(guestImages.resolve("rootfs/build.sh"), "echo another image\n");
        assertThatThrownBy(() -> Prebuilt.take(dir, List.of(plain()), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("--prebuilt " + dir + ": its guest image (key " + image.cacheKey() + ") is not the one this checkout's recipe makes");
    }

    @Test
    void aDirectoryWithoutManifestOrWithAMissingFileIsRefused() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> Prebuilt.take(empty, List.of(plain()), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class)
                .hasMessage("--prebuilt " + empty + ": no prebuilt.json (make it with kfit build SPEC --export " + empty + ")");
        Path dir = export();
        Files.delete(dir.resolve("kernels/aaa/bzImage"));
        assertThatThrownBy(() -> Prebuilt.take(dir, List.of(plain()), guestImages, List.of(fragment)))
                .isInstanceOf(BadInputException.class)
                .hasMessage("--prebuilt " + dir + ": kernels/aaa/bzImage is missing (an incomplete copy?)");
    }

    @Test
    void anExportReplacesAnEarlierExportButNoOtherDirectory() throws IOException {
        Path dir = export();
        export();   // again: replaced
        assertThat(dir.resolve("prebuilt.json")).isRegularFile();
        Path other = Files.createDirectories(tmp.resolve("precious"));
        Files.writeString(other.resolve("notes.txt"), "keep me");
        assertThatThrownBy(() -> Prebuilt.export(other, tmp.resolve("spec.yaml"), image, List.of(), List.of(fragment)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("is not a kfit prebuilt directory");
        assertThat(other.resolve("notes.txt")).hasContent("keep me");
    }
}
