package dev.kfit.e2e;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/** A real headless Chromium (installed by Ansible) that screenshots a page from disk; nothing fetched. */
final class Browser {
    private Browser() {
    }

    /** Renders {@code html} at {@code width} x {@code height} into {@code png}, bounded at two minutes. */
    static BufferedImage screenshot(Path html, Path png, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("kfit-chromium-");
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "--screenshot=" + png,
                html.toUri().toString())
                .redirectErrorStream(true).redirectOutput(png.resolveSibling(png.getFileName() + ".chromium.log").toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish within 120 s");
            }
        } finally {
            try (var walk = Files.walk(profile)) { // leave no browser profile behind
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        BufferedImage img = ImageIO.read(png.toFile());
        if (img == null) {
            throw new AssertionError("chromium wrote no screenshot " + png);
        }
        return img;
    }

    /**
     * The DOM of {@code html} after Chromium has parsed and laid it out ({@code --dump-dom}), also kept
     * in {@code out}; bounded at two minutes.
     */
    static String dom(Path html, Path out) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("kfit-chromium-");
        Process p = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--dump-dom", html.toUri().toString())
                .redirectOutput(out.toFile()).redirectError(out.resolveSibling(out.getFileName() + ".chromium.log").toFile()).start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium --dump-dom did not finish within 120 s");
            }
        } finally {
            try (var walk = Files.walk(profile)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        String dom = Files.readString(out);
        if (p.exitValue() != 0 || !dom.contains("</html>")) {
            throw new AssertionError("chromium --dump-dom exited " + p.exitValue() + " with " + dom.length() + " characters: " + out);
        }
        return dom;
    }

    /** Pixels of {@code img} whose colour passes {@code test} (r, g, b). */
    static int count(BufferedImage img, RgbTest test) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                if (test.test(rgb >> 16, (rgb >> 8) & 0xff, rgb & 0xff)) {
                    n++;
                }
            }
        }
        return n;
    }

    interface RgbTest {
        boolean test(int r, int g, int b);
    }
}
