package dev.kfit.prebuilt;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kfit.cache.Cache;
import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.image.GuestImage;
import dev.kfit.image.ImageBuilder;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.spec.KernelSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Build once, run anywhere: a directory with the guest image and a spec's kernels as one machine built
 * them ({@code kfit build SPEC --export DIR}), and {@code prebuilt.json} saying what they are and what
 * they were made from. {@code kfit run SPEC --prebuilt DIR} runs on them without building anything;
 * a kernel the cells need is taken only when its label is there and the spec's source, patches (names
 * and content) and config fragments are what it was made from, and the image only when this checkout's
 * recipe has its key. Anything else is refused (exit 2) with a message naming DIR.
 *
 * <pre>
 * DIR/prebuilt.json
 * DIR/image/rootfs.img, id_ed25519, host_ed25519.pub, manifest.txt
 * DIR/kernels/CACHEKEY/bzImage, config, build.log
 * </pre>
 */
public final class Prebuilt {
    public static final String MANIFEST = "prebuilt.json";
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** prebuilt.json. Paths are relative to its directory. */
    public record Manifest(int format, String spec, String builtOn, String builtAt, Image image, List<Kernel> kernels) {
        public Manifest {
            kernels = List.copyOf(kernels);
        }
    }

    /** The guest image: its cache key (the recipe's content) and its files. */
    public record Image(String cacheKey, String rootfs, String clientKey, String hostKey, String manifest) {
    }

    /** One built kernel: the {@link KernelBuild} record's fields, what it was made from, and where its files are. */
    public record Kernel(String label, String cacheKey, String kernelVersion, String source, List<String> patches,
                         String compiler, double buildSeconds, KernelInputs inputs, String bzImage, String config, String buildLog) {
        public Kernel {
            patches = List.copyOf(patches);
        }
    }

    /** What a run takes from a prebuilt directory: the image and, by label, the kernels its cells need. */
    public record Artefacts(Path dir, GuestImage image, Map<String, KernelBuild> kernels) {
        public Artefacts {
            kernels = Map.copyOf(kernels);
        }

        /** The kernel for {@code label}; every label the cells need was checked when these were taken. */
        public KernelBuild kernel(String label) {
            KernelBuild b = kernels.get(label);
            if (b == null) {
                throw new IllegalStateException("no prebuilt kernel '" + label + "' was taken from " + dir);
            }
            return b;
        }
    }

    /** A kernel the export holds, with the spec entry it was built for. */
    public record Built(KernelSpec spec, KernelBuild build) {
    }

    private Prebuilt() {
    }

    /**
     * Writes {@code dir}: the image's files, each kernel's bzImage, .config and build log, and prebuilt.json
     * last. An existing {@code dir} is replaced only when it is an earlier export (or empty).
     */
    public static Manifest export(Path dir, Path specFile, GuestImage image, List<Built> kernels, List<Path> builtinFragments) {
        dir = dir.toAbsolutePath().normalize();
        checkReplaceable(dir);
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-export");
        try {
            Cache.deleteTree(tmp);
            Files.createDirectories(tmp.resolve("image"));
            copySparse(image.rootfs(), tmp.resolve("image/rootfs.img"));
            Files.copy(image.clientKey(), tmp.resolve("image/id_ed25519"));
            Files.setPosixFilePermissions(tmp.resolve("image/id_ed25519"), PosixFilePermissions.fromString("rw-------"));
            Files.copy(image.hostKey(), tmp.resolve("image/host_ed25519.pub"));
            if (Files.isRegularFile(image.manifest())) {
                Files.copy(image.manifest(), tmp.resolve("image/manifest.txt"));
            }
            List<Kernel> entries = new ArrayList<>();
            for (Built k : kernels) {
                KernelBuild b = k.build();
                String sub = "kernels/" + b.cacheKey();
                Path kdir = tmp.resolve(sub);
                if (!Files.isDirectory(kdir)) {   // two labels may be one build
                    Files.createDirectories(kdir);
                    Files.copy(b.bzImage(), kdir.resolve("bzImage"));
                    Files.copy(b.config(), kdir.resolve("config"));
                    if (b.buildLog() != null && Files.isRegularFile(b.buildLog())) {
                        Files.copy(b.buildLog(), kdir.resolve("build.log"));
                    } else {
                        Files.writeString(kdir.resolve("build.log"), "");
                    }
                }
                entries.add(new Kernel(b.label(), b.cacheKey(), b.kernelVersion(), b.source(), b.patches(), b.compiler(),
                        b.buildSeconds(), KernelInputs.of(k.spec(), builtinFragments),
                        sub + "/bzImage", sub + "/config", sub + "/build.log"));
            }
            Manifest m = new Manifest(FORMAT, specFile.getFileName().toString(), hostName(), Instant.now().toString(),
                    new Image(image.cacheKey(), "image/rootfs.img", "image/id_ed25519", "image/host_ed25519.pub", "image/manifest.txt"),
                    entries);
            JSON.writeValue(tmp.resolve(MANIFEST).toFile(), m);
            Cache.deleteTree(dir);
            Files.move(tmp, dir);
            return m;
        } catch (IOException e) {
            throw new InfraException("cannot export the prebuilt artefacts to " + dir + ": " + e.getMessage(), e);
        } finally {
            try {
                Cache.deleteTree(tmp);
            } catch (IOException ignored) {
                // a leftover .tmp-export is replaced by the next export
            }
        }
    }

