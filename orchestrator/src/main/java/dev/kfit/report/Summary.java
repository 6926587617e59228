package dev.kfit.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kfit.bisect.BisectLog;
import dev.kfit.cache.Cache;
import dev.kfit.error.BadInputException;
import dev.kfit.spec.KernelSpec;
import dev.kfit.spec.Spec;
import dev.kfit.spec.SpecLoader;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code kfit summary RUN [CELL]}: one cell of a run (or the first bad step of a bisection) as plain
 * text for a mailing-list reply: at most {@link #WIDTH} columns, no markup. The kernel (version, source,
 * patches with their hashes and subjects), the scenario's parameters as the spec gives them, the
 * verdict and measured times, the console's trace cut to its first line and call trace without
 * addresses or offsets, a bisection's result, and a reproducer: the exact spec and the command that
 * reruns it. Long spec lines are folded the YAML way (comments as comments, values as double-quoted
 * scalars continued with a backslash), so the spec still reads back the same.
 */
public final class Summary {
    public static final int WIDTH = 72;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern TIMESTAMP = Pattern.compile("^\\[\\s*[0-9]+\\.[0-9]+\\]\\s?");
    private static final Pattern OFFSET = Pattern.compile("\\+0x[0-9a-f]+/0x[0-9a-f]+");
    private static final Pattern ADDRESS = Pattern.compile("\\b(?:0x)?[0-9a-f]{8,16}\\b");
    private static final Pattern FRAME = Pattern.compile("^\\s*(\\?\\s+)?([A-Za-z_.$][A-Za-z0-9_.$]*)(?:\\s+\\[[^\\]]+\\])?\\s*$");
    private static final int MAX_FRAMES = 24;
    private static final int MAX_SPLATS = 2;

    private Summary() {
    }

    /**
     * @param run  a run directory (results.json) or a bisection directory (bisect.json)
     * @param cell a cell id; null for the first cell with a finding, else the first cell
     * @param root the kfit checkout: where the reproducer's command runs and examples/ lies
     */
    public static String of(Path run, String cell, Path root) {
        BisectLog bisect = BisectLog.read(run);
        if (bisect != null) {
            return ofBisection(run, bisect, cell, root);
        }
        if (!Files.isRegularFile(run.resolve("results.json"))) {
            throw new BadInputException(run + ": neither a run directory (results.json) nor a bisection (bisect.json)");
        }
        Results results = Results.read(run.resolve("results.json"));
        Out out = new Out();
        cellSummary(out, run, results, pick(results, cell, run), root, null);
        return out.toString();
    }

    private static CellResult pick(Results results, String id, Path run) {
        if (results.cells().isEmpty()) {
            throw new BadInputException(run.resolve("results.json") + ": no cells");
        }
        if (id != null) {
            return results.cells().stream().filter(c -> c.id().equals(id)).findFirst()
                    .orElseThrow(() -> new BadInputException(run.resolve("results.json") + ": no cell '" + id + "' (it has: "
                            + String.join(", ", results.cells().stream().map(CellResult::id).toList()) + ")"));
        }
        return results.cells().stream().filter(c -> Verdict.isFinding(c.verdict())).findFirst().orElse(results.cells().get(0));
    }

