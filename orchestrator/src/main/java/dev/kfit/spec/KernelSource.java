package dev.kfit.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** Where a kernel's source comes from. */
public sealed interface KernelSource {
    /** One line for logs and reports. */
    String describe();

    /** {@code debian:linux-source-6.12[=VERSION]}; a null version means the newest available. */
    record DebianPackage(String packageName, String version) implements KernelSource {
        static final Pattern NAME = Pattern.compile("linux-source-[0-9]+\\.[0-9]+");
        // Debian policy: starts with a digit (or epoch digits), then alphanumerics and . + ~ - :
        static final Pattern VERSION = Pattern.compile("[0-9][A-Za-z0-9.+~:-]*");

        public DebianPackage {
            Objects.requireNonNull(packageName, "packageName");
        }

        /** "6.12" for linux-source-6.12. */
        public String series() {
            return packageName.substring("linux-source-".length());
        }

        @Override
        public String describe() {
            return "Debian package " + packageName + (version == null ? " (newest)" : " version " + version);
        }
    }

    /** {@code dir:PATH}: an unpacked kernel tree (has a top-level Makefile). */
    record LocalTree(Path dir) implements KernelSource {
        public LocalTree {
            Objects.requireNonNull(dir, "dir");
        }

        @Override
        public String describe() {
            return "local tree " + dir;
        }
    }

    /** {@code tar:PATH}: a kernel source tarball such as linux-6.12.tar.xz. */
    record Tarball(Path file) implements KernelSource {
        static final List<String> SUFFIXES = List.of(".tar", ".tar.gz", ".tar.xz", ".tgz");

        public Tarball {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public String describe() {
            return "tarball " + file;
        }
    }

    /**
     * {@code git:PATH[@REF]}: a commit of a local git repository (default ref {@code HEAD}). The ref is
     * resolved to a commit id when the kernel is built, and the build is recorded and cached by that id.
     */
    record GitTree(Path repo, String ref) implements KernelSource {
        static final String DEFAULT_REF = "HEAD";
        // A ref or commit id as git accepts them on a command line; never an option.
        static final Pattern REF = Pattern.compile("[A-Za-z0-9_./^~{}+-]+");

        public GitTree {
            Objects.requireNonNull(repo, "repo");
            Objects.requireNonNull(ref, "ref");
        }

        @Override
        public String describe() {
            return "git repository " + repo + " at " + ref;
        }

        /** The source line that names this repository at {@code commit}: how bisect steps record a commit. */
        public static String text(Path repo, String commit) {
            return "git:" + repo + "@" + commit;
        }
    }

    /** Parses and checks a {@code source:} value; relative paths are relative to {@code baseDir}. */
    static KernelSource parse(String text, Path baseDir) {
        int colon = text.indexOf(':');
        String kind = colon < 0 ? "" : text.substring(0, colon);
        String rest = colon < 0 ? "" : text.substring(colon + 1);
        switch (kind) {
            case "debian" -> {
                int eq = rest.indexOf('=');
                String name = eq < 0 ? rest : rest.substring(0, eq);
                String version = eq < 0 ? null : rest.substring(eq + 1);
                if (!DebianPackage.NAME.matcher(name).matches()) {
                    throw new SpecProblem("Debian kernel source package must be linux-source-X.Y, got '" + name + "'");
                }
                if (version != null && !DebianPackage.VERSION.matcher(version).matches()) {
                    throw new SpecProblem("malformed Debian version '" + version + "' in '" + text + "'");
                }
                return new DebianPackage(name, version);
            }
            case "dir" -> {
                Path dir = SpecValues.resolve(baseDir, rest);
                if (!Files.isDirectory(dir)) {
                    throw new SpecProblem("kernel source directory not found: " + dir);
                }
                if (!Files.isRegularFile(dir.resolve("Makefile"))) {
                    throw new SpecProblem("not a kernel source tree (no Makefile): " + dir);
                }
                return new LocalTree(dir);
            }
            case "tar" -> {
                Path file = SpecValues.resolve(baseDir, rest);
                String name = file.getFileName() == null ? "" : file.getFileName().toString();
                if (Tarball.SUFFIXES.stream().noneMatch(name::endsWith)) {
                    throw new SpecProblem("kernel tarball name must end in .tar, .tar.gz, .tar.xz or .tgz: " + file);
                }
                if (!Files.isRegularFile(file)) {
                    throw new SpecProblem("kernel tarball not found: " + file);
                }
                return new Tarball(file);
            }
            case "git" -> {
                if (rest.contains("://")) {
                    throw new SpecProblem("git source must be a local repository (git:PATH[@REF]), not a URL: '" + text + "'");
                }
                int at = rest.lastIndexOf('@');
                String ref = at < 0 ? GitTree.DEFAULT_REF : rest.substring(at + 1);
                Path repo = SpecValues.resolve(baseDir, at < 0 ? rest : rest.substring(0, at));
                if (ref.isEmpty() || ref.startsWith("-") || !GitTree.REF.matcher(ref).matches()) {
                    throw new SpecProblem("malformed git ref '" + ref + "' in '" + text + "'");
                }
                if (!Files.isDirectory(repo)) {
                    throw new SpecProblem("git repository not found: " + repo);
                }
                if (!Files.exists(repo.resolve(".git")) && !Files.isRegularFile(repo.resolve("HEAD"))) {
                    throw new SpecProblem("not a git repository (no .git): " + repo);
                }
                return new GitTree(repo, ref);
            }
            default -> throw new SpecProblem("unknown kernel source '" + text
                    + "' (expected debian:linux-source-X.Y, dir:PATH, tar:PATH or git:PATH[@REF])");
        }
    }
}
