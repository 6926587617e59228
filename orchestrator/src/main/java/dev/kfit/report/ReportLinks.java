package dev.kfit.report;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Links from report.html to a run's files. results.json names them relative to the run directory,
 * where report.html is written, so the hrefs are those paths as relative URLs: the page works opened
 * from disk, copied elsewhere with its directory, or served.
 */
final class ReportLinks {
    private ReportLinks() {
    }

    /**
     * A path from results.json as an href: each segment percent-encoded (a cell id may hold characters a
     * URL gives meaning to); an absolute path, which older runs could hold, as a file: URL.
     */
    static String href(String path) {
        StringBuilder b = new StringBuilder(path.startsWith("/") ? "file://" : "");
        for (byte x : path.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "/-._~".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }

    /** {@code <a href="path">label</a>}, escaped. */
    static String a(String path, String label) {
        return "<a href=\"" + HtmlReport.esc(href(path)) + "\">" + HtmlReport.esc(label) + "</a>";
    }

    /**
     * A cell's files: each guest's console, the history (host and guest events in time order) and the
     * cell's directory (QEMU logs and the rest).
     */
    static List<String> cellFiles(CellResult c) {
        List<String> links = new ArrayList<>();
        Map<String, String> consoles = c.consoles();
        if (consoles != null && !consoles.isEmpty()) {
            consoles.forEach((guest, path) -> links.add(a(path, consoles.size() == 1 ? "console" : "console " + guest)));
        } else if (c.console() != null) {
            links.add(a(c.console(), "console"));
        }
        if (c.history() != null) {
            links.add(a(c.history(), "history (events)"));
            int slash = c.history().lastIndexOf('/');
            if (slash > 0) {
                links.add(a(c.history().substring(0, slash + 1), "directory"));
            }
        }
        return links;
    }
}