    private static String ofBisection(Path dir, BisectLog log, String cell, Path root) {
        Out out = new Out();
        BisectLog.ResultInfo r = log.result();
        out.line("kfit bisection: " + log.kernel() + ", scenario " + log.scenario() + ", over "
                + (log.mode().equals("series") ? (log.points().size() - 1) + " patches" : (log.points().size() - 1) + " commits"));
        out.blank();
        if (log.ends() != null) {
            log.ends().described().lines().forEach(l -> out.wrapped(l, "  "));
            out.blank();
        }
        out.line("Steps (in the order tested)");
        for (BisectLog.StepInfo s : log.steps()) {
            out.wrapped("  " + s.name() + " " + s.state().toLowerCase(Locale.ROOT) + (s.flaky() ? " (flaky)" : "") + ", "
                    + (s.valid() == 0 ? s.reason() : s.changed() + " of " + s.valid() + " runs changed") + ": " + s.describe(), "      ");
        }
        out.blank();
        if (r == null) {
            out.line("No result yet: the bisection did not finish.");
            return out.toString();
        }
        if (r.refused() != null) {
            out.wrapped("Refused: " + r.refused().lines().findFirst().orElse(""), "  ");
            return out.toString();
        }
        out.line("Result");
        if (r.exact()) {
            out.wrapped("  first bad: " + r.firstBad(), "      ");
        } else {
            out.line("  first bad: one of (steps next to it could not be tested)");
            r.candidates().forEach(c -> out.wrapped("    " + c, "      "));
        }
        out.wrapped("  last good: " + r.lastGood(), "      ");
        out.line(String.format(Locale.ROOT, "  confidence %.2f%s%s", r.confidence(),
                r.confidence() >= dev.kfit.bisect.StepRule.CONFIDENT ? "" : " (low)", r.flaky() ? ", flaky" : ""));
        out.blank();
        // The first bad point's runs, summarised like any run's cell.
        String name = r.firstBad().split(" ", 2)[0];
        Path stepDir = dir.resolve("steps").resolve(name);
        Path round = stepDir.resolve("round-1");
        if (Files.isRegularFile(round.resolve("results.json"))) {
            Results results = Results.read(round.resolve("results.json"));
            cellSummary(out, round, results, pick(results, cell, round), root,
                    "./kfit bisect " + display(Path.of(log.spec()), root) + " --kernel " + log.kernel() + " --scenario "
                            + log.scenario() + " --out " + display(dir, root));
        }
        return out.toString();
    }

    private static void cellSummary(Out out, Path run, Results results, CellResult c, Path root, String bisectCommand) {
        Path specFile = run.resolve(results.run() != null && results.run().spec() != null ? results.run().spec() : "spec.yaml");
        String specText = read(specFile);
        Optional<Path> example = example(specText, root);
        Spec spec = loadSpec(specText, example.orElse(specFile));
        KernelSpec kernelSpec = spec == null ? null
                : spec.kernels().stream().filter(k -> k.label().equals(c.kernel())).findFirst().orElse(null);
        Results.KernelInfo info = results.run() == null || results.run().kernels() == null ? null
                : results.run().kernels().stream().filter(k -> k.label().equals(c.kernel())).findFirst().orElse(null);

        out.wrapped("kfit result: " + c.kernel() + ", " + c.scenario() + ": " + c.verdict(), "  ");
        out.blank();
        out.line("Kernel");
        out.wrapped("  version   " + c.kernelVersion(), "            ");
        out.wrapped("  source    " + c.kernelSource(), "            ");
        if (info != null && info.compiler() != null) {
            out.wrapped("  compiler  " + info.compiler(), "            ");
        }
        List<String> patches = c.patches() == null ? List.of() : c.patches();
        if (patches.isEmpty()) {
            out.line("  patches   none");
        } else {
            out.line("  patches   " + patches.size() + ", in the order applied:");
            List<Path> files = kernelSpec == null ? List.of() : kernelSpec.patchFiles();
            for (int i = 0; i < patches.size(); i++) {
                Path f = i < files.size() && files.get(i).getFileName().toString().equals(patches.get(i)) ? files.get(i) : null;
                out.wrapped("    " + (i + 1) + ". " + patches.get(i), "       ");
                if (f != null) {
                    out.line("       sha256 " + Cache.sha256(f).substring(0, 12));
                    String subject = subject(f);
                    if (subject != null) {
                        out.wrapped("       " + subject, "       ");
                    }
                } else {
                    out.line("       (file not at hand: no hash)");
                }
            }
        }
        out.blank();

        out.line("Scenario");
        scenarioLines(specText, c.scenario()).forEach(l -> out.wrapped("  " + l, "      "));
        if (results.run() != null) {
            out.wrapped("  QEMU " + qemuVersion(results.run().qemu()) + ", " + results.run().accel()
                    + (spec == null ? "" : ", guest " + spec.guest().cpus() + " vCPUs, " + spec.guest().memoryMb() + " MiB"), "    ");
        }
        out.blank();

        List<CellResult> group = results.cells().stream()
                .filter(x -> x.kernel().equals(c.kernel()) && x.scenario().equals(c.scenario())).toList();
        out.line("Result (" + c.id() + ", repetition " + c.repetition() + " of " + group.size() + ")");
        out.line("  verdict   " + c.verdict());
        if (group.size() > 1) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            group.forEach(x -> counts.merge(x.verdict(), 1, Integer::sum));
            List<String> parts = new ArrayList<>();
            counts.forEach((v, n) -> parts.add(v + " x" + n));
            out.wrapped("  all runs  " + String.join(", ", parts), "            ");
        }
        if (c.pin() != null && c.pin().ok() != null) {
            out.line("  pin       " + (c.pin().ok() ? "registered" : "refused" + (c.pin().errno() == null ? "" : ", errno " + c.pin().errno())));
        }
        for (Measurement m : c.measured()) {
            out.line(String.format(Locale.ROOT, "  %-26s %s", m.name(), value(m)));
        }
        if (c.error() != null) {
            out.wrapped("  error     " + c.error().lines().findFirst().orElse(""), "            ");
        }
        out.blank();

