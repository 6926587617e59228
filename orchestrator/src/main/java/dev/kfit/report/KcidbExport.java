package dev.kfit.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfit.error.InfraException;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A KernelCI KCIDB v5.3 document of the run (kcidb.json), so results can be submitted to a shared
 * kernel results database. One checkout per kernel source and patchset, one build per kernel, one
 * test per cell, and one more test per further measurement of a cell.
 *
 * <p>IDs are {@code kfit:...} and the same in every run that sends the same thing, so KCIDB merges
 * rather than duplicates: a build is its content ({@code kfit:} + the kernel's cache key) and keeps
 * the start time of the build that made it, also when a later run finds it in the cache; a checkout
 * is its source and patchset hash; a test is the cell and the time the cell started.
 *
 * <p>Status: a kernel finding FAIL, kfit's own error ({@link Verdict#isKfitError()}, never a kernel
 * verdict) ERROR, any other kernel verdict PASS, all as {@link Verdict} classifies them. A verdict
 * this kfit does not know (a newer run's) gets no status: KCIDB reads a missing field as unknown.
 * A cell's further measurements are tests of status DONE (they report a figure, not the code's
 * state), or ERROR when the cell was kfit's error.
 *
 * <p>Everything not in KCIDB's fields goes in {@code misc}. Links ({@code log_url}, {@code *_files})
 * are {@code file:} URLs and given only when the run directory is known ({@link #write}).
 */
public final class KcidbExport {
    static final String ORIGIN = "kfit";
    static final int LOG_EXCERPT_MAX = 16384;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private KcidbExport() {
    }

    /** The document without links to the run's files. */
    public static ObjectNode render(Results results) {
        return render(results, null);
    }

    /** @param runDir the run directory the results' relative paths are in, or null to leave links out */
    public static ObjectNode render(Results results, Path runDir) {
        Path dir = runDir == null ? null : runDir.toAbsolutePath().normalize();
        ObjectNode doc = JSON.createObjectNode();
        doc.putObject("version").put("major", 5).put("minor", 3);
        Map<String, ObjectNode> checkouts = new LinkedHashMap<>();
        Map<String, ObjectNode> builds = new LinkedHashMap<>();
        Map<String, String> buildOfLabel = new LinkedHashMap<>();
        for (Results.KernelInfo k : results.run().kernels()) {
            String checkoutId = checkoutId(k);
            checkouts.computeIfAbsent(checkoutId, id -> checkout(id, k));
            String buildId = id(k.cacheKey());
            buildOfLabel.put(k.label(), buildId);
            ObjectNode b = builds.computeIfAbsent(buildId, id -> build(id, checkoutId, k, dir));
            ((ArrayNode) b.get("misc").get("labels")).add(k.label());
        }
        ArrayNode tests = JSON.createArrayNode();
        for (CellResult c : results.cells()) {
            addTests(tests, c, buildOfLabel.getOrDefault(c.kernel(), id(c.kernel())), results.run(), dir);
        }
        doc.putArray("checkouts").addAll(checkouts.values());
        doc.putArray("builds").addAll(builds.values());
        doc.set("tests", tests);
        return doc;
    }

    private static ObjectNode checkout(String id, Results.KernelInfo k) {
        ObjectNode c = JSON.createObjectNode().put("id", id).put("origin", ORIGIN);
        putText(c, "tree_name", treeName(k.source()));
        if (k.patchsetHash() != null) {
            c.put("patchset_hash", k.patchsetHash());
        }
        if (k.patchset() != null) {
            ArrayNode files = c.putArray("patchset_files");
            for (KernelBuild.AppliedPatch p : k.patchset()) {
                files.addObject().put("name", p.name()).put("url", Path.of(p.path()).toUri().toString());
            }
        }
        putText(c, "comment", "linux " + k.kernelVersion() + " from " + k.source()
                + (k.patches().isEmpty() ? "" : " with " + k.patches().size() + " patches"));
        if (k.builtAt() != null) {
            c.put("start_time", k.builtAt()); // the sources were unpacked and patched as the build started
        }
        c.put("valid", true); // a run only has kernels whose patches applied
        ObjectNode misc = c.putObject("misc");
        putText(misc, "source", k.source());
        putText(misc, "kernel_version", k.kernelVersion());
        ArrayNode names = misc.putArray("patches");
        k.patches().forEach(names::add);
        return c;
    }

    private static ObjectNode build(String id, String checkoutId, Results.KernelInfo k, Path dir) {
        ObjectNode b = JSON.createObjectNode().put("id", id).put("checkout_id", checkoutId).put("origin", ORIGIN)
                .put("architecture", "x86_64").put("config_name", "tinyconfig+kfit").put("status", "PASS")
                .put("duration", k.buildSeconds());
        putText(b, "compiler", k.compiler());
        if (k.builtAt() != null) {
            b.put("start_time", k.builtAt());
        }
        Path log = file(dir, k.buildLog());
        if (log != null) {
            b.put("log_url", log.toUri().toString());
        }
        Path config = log == null ? null : log.resolveSibling(k.label() + ".config");
        if (config != null && Files.isRegularFile(config)) {
            b.put("config_url", config.toUri().toString());
        }
        ObjectNode misc = b.putObject("misc");
        misc.putArray("labels");
        misc.put("cached_in_this_run", k.cached());
        putText(misc, "kernel_version", k.kernelVersion());
        putText(misc, "build_log", k.buildLog());
        return b;
    }

    private static void addTests(ArrayNode tests, CellResult c, String buildId, Results.RunInfo run, Path dir) {
        Verdict v = Verdict.of(c.verdict());
        String id = testId(c);
        String path = "kfit." + pathPart(c.scenario());
        List<Measurement> measured = c.measured();
        Measurement main = measured.stream().filter(m -> m.name().equals("unbind_ms")).findFirst()
                .orElse(measured.isEmpty() ? null : measured.get(0));

        ObjectNode t = test(id, buildId, path, c, run, dir);
        if (v != null) {
            t.put("status", v.isFinding() ? "FAIL" : v.isKfitError() ? "ERROR" : "PASS");
        }
        putText(t, "comment", c.verdict() + " on " + c.kernel() + (c.kernelVersion() == null ? "" : " (" + c.kernelVersion() + ")")
                + (main == null ? "" : ", " + main.name() + " " + ReportFiles.value(main)));
        if (main != null) {
            t.set("number", number(main));
        }
        String excerpt = logExcerpt(c);
        if (!excerpt.isEmpty()) {
            t.put("log_excerpt", excerpt);
        }
        ObjectNode misc = t.putObject("misc");
        misc.put("cell", c.id());
        putText(misc, "kernel", c.kernel());
        misc.put("verdict", c.verdict());
        misc.put("repetition", c.repetition());
        misc.put("attempts", c.attempts());
        if (main != null) {
            misc.put("measurement", main.name());
        }
        ArrayNode all = misc.putArray("measurements");
        measured.forEach(m -> all.addObject().put("name", m.name()).put("value", m.value()).put("unit", m.unit()));
        ArrayNode splats = misc.putArray("splats");
        c.splats().forEach(s -> splats.add(s.type() + " " + s.title()));
        putText(misc, "error", c.error());
        tests.add(t);

        for (Measurement m : measured) {
            if (m == main) {
                continue;
            }
            ObjectNode extra = test(id + "." + m.name(), buildId, path + "." + pathPart(m.name()), c, run, dir);
            if (v != null) {
                extra.put("status", v.isKfitError() ? "ERROR" : "DONE");
            }
            putText(extra, "comment", m.name() + " of " + c.id() + " (" + c.verdict() + ")");
            extra.set("number", number(m));
            extra.putObject("misc").put("cell", c.id()).put("verdict", c.verdict()).put("measurement", m.name());
            tests.add(extra);
        }
    }

    /** The fields a cell's tests share: who, where, when, and its files. */
    private static ObjectNode test(String id, String buildId, String path, CellResult c, Results.RunInfo run, Path dir) {
        ObjectNode t = JSON.createObjectNode().put("id", id).put("build_id", buildId).put("origin", ORIGIN).put("path", path);
        if (c.startedAt() != null) {
            t.put("start_time", c.startedAt());
        }
        t.put("duration", c.durationS());
        ObjectNode env = t.putObject("environment");
        putText(env, "comment", "QEMU " + run.accel() + " on " + run.host());
        ObjectNode envMisc = env.putObject("misc");
        putText(envMisc, "qemu", run.qemu());
        putText(envMisc, "accel", run.accel());
        if (c.hosts() != null) {
            ObjectNode hosts = envMisc.putObject("hosts");
            c.hosts().forEach(hosts::put);
        }
        Path console = file(dir, c.console());
        if (console != null) {
            t.put("log_url", console.toUri().toString());
        }
        ArrayNode outputs = JSON.createArrayNode();
        if (c.consoles() != null) {
            c.consoles().forEach((guest, rel) -> {
                Path f = file(dir, rel);
                if (f != null && !f.equals(console)) {
                    outputs.addObject().put("name", guest + "-console.log").put("url", f.toUri().toString());
                }
            });
        }
        Path history = file(dir, c.history());
        if (history != null) {
            outputs.addObject().put("name", history.getFileName().toString()).put("url", history.toUri().toString());
        }
        if (!outputs.isEmpty()) {
            t.set("output_files", outputs);
        }
        return t;
    }

    /**
     * A measurement as KCIDB's {@code number}: in base units with a metric prefix to display
     * (ms as seconds, MB/s as B/s), a count without unit; another unit as it is. Scaled in decimal,
     * so 54.475407 ms is 0.054475407 s, not a binary neighbour of it.
     */
    static ObjectNode number(Measurement m) {
        ObjectNode n = JSON.createObjectNode();
        BigDecimal v = BigDecimal.valueOf(m.value());
        switch (m.unit()) {
            case Measurement.MS -> n.put("value", v.movePointLeft(3)).put("unit", "s").put("prefix", "metric");
            case Measurement.MB_S -> n.put("value", v.movePointRight(6)).put("unit", "B/s").put("prefix", "metric");
            case Measurement.COUNT -> n.put("value", m.value()).put("prefix", "metric");
            default -> n.put("value", m.value()).put("unit", m.unit());
        }
        return n;
    }

    /** The splats' console traces, then kfit's own error: at most KCIDB's 16384 characters, no NUL. */
    static String logExcerpt(CellResult c) {
        StringBuilder b = new StringBuilder();
        for (CellResult.SplatResult s : c.splats()) {
            b.append(s.type()).append(" on ").append(s.guest()).append(": ").append(s.title()).append('\n')
                    .append(s.excerpt() == null ? "" : s.excerpt()).append("\n\n");
        }
        if (c.error() != null) {
            b.append("kfit error: ").append(c.error()).append('\n');
        }
        String text = b.toString().replace("\0", "");
        if (text.codePointCount(0, text.length()) <= LOG_EXCERPT_MAX) {
            return text;
        }
        String cut = "\n[... cut: the full log is the console log ...]\n";
        return text.substring(0, text.offsetByCodePoints(0, LOG_EXCERPT_MAX - cut.length())) + cut;
    }

    /** The cell as run: the same cell started at the same time is the same test, in any rendering of it. */
    static String testId(CellResult c) {
        String when = c.startedAt() == null ? "unstarted" : c.startedAt().replaceAll("[^0-9A-Za-z]", "");
        return id(c.id() + "@" + when);
    }

    /** The source and the patchset hash; before patch contents were recorded, the build's own key. */
    static String checkoutId(Results.KernelInfo k) {
        if (k.patchsetHash() == null) {
            return id(k.cacheKey());
        }
        return id("checkout-" + sha256(k.source() + "\n" + k.patchsetHash()).substring(0, 24));
    }

    private static String id(String rest) {
        return ORIGIN + ":" + rest;
    }

    /** "debian:linux-source-6.12=6.12.117-1" is of the tree "debian:linux-source-6.12". */
    private static String treeName(String source) {
        if (source == null) {
            return null;
        }
        int eq = source.indexOf('=');
        return eq < 0 ? source : source.substring(0, eq);
    }

    /** A KCIDB path part: letters, digits, '_' and '-' only. */
    private static String pathPart(String s) {
        String p = s.replaceAll("[^A-Za-z0-9_-]", "_").replace('-', '_');
        return p.isEmpty() ? "_" : p;
    }

    private static Path file(Path dir, String relative) {
        return dir == null || relative == null ? null : dir.resolve(relative).normalize();
    }

    /** KCIDB allows no null: an unknown field is left out. */
    private static void putText(ObjectNode o, String field, String text) {
        if (text != null) {
            o.put(field, text.replace("\0", ""));
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    /** Writes kcidb.json, with links to the files of the run directory it is written in. */
    public static void write(Results results, Path file) {
        try {
            Path runDir = file.toAbsolutePath().normalize().getParent();
            ReportFiles.writeAtomically(file, JSON.writeValueAsString(render(results, runDir)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InfraException("cannot render " + file + ": " + e.getMessage(), e);
        }
    }
}