    /** Refuses (exit 2) an export into a directory that holds something other than an earlier export. */
    public static void checkReplaceable(Path dir) {
        dir = dir.toAbsolutePath().normalize();
        if (!Files.exists(dir) || Files.isRegularFile(dir.resolve(MANIFEST))) {
            return;
        }
        try (var s = Files.list(dir)) {
            if (!Files.isDirectory(dir) || s.findAny().isPresent()) {
                throw new BadInputException(dir + ": exists and is not a kfit prebuilt directory (no " + MANIFEST
                        + "); export into a new or empty directory");
            }
        } catch (IOException e) {
            throw new InfraException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code dir}/prebuilt.json; a missing or unreadable one is bad input naming the directory. */
    public static Manifest read(Path dir) {
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("--prebuilt " + dir + ": no " + MANIFEST + " (make it with kfit build SPEC --export " + dir + ")");
        }
        Manifest m;
        try {
            m = JSON.readValue(file.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new BadInputException("--prebuilt " + dir + ": " + MANIFEST + " is not a kfit prebuilt manifest: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (m.format() != FORMAT) {
            throw new BadInputException("--prebuilt " + dir + ": " + MANIFEST + " has format " + m.format() + ", this kfit reads " + FORMAT);
        }
        return m;
    }

    /**
     * Takes from {@code dir} the image and the kernels {@code needed} (the kernels the cells run on),
     * after checking each against this checkout: see the class comment. Refuses with one message naming
     * {@code dir} and the first mismatch.
     *
     * @param guestImages      this checkout's guest-images/ (the image recipe)
     * @param builtinFragments kfit's own config fragments
     */
    public static Artefacts take(Path dir, Collection<KernelSpec> needed, Path guestImages, List<Path> builtinFragments) {
        dir = dir.toAbsolutePath().normalize();
        Manifest m = read(dir);
        String where = "--prebuilt " + dir + ": ";
        String recipe = ImageBuilder.key(guestImages);
        if (m.image() == null || !recipe.equals(m.image().cacheKey())) {
            throw new BadInputException(where + "its guest image (key " + (m.image() == null ? "none" : m.image().cacheKey())
                    + ") is not the one this checkout's recipe makes (key " + recipe + "); export it again from this checkout");
        }
        GuestImage image = new GuestImage(m.image().cacheKey(), file(dir, m.image().rootfs()), file(dir, m.image().clientKey()),
                file(dir, m.image().hostKey()), dir.resolve(m.image().manifest()), dir.resolve("image/build.log"), true);
        Map<String, KernelBuild> kernels = new LinkedHashMap<>();
        for (KernelSpec k : needed) {
            Kernel e = m.kernels().stream().filter(x -> x.label().equals(k.label())).findFirst().orElseThrow(() ->
                    new BadInputException(where + "no kernel '" + k.label() + "' (it has: "
                            + String.join(", ", m.kernels().stream().map(Kernel::label).toList()) + "; exported from " + m.spec() + ")"));
            String diff = KernelInputs.of(k, builtinFragments).difference(e.inputs());
            if (diff != null) {
                throw new BadInputException(where + "kernel '" + k.label() + "' was built from " + diff
                        + "; export it again for this spec");
            }
            kernels.put(k.label(), new KernelBuild(k.label(), e.cacheKey(), e.kernelVersion(), e.source(), e.patches(),
                    e.compiler(), file(dir, e.bzImage()), file(dir, e.config()), dir.resolve(e.buildLog()), true, e.buildSeconds()));
        }
        return new Artefacts(dir, image, kernels);
    }

    private static Path file(Path dir, String relative) {
        Path p = dir.resolve(relative).normalize();
        if (!p.startsWith(dir) || !Files.isRegularFile(p)) {
            throw new BadInputException("--prebuilt " + dir + ": " + relative + " is missing (an incomplete copy?)");
        }
        return p;
    }

    /** Copies {@code from} leaving holes where it has zero blocks: a 1 GiB image with 200 MB in use stays 200 MB. */
    static void copySparse(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16);
            long pos = 0;
            long size = in.size();
            while (pos < size) {
                buf.clear();
                int n = in.read(buf, pos);
                if (n < 0) {
                    break;
                }
                buf.flip();
                if (!allZero(buf)) {
                    long at = pos;
                    while (buf.hasRemaining()) {
                        at += out.write(buf, at);
                    }
                }
                pos += n;
            }
            if (out.size() < size) {
                out.write(ByteBuffer.wrap(new byte[1]), size - 1);  // the file's full length; its last byte is zero
            }
        }
    }

    private static boolean allZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
