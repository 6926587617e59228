package dev.kfit.report;

import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * junit.xml for CI servers (Jenkins, GitLab): one test suite per kernel, one test case per cell.
 *
 * <ul>
 *   <li>A kernel finding ({@link Verdict#isFinding()}: the unbind blocked or hung, a crash) is a
 *       {@code <failure>}; kfit's own error ({@link Verdict#isKfitError()}: INFRA_ERROR, CHECKER_ERROR)
 *       an {@code <error>}, never a failure; a verdict this kfit does not know an {@code <error>} too
 *       (it cannot say the kernel passed). Other kernel verdicts pass.</li>
 *   <li>The verdict and every measurement are in the failure's or error's body as well as its
 *       message: GitLab shows only the body. A passing case says them in its system-out.</li>
 *   <li>The case's system-out links the console logs and the history as
 *       {@code [[ATTACHMENT|path]]} lines (Jenkins' attachments plugin and GitLab turn them into
 *       links): absolute paths when the run directory is known ({@link #write}), else as results.json
 *       records them, relative to the run directory.</li>
 *   <li>A cell run more than once (an INFRA_ERROR is retried) is shown as Surefire shows a rerun
 *       test: when a later attempt reached a kernel verdict, each earlier attempt is a
 *       {@code <flakyError>} (it did not recur); when every attempt was kfit's error, the
 *       {@code <error>} is the last attempt's and the earlier ones are {@code <rerunError>}.
 *       results.json keeps only the last attempt, so the earlier ones' own errors are in the run's log.</li>
 * </ul>
 *
 * <p>The class name is {@code kfit.kernel_<label>} with every character of the kernel label other
 * than a letter, digit or '_' replaced by '_' (6.12-series: {@code kfit.kernel_6_12_series}): one
 * dot only, so Jenkins, which splits a class name at its last dot into package and class, shows
 * package kfit and the kernel as the class, and GitLab, which shows the class name as the suite,
 * groups by kernel. Two labels that would read the same get _2, _3... after the later ones.
 */
public final class JunitReport {
    private JunitReport() {
    }

    /** The report with attachment paths as results.json records them (relative to the run directory). */
    public static String render(Results results) {
        return render(results, null);
    }

    /** @param runDir the run directory, to give attachments as absolute paths; null to keep them relative */
    public static String render(Results results, Path runDir) {
        Path dir = runDir == null ? null : runDir.toAbsolutePath().normalize();
        Map<String, String> classOf = classNames(results);
        Map<String, List<CellResult>> byKernel = new LinkedHashMap<>();
        classOf.keySet().forEach(k -> byKernel.put(k, new ArrayList<>()));
        results.cells().forEach(c -> byKernel.get(c.kernel()).add(c));
        byKernel.values().removeIf(List::isEmpty);

        List<CellResult> all = results.cells();
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<testsuites name=\"kfit\"").append(counts(all)).append(">\n");
        for (Map.Entry<String, List<CellResult>> e : byKernel.entrySet()) {
            String classname = classOf.get(e.getKey());
            x.append("  <testsuite name=\"").append(attr(classname)).append('"').append(counts(e.getValue())).append(">\n");
            x.append("    <properties>\n");
            property(x, "kernel", e.getKey());
            results.run().kernels().stream().filter(k -> k.label().equals(e.getKey())).findFirst().ifPresent(k -> {
                property(x, "kernel_version", k.kernelVersion());
                property(x, "kernel_source", k.source());
                property(x, "patches", String.join(" ", k.patches()));
            });
            property(x, "spec", results.run().spec());
            property(x, "accel", results.run().accel());
            x.append("    </properties>\n");
            for (CellResult c : e.getValue()) {
                testcase(x, classname, c, dir);
            }
            x.append("  </testsuite>\n");
        }
        return x.append("</testsuites>\n").toString();
    }

    private static void testcase(StringBuilder x, String classname, CellResult c, Path dir) {
        x.append(String.format(Locale.ROOT, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">%n",
                attr(classname), attr(c.scenario() + ".r" + c.repetition()), c.durationS()));
        Verdict v = Verdict.of(c.verdict());
        String summary = summary(c);
        String body = body(c, v);
        int earlier = Math.max(0, c.attempts() - 1);
        if (v == null || v.isKfitError()) {
            x.append("      <error message=\"").append(attr(summary)).append("\" type=\"").append(attr(c.verdict())).append("\">")
                    .append(esc(body)).append("</error>\n");
            for (int i = 1; i <= earlier; i++) {
                rerun(x, "rerunError", c, i);
            }
        } else {
            if (v.isFinding()) {
                x.append("      <failure message=\"").append(attr(summary)).append("\" type=\"").append(attr(c.verdict())).append("\">")
                        .append(esc(body)).append("</failure>\n");
            }
            for (int i = 1; i <= earlier; i++) {
                rerun(x, "flakyError", c, i);
            }
        }
        StringBuilder out = new StringBuilder(summary).append('\n');
        for (String file : attachments(c)) {
            out.append("[[ATTACHMENT|").append(dir == null ? file : dir.resolve(file).normalize().toString()).append("]]\n");
        }
        x.append("      <system-out>").append(esc(out.toString())).append("</system-out>\n");
        x.append("    </testcase>\n");
    }

    /** One earlier attempt, as Surefire writes a rerun: its kind, a message, and what we know of it. */
    private static void rerun(StringBuilder x, String element, CellResult c, int attempt) {
        String message = "attempt " + attempt + " of " + c.attempts() + ": " + Verdict.INFRA_ERROR.name() + ", run again";
        x.append("      <").append(element).append(" message=\"").append(attr(message)).append("\" type=\"")
                .append(Verdict.INFRA_ERROR.name()).append("\"><stackTrace>")
                .append(esc(message + " (kfit's own error, not the kernel's; results.json keeps only the last attempt,"
                        + " the earlier ones' errors are in the run's log)"))
                .append("</stackTrace></").append(element).append(">\n");
    }

    /** One line: the verdict, the kernel and the measurements. */
    static String summary(CellResult c) {
        StringBuilder s = new StringBuilder(c.verdict()).append(" on ").append(c.kernel());
        if (c.kernelVersion() != null) {
            s.append(" (").append(c.kernelVersion()).append(')');
        }
        List<Measurement> m = c.measured();
        if (!m.isEmpty()) {
            s.append(": ").append(String.join(", ", m.stream().map(x -> x.name() + " " + ReportFiles.value(x)).toList()));
        }
        if (c.attempts() > 1) {
            s.append(" (after ").append(c.attempts()).append(" attempts)");
        }
        return s.toString();
    }

    /** What a failure's or error's body says: verdict, kernel, measurements, attempts, then the splats and kfit's error. */
    private static String body(CellResult c, Verdict v) {
        StringBuilder b = new StringBuilder();
        b.append("verdict: ").append(c.verdict()).append(v == null ? " (not a verdict this kfit knows)"
                : v.isFinding() ? " (a kernel finding)" : v.isKfitError() ? " (kfit's own error, not the kernel's)" : "").append('\n');
        b.append("kernel: ").append(c.kernel());
        if (c.kernelVersion() != null) {
            b.append(' ').append(c.kernelVersion());
        }
        if (c.kernelSource() != null) {
            b.append(" from ").append(c.kernelSource());
        }
        b.append('\n');
        if (c.patches() != null && !c.patches().isEmpty()) {
            b.append("patches: ").append(String.join(", ", c.patches())).append('\n');
        }
        b.append("scenario: ").append(c.scenario()).append(", repetition ").append(c.repetition())
                .append(", attempts ").append(c.attempts()).append('\n');
        List<Measurement> measured = c.measured();
        b.append("measurements:").append(measured.isEmpty() ? " none\n" : "\n");
        for (Measurement m : measured) {
            b.append("  ").append(m.name()).append(" = ").append(ReportFiles.value(m))
                    .append(String.format(Locale.ROOT, " (%s %s)", plain(m.value()), m.unit())).append('\n');
        }
        for (CellResult.SplatResult s : c.splats()) {
            b.append('\n').append(s.type()).append(" on ").append(s.guest()).append(": ").append(s.title()).append('\n')
                    .append(s.excerpt() == null ? "" : s.excerpt()).append('\n');
        }
        if (c.error() != null) {
            b.append("\nerror: ").append(c.error()).append('\n');
        }
        return b.toString();
    }

    /** The files to link, relative to the run directory: the console of each guest, then the history. */
    private static List<String> attachments(CellResult c) {
        Set<String> files = new LinkedHashSet<>();
        if (c.console() != null) {
            files.add(c.console());
        }
        if (c.consoles() != null) {
            files.addAll(c.consoles().values());
        }
        if (c.history() != null) {
            files.add(c.history());
        }
        return List.copyOf(files);
    }

    /** Each kernel label's class name (see the class comment), in the order the run lists the kernels. */
    static Map<String, String> classNames(Results results) {
        Set<String> labels = new LinkedHashSet<>();
        results.run().kernels().forEach(k -> labels.add(k.label()));
        results.cells().forEach(c -> labels.add(c.kernel()));
        Map<String, String> names = new LinkedHashMap<>();
        Set<String> taken = new HashSet<>();
        for (String label : labels) {
            String base = "kfit.kernel_" + String.valueOf(label).replaceAll("[^A-Za-z0-9_]", "_");
            String name = base;
            for (int n = 2; !taken.add(name); n++) {
                name = base + "_" + n;
            }
            names.put(label, name);
        }
        return names;
    }

    private static String counts(List<CellResult> cells) {
        long failures = cells.stream().filter(c -> Verdict.isFinding(c.verdict())).count();
        long errors = cells.stream().filter(c -> Verdict.of(c.verdict()) == null || Verdict.isKfitError(c.verdict())).count();
        double time = cells.stream().mapToDouble(CellResult::durationS).sum();
        return String.format(Locale.ROOT, " tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"%.3f\"",
                cells.size(), failures, errors, time);
    }

    private static void property(StringBuilder x, String name, String value) {
        if (value != null) {
            x.append("      <property name=\"").append(attr(name)).append("\" value=\"").append(attr(value)).append("\"/>\n");
        }
    }

    public static void write(Results results, Path file) {
        ReportFiles.writeAtomically(file, render(results, file.toAbsolutePath().normalize().getParent()));
    }

    /** An attribute value: escaped, with line breaks and tabs as references so parsers keep them. */
    static String attr(String s) {
        return esc(s).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;");
    }

    /** XML-escapes text, dropping characters XML 1.0 cannot carry (consoles hold control bytes). */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD)
                            || cp >= 0x10000) {
                        b.appendCodePoint(cp);
                    }
                }
            }
        });
        return b.toString();
    }

    /** A measurement's value as recorded, without binary noise or exponent. */
    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