        List<CellResult.SplatResult> splats = c.splats() == null ? List.of() : c.splats();
        if (!splats.isEmpty()) {
            for (int i = 0; i < Math.min(MAX_SPLATS, splats.size()); i++) {
                CellResult.SplatResult s = splats.get(i);
                out.wrapped("Trace " + (i + 1) + " of " + splats.size() + " (" + s.type() + (s.guest() == null ? "" : ", console of " + s.guest())
                        + String.format(Locale.ROOT, ", %.1f s after boot)", s.timestamp()), "  ");
                out.wrapped("  " + s.title(), "    ");
                out.blank();
                trace(s.excerpt()).forEach(l -> out.wrapped("    " + l, "      "));
                out.blank();
            }
        }

        out.line("Reproducer");
        String label = c.kernel();
        String command;
        String specName;
        if (bisectCommand != null) {
            specName = display(specFile, root);
            command = "./kfit run " + specName;
        } else if (example.isPresent()) {
            specName = display(example.get(), root);
            command = "./kfit run " + specName + " --kernels " + label;
        } else {
            specName = "spec.yaml";
            command = "./kfit run spec.yaml --kernels " + label;
        }
        out.line("  In a kfit checkout:");
        out.blank();
        out.wrapped("    " + command, "      ");
        if (bisectCommand != null) {
            out.blank();
            out.line("  and the bisection itself:");
            out.blank();
            out.wrapped("    " + bisectCommand, "      ");
        }
        out.blank();
        out.wrapped("  " + specName + (example.isEmpty() && bisectCommand == null
                ? " (relative paths in it are relative to the directory it was run from):" : ":"), "    ");
        out.blank();
        specText.lines().forEach(l -> foldYaml("    ", l).forEach(out::line));
    }

    /** The scenario's entry of the spec as written: its name, type and parameters. */
    static List<String> scenarioLines(String specText, String name) {
        List<String> lines = new ArrayList<>();
        try {
            JsonNode root = YAML.readTree(specText);
            for (JsonNode s : root.path("scenarios")) {
                if (name.equals(s.path("name").asText())) {
                    s.fields().forEachRemaining(e -> {
                        JsonNode v = e.getValue();
                        if (v.isArray() && v.size() > 0) {
                            lines.add(e.getKey() + ":");
                            v.forEach(item -> lines.add("  - " + flow(item)));
                        } else {
                            lines.add(e.getKey() + ": " + flow(v));
                        }
                    });
                }
            }
            if (root.has("guest")) {
                lines.add("guest: " + flow(root.get("guest")));
            }
        } catch (IOException e) {
            lines.add("name: " + name + " (spec unreadable: " + e.getMessage() + ")");
        }
        if (lines.isEmpty()) {
            lines.add("name: " + name);
        }
        return lines;
    }

    /** A YAML node in YAML's flow style: {@code {type: unbind, at: 4s}}, {@code [target, initiator]}. */
    static String flow(JsonNode v) {
        if (v.isValueNode()) {
            return v.asText();
        }
        List<String> parts = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(x -> parts.add(flow(x)));
            return "[" + String.join(", ", parts) + "]";
        }
        v.fields().forEachRemaining(e -> parts.add(e.getKey() + ": " + flow(e.getValue())));
        return "{" + String.join(", ", parts) + "}";
    }

    /** The excerpt's first line, then its call trace: no timestamps, addresses, offsets or unreliable frames. */
    static List<String> trace(String excerpt) {
        List<String> out = new ArrayList<>();
        if (excerpt == null || excerpt.isBlank()) {
            return out;
        }
        List<String> lines = excerpt.lines().map(l -> TIMESTAMP.matcher(l).replaceFirst("")).toList();
        out.add(clean(lines.get(0).strip()));
        boolean inTrace = false;
        int frames = 0;
        for (String l : lines.subList(1, lines.size())) {
            String s = l.strip();
            if (s.startsWith("Call Trace:")) {
                inTrace = true;
                out.add("Call Trace:");
                continue;
            }
            if (!inTrace || s.equals("<TASK>") || s.equals("<IRQ>") || s.equals("</IRQ>")) {
                continue;
            }
            if (s.equals("</TASK>") || s.startsWith("RIP:") || s.startsWith("---[")) {
                inTrace = false;
                continue;
            }
            String frame = OFFSET.matcher(s).replaceAll("");
            java.util.regex.Matcher m = FRAME.matcher(frame);
            if (!m.matches()) {
                inTrace = false; // registers or another report: the trace is over
                continue;
            }
            if (m.group(1) != null) {
                continue; // "? frame": a guess of the unwinder
            }
            if (frames++ < MAX_FRAMES) {
                out.add(" " + m.group(2));
            }
        }
        if (frames > MAX_FRAMES) {
            out.add(" (" + (frames - MAX_FRAMES) + " more frames)");
        }
        return out;
    }

    private static String clean(String line) {
        return ADDRESS.matcher(OFFSET.matcher(line).replaceAll("")).replaceAll("ADDR");
    }

    /**
     * One spec line as lines of at most {@link #WIDTH} columns with {@code indent} before each: a long
     * comment goes on as comments, a long plain value becomes a double-quoted scalar continued with a
     * backslash (YAML joins such lines without a space). Other long lines are left as they are.
     */
    static List<String> foldYaml(String indent, String line) {
        int room = WIDTH - indent.length();
        if (line.length() <= room) {
            return List.of(indent + line);
        }
        String stripped = line.stripLeading();
        String lead = line.substring(0, line.length() - stripped.length());
        if (stripped.startsWith("#")) {
            List<String> out = new ArrayList<>();
            for (String w : wrap(stripped.substring(1).strip(), room - lead.length() - 2)) {
                out.add(indent + lead + "# " + w);
            }
            return out;
        }
        int comment = stripped.indexOf("  #");
        if (comment > 0 && stripped.substring(0, comment).indexOf('"') < 0 && stripped.substring(0, comment).indexOf('\'') < 0) {
            // A trailing comment goes above its line, as comment lines of its own.
            List<String> out = new ArrayList<>(foldYaml(indent, lead + "#" + stripped.substring(comment + 3)));
            out.addAll(foldYaml(indent, lead + stripped.substring(0, comment).stripTrailing()));
            return out;
        }
        // A plain value, or a double-quoted one without escapes (as kfit writes step specs).
        java.util.regex.Matcher m = Pattern.compile("^((?:- )?(?:[A-Za-z_][A-Za-z0-9_]*:\\s+)?)"
                + "(?:([^\"'#\\\\\\s][^#\"\\\\]*?)|\"([^\"\\\\]*)\")\\s*$").matcher(stripped);
        if (!m.matches() || (m.group(1).isEmpty() && !stripped.startsWith("- "))) {
            return List.of(indent + line);
        }
        String head = indent + lead + m.group(1) + "\"";
        String value = m.group(2) != null ? m.group(2) : m.group(3);
        String cont = indent + lead + "  ";
        List<String> out = new ArrayList<>();
        String cur = head;
        int i = 0;
        while (i < value.length()) {
            int take = Math.max(1, WIDTH - cur.length() - 2);
            if (value.length() - i <= WIDTH - cur.length() - 1) {
                out.add(cur + value.substring(i) + "\"");
                return out;
            }
            int end = Math.min(value.length(), i + take);
            // A continued line drops its leading blanks: never break just before a space.
            while (end > i + 1 && value.charAt(end) == ' ') {
                end--;
            }
            out.add(cur + value.substring(i, end) + "\\");
            i = end;
            cur = cont;
        }
        out.add(cur + "\"");
        return out;
    }

    /** Words of {@code text} in lines of at most {@code width}; a longer word stands alone. */
    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String w : text.split(" +")) {
            if (cur.length() > 0 && cur.length() + 1 + w.length() > width) {
                lines.add(cur.toString());
                cur.setLength(0);
            }
            if (cur.length() > 0) {
                cur.append(' ');
            }
            cur.append(w);
        }
        lines.add(cur.toString());
        return lines;
    }

    private static String subject(Path patch) {
        try (Stream<String> lines = Files.lines(patch)) {
            return lines.limit(40).filter(l -> l.startsWith("Subject:")).findFirst()
                    .map(l -> l.substring("Subject:".length()).strip().replaceFirst("^\\[PATCH[^\\]]*\\]\\s*", ""))
                    .orElse(null);
        } catch (IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    private static String value(Measurement m) {
        double v = m.value();
        String num = Math.abs(v) >= 100 || Measurement.COUNT.equals(m.unit()) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
        return num + " " + m.unit();
    }

    private static String qemuVersion(String line) {
        if (line == null) {
            return "?";
        }
        java.util.regex.Matcher m = Pattern.compile("version ([0-9][0-9.]*)").matcher(line);
        return m.find() ? m.group(1) : line;
    }

    /** A file in the checkout whose text is the run's spec: its examples/ first. */
    private static Optional<Path> example(String specText, Path root) {
        Path examples = root.resolve("examples");
        if (!Files.isDirectory(examples)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(examples)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().filter(p -> specText.equals(read(p))).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Spec loadSpec(String text, Path as) {
        try {
            return SpecLoader.parse(text, as);
        } catch (RuntimeException e) {
            return null; // its patches are not where it says: no hashes, the rest still reads
        }
    }

    private static String display(Path p, Path root) {
        Path a = p.toAbsolutePath().normalize();
        Path r = root.toAbsolutePath().normalize();
        return a.startsWith(r) ? r.relativize(a).toString() : a.toString();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new BadInputException("cannot read " + p + ": " + e.getMessage());
        }
    }

    /** Lines, each wrapped to {@link #WIDTH}. */
    private static final class Out {
        private final StringBuilder sb = new StringBuilder();

        void line(String s) {
            sb.append(s.stripTrailing()).append('\n');
        }

        void blank() {
            sb.append('\n');
        }

        /** {@code s} wrapped at spaces; continuation lines start with {@code indent}. */
        void wrapped(String s, String indent) {
            if (s.length() <= WIDTH) {
                line(s);
                return;
            }
            String lead = s.substring(0, s.length() - s.stripLeading().length());
            List<String> words = wrap(s.strip(), WIDTH - Math.max(lead.length(), indent.length()));
            List<String> first = hardCut(words.get(0), WIDTH - lead.length());
            line(lead + first.get(0));
            first.subList(1, first.size()).forEach(piece -> line(indent + piece));
            for (String w : words.subList(1, words.size())) {
                for (String piece : hardCut(w, WIDTH - indent.length())) {
                    line(indent + piece);
                }
            }
        }

        private static List<String> hardCut(String s, int width) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < s.length(); i += width) {
                out.add(s.substring(i, Math.min(s.length(), i + width)));
            }
            return out;
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
