package dev.kfit.spec;

import dev.kfit.error.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * One kernel to build. {@code patches} and {@code fragments} are absolute, normalised and existed at
 * load time; a patch entry may be a directory, see {@link #patchFiles()}.
 */
public record KernelSpec(String label, KernelSource source, List<Path> patches, List<Path> fragments) {
    public KernelSpec {
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(source, "source");
        patches = List.copyOf(patches);
        fragments = List.copyOf(fragments);
    }

    /** The patch files in the order they are applied: directories expand to their patches, by name. */
    public List<Path> patchFiles() {
        List<Path> files = new ArrayList<>();
        for (Path p : patches) {
            if (Files.isDirectory(p)) {
                try {
                    files.addAll(patchFilesIn(p));
                } catch (IOException e) {
                    throw new BadInputException("cannot list patch directory " + p + ": " + e.getMessage(), e);
                }
            } else {
                files.add(p);
            }
        }
        return List.copyOf(files);
    }

    /** The {@code *.patch} and {@code *.diff} files directly inside {@code dir}, sorted by file name. */
    static List<Path> patchFilesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> {
                String n = f.getFileName().toString();
                return (n.endsWith(".patch") || n.endsWith(".diff")) && Files.isRegularFile(f);
            }).sorted(Comparator.comparing(f -> f.getFileName().toString())).toList();
        }
    }
}
