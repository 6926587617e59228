package dev.kfit.bisect;

import dev.kfit.error.BadInputException;
import dev.kfit.host.Command;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;
import dev.kfit.spec.KernelSource;
import dev.kfit.spec.KernelSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a bisection's points are. Over a kernel's patch series, point {@code i} is the kernel with its
 * first {@code i} patches (0: the source alone, n: the whole series). Over a commit range of a git
 * source, point {@code i} is the {@code i}-th commit after the good one on the first-parent line to the
 * bad one (0: the good commit), each with the kernel's patches on top.
 */
public final class Points {
    /**
     * @param name     short, for labels and directories: {@code p3}, or a commit's first 12 hex digits
     * @param describe for the reader: the patch that point adds, or the commit and its subject
     * @param source   the step spec's {@code source:} line
     * @param patches  the step's patch files, in order
     */
    public record Point(int index, String name, String describe, String source, List<Path> patches) {
        public Point {
            patches = List.copyOf(patches);
        }
    }

    private Points() {
    }

    /** Points over the kernel's patch series: 0..n patches. */
    public static List<Point> series(KernelSpec k) {
        List<Path> files = k.patchFiles();
        if (files.isEmpty()) {
            throw new BadInputException("kernel " + k.label() + " has no patches to bisect (give --good and --bad for a git source)");
        }
        String source = sourceText(k.source());
        List<Point> points = new ArrayList<>();
        points.add(new Point(0, "p0", "without the series", source, List.of()));
        for (int i = 1; i <= files.size(); i++) {
            points.add(new Point(i, "p" + i, files.get(i - 1).getFileName().toString(), source, files.subList(0, i)));
        }
        return points;
    }

    /** Points over the first-parent commits from {@code good} (exclusive) to {@code bad} of a git source. */
    public static List<Point> commits(KernelSpec k, Host host, String good, String bad) {
        if (!(k.source() instanceof KernelSource.GitTree g)) {
            throw new BadInputException("--good/--bad bisect a commit range: kernel " + k.label()
                    + " must have a git source (git:PATH[@REF]), it has " + k.source().describe());
        }
        String goodId = commit(host, g.repo(), good);
        String badId = commit(host, g.repo(), bad);
        CommandResult ancestor = host.run(Command.of(Duration.ofMinutes(1), "git", "-C", g.repo().toString(),
                "merge-base", "--is-ancestor", goodId, badId));
        if (!ancestor.ok()) {
            throw new BadInputException("--good " + good + " is not an ancestor of --bad " + bad + " in " + g.repo());
        }
        CommandResult r = host.run(Command.of(Duration.ofMinutes(5), "git", "-C", g.repo().toString(), "log",
                "--first-parent", "--reverse", "--format=%H %s", goodId + ".." + badId));
        if (!r.ok()) {
            throw new BadInputException("git log " + good + ".." + bad + " in " + g.repo() + ": " + r.output().strip());
        }
        List<String> lines = r.output().lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            throw new BadInputException("--good " + good + " and --bad " + bad + " are the same commit: nothing to bisect");
        }
        List<Point> points = new ArrayList<>();
        points.add(new Point(0, goodId.substring(0, 12), goodId + " (--good " + good + ")",
                KernelSource.GitTree.text(g.repo(), goodId), k.patchFiles()));
        for (String line : lines) {
            String id = line.substring(0, line.indexOf(' ') < 0 ? line.length() : line.indexOf(' '));
            String subject = line.length() > id.length() ? line.substring(id.length() + 1) : "";
            points.add(new Point(points.size(), id.substring(0, 12), id + " " + subject,
                    KernelSource.GitTree.text(g.repo(), id), k.patchFiles()));
        }
        return points;
    }

    static String commit(Host host, Path repo, String ref) {
        if (ref.startsWith("-")) {
            throw new BadInputException("not a git ref: '" + ref + "'");
        }
        CommandResult r = host.run(Command.of(Duration.ofMinutes(1), "git", "-C", repo.toString(), "rev-parse",
                "--verify", "--quiet", ref + "^{commit}"));
        if (!r.ok() || r.output().isBlank()) {
            throw new BadInputException("no commit '" + ref + "' in " + repo);
        }
        return r.output().strip();
    }

    /** A source as a spec's {@code source:} line says it. */
    static String sourceText(KernelSource s) {
        if (s instanceof KernelSource.DebianPackage d) {
            return "debian:" + d.packageName() + (d.version() == null ? "" : "=" + d.version());
        }
        if (s instanceof KernelSource.LocalTree t) {
            return "dir:" + t.dir();
        }
        if (s instanceof KernelSource.Tarball t) {
            return "tar:" + t.file();
        }
        if (s instanceof KernelSource.GitTree g) {
            return KernelSource.GitTree.text(g.repo(), g.ref());
        }
        throw new IllegalArgumentException("unknown source " + s);
    }
}
