package dev.kfit.report;


import dev.kfit.verdict.Verdict;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * junit.xml for CI servers (Jenkins, GitLab): one test case per cell. A kernel finding (the
 * unbind blocked or hung, a crash: {@link Verdict#isFinding()}) is a failure, kfit's own error
 * (INFRA_ERROR, CHECKER_ERROR: {@link Verdict#isKfitError()}) is an error, and the splats'
 * console excerpts go in the body so the CI page shows them.
 */
public final class JunitReport {
    private JunitReport() {
    }

    public static String render(Results results) {
        List<CellResult> cells = results.cells();
        long failures = cells.stream().filter(c -> Verdict.isFinding(c.verdict())).count();
        long errors = cells.stream().filter(c -> Verdict.isKfitError(c.verdict())).count();
        double time = cells.stream().mapToDouble(CellResult::durationS).sum();
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append(String.format(Locale.ROOT, "<testsuite name=\"kfit\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">%n",
                cells.size(), failures, errors, time));
        for (CellResult c : cells) {
            x.append(String.format(Locale.ROOT, "  <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">%n",
                    esc("kfit." + c.kernel()), esc(c.scenario() + ".r" + c.repetition()), c.durationS()));
            String summary = c.verdict() + " on " + c.kernel() + " (" + c.kernelVersion() + ")"
                    + (c.unbindMs() != null ? String.format(Locale.ROOT, ", unbind %.0f ms", c.unbindMs()) : "");
            if (Verdict.isKfitError(c.verdict())) {
                x.append("    <error message=\"").append(esc(summary)).append("\" type=\"").append(esc(c.verdict())).append("\">")
                        .append(esc(String.valueOf(c.error()))).append("</error>\n");
            } else if (Verdict.isFinding(c.verdict())) {
                x.append("    <failure message=\"").append(esc(summary)).append("\" type=\"").append(c.verdict()).append("\">");
                for (CellResult.SplatResult s : c.splats()) {
                    x.append(esc(s.type() + ": " + s.title() + "\n" + s.excerpt() + "\n\n"));
                }
                x.append("</failure>\n");
            }
            x.append("    <system-out>").append(esc("console: " + c.console() + "\nhistory: " + c.history()))
                    .append("</system-out>\n");
            x.append("  </testcase>\n");
        }
        return x.append("</testsuite>\n").toString();
    }

    public static void write(Results results, Path file) {
        ReportFiles.writeAtomically(file, render(results));
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
}
