package dev.kfit.image;

import dev.kfit.cache.Cache;
import dev.kfit.error.InfraException;
import dev.kfit.host.Command;
import dev.kfit.host.CommandFailedException;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;
import dev.kfit.host.LocalProvisioning;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds the guest image with the recipe in {@code guest-images/rootfs/build.sh} (debootstrap of
 * Debian packages, kfit's guest tool, a small init), cached by the content of the recipe and tools.
 */
public final class ImageBuilder {
    static final String AREA = "images";
    private final Host host;
    private final Cache cache;
    private final Path guestImages;
    private final Consumer<String> progress;

    public ImageBuilder(Host host, Cache cache, Path guestImages, Consumer<String> progress) {
        this.host = host;
        this.cache = cache;
        this.guestImages = guestImages;
        this.progress = progress;
    }

    /**
     * The cache key of the image this checkout's recipe makes (suite, recipe and guest tools): cheap,
     * builds nothing, so a machine without debootstrap can tell whether a prebuilt image is this one.
     */
    public static String key(Path guestImages) {
        Cache.Key key = new Cache.Key().add("suite", System.getenv().getOrDefault("KFIT_DEBIAN_SUITE", "bookworm"));
        for (Path f : recipeFiles(guestImages)) {
            key.addFile(guestImages.relativize(f).toString(), f);
        }
        return key.hex();
    }

    public GuestImage build() {
        String k = key(guestImages);
        Path entry = cache.dir(AREA).resolve(k);
        if (complete(entry)) {
            progress.accept("guest image: cached (key " + k + ")");
            return image(k, entry, true);
        }
        try (AutoCloseable lock = cache.lock(AREA, k)) {
            if (complete(entry)) {
                return image(k, entry, true);
            }
            if (host.isLocal()) {
                // debootstrap may still be installing on a fresh machine (see LocalProvisioning)
                LocalProvisioning.awaitToolchain(m -> progress.accept("guest image: " + m));
            }
            cache.removeStaleScratch(AREA, k);
            Path scratch = cache.scratch(AREA, k);
            try {
                long t0 = System.nanoTime();
                progress.accept("guest image: building (log: " + entry.resolve("build.log") + ")");
                CommandResult r = host.run(Command.of(Duration.ofMinutes(30), "bash",
                                guestImages.resolve("rootfs/build.sh").toString(), scratch.toString())
                        .loggingTo(scratch.resolve("build.log")));
                if (!r.ok()) {
                    throw new CommandFailedException("guest image build failed (log: " + scratch.resolve("build.log") + ")", r);
                }
                cache.publish(scratch, AREA, k);
                progress.accept(String.format("guest image: built in %.0f s", (System.nanoTime() - t0) / 1e9));
            } finally {
                Cache.deleteTree(scratch);
            }
            return image(k, entry, false);
        } catch (InfraException e) {
            throw e;
        } catch (Exception e) {
            throw new InfraException("building the guest image: " + e.getMessage(), e);
        }
    }

    private static List<Path> recipeFiles(Path guestImages) {
        try (Stream<Path> a = Files.walk(guestImages.resolve("rootfs")); Stream<Path> b = Files.walk(guestImages.resolve("tools"))) {
            return Stream.concat(a, b).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new InfraException("cannot read the guest image recipe in " + guestImages + ": " + e.getMessage(), e);
        }
    }

    private static boolean complete(Path entry) {
        return Stream.of("rootfs.img", "id_ed25519", "host_ed25519.pub").allMatch(f -> Files.isRegularFile(entry.resolve(f)));
    }

    private static GuestImage image(String k, Path e, boolean cached) {
        return new GuestImage(k, e.resolve("rootfs.img"), e.resolve("id_ed25519"), e.resolve("host_ed25519.pub"),
                e.resolve("manifest.txt"), e.resolve("build.log"), cached);
    }
}
