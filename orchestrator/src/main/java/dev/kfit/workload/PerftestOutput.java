package dev.kfit.workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * perftest's text output (ib_write_bw, ib_read_bw; Debian's 4.5+0.17), parsed. Pure: lines in, facts out.
 *
 * <p>What perftest prints, and what kfit reads from it:
 * <ul>
 *   <li>The server: a banner ("Waiting for client to connect..."), then, once a client connected,
 *       {@code allocated mmap buffer of size N at ADDR} (the P2P file mapped; printed <em>before</em>
 *       {@code ibv_reg_mr}), the test header, and {@code local address: ... RKey ... VAddr ...}, printed
 *       once the memory region exists: that line is the registration. A refused registration prints
 *       {@code Couldn't allocate MR} (and more) and exits 1 before any local address.</li>
 *   <li>The result header {@code #bytes #iterations BW peak[MB/sec] BW average[MB/sec] MsgRate[Mpps]}
 *       and result lines under it: five numbers. "MB/sec" is MiB/s (perftest divides by 0x100000);
 *       {@code --report_gbits} would print Gb/sec (10^9 bit/s).</li>
 *   <li>Errors on stderr: "Completion with error at client", "Failed status 12: ...", "Couldn't ...",
 *       "Unable to ...", "Failed to ...", "... failed", "aborting".</li>
 * </ul>
 *
 * <h2>When a result's interval ran</h2>
 * With {@code --run_infinitely -D 1} the client reports from its SIGALRM handler: the handler stops
 * the window ({@code tcompleted}), spends 0.2-0.9 s re-measuring the CPU clock
 * ({@code get_cpu_mhz} busy-waits 200 samples), prints the line, then starts the next window
 * ({@code tposted}). So windows are one nominal second long and separated by dead time in which
 * nothing is posted; lines arrive every 1.4-1.9 s in a TCG guest. A line therefore says when the
 * <em>next</em> window began, not when its own ended: result k's window is
 * [printed(k-1), printed(k-1) + L(k)], where L(k) = bytes x iterations / average (perftest's own
 * measurement, ~1.006 s) and printed(0) is the result header, printed just before the first window.
 * Its end never passes printed(k). A result with no traffic has no average: L is the nominal interval.
 *
 * <p>Two shapes of timestamps ({@link Timing}): {@code FLUSHED} when perftest's stdout is line
 * buffered (kfit runs it under {@code stdbuf -oL}), so each line is read the moment it is printed;
 * {@code LAGGED} when stdout is a fully buffered pipe: perftest {@code fflush}es after a result's
 * numbers but prints its newline afterwards, so that newline leaves with the next report and a
 * line-based reader completes each line one report late. Then printed(k) is the time the line
 * <em>before</em> result k was seen, and the first window's start is unknown (its end is then taken
 * as printed(1), late by the dead time). A last line without a newline counts once it is seen.
 */
public final class PerftestOutput {
    /** perftest's "MB/sec": bytes per second per unit. */
    public static final double MIB = 1024 * 1024;
    /** {@code --report_gbits}: 10^9 bits per second, in bytes. */
    public static final double GBIT = 125_000_000;

    private static final String NUM = "(\\d+(?:\\.\\d+)?)";
    private static final Pattern RESULT = Pattern.compile("^\\s*(\\d+)\\s+(\\d+)\\s+" + NUM + "\\s+" + NUM + "\\s+" + NUM + "(?:\\s.*)?$");
    private static final Pattern HEADER = Pattern.compile("#bytes\\s+#iterations\\s+BW peak\\[(MB|Gb)/sec\\]");
    private static final Pattern STAMPED = Pattern.compile("^(\\d+)(?:\\.(\\d{1,9}))? (.*)$", Pattern.DOTALL);
    private static final Pattern ERROR = Pattern.compile(
            "(?i)(\\berror\\b|\\bfail(ed|ure)?\\b|couldn't|could not|\\bunable\\b|\\babort(ing|ed)?\\b)");
    /** Errors that mean an operation of the traffic failed (perftest stops at the first). */
    private static final Pattern COMPLETION = Pattern.compile(
            "(?i)(completion with error|couldn't post send|poll cq failed|poll recieve cq failed|poll receive cq failed)");

    /** How the lines' times relate to perftest's prints; see the class comment. */
    public enum Timing { FLUSHED, LAGGED }

    /** One line and when it was read (guest CLOCK_MONOTONIC ns), null if not known. */
    public record Line(Long seenNs, String text) {
        /**
         * A line as kfit's wrapper writes it, {@code "<ns> <text>"}; a stamp with a fraction is taken
         * as seconds ({@code "1795607121.652 <text>"}). Without a stamp: the whole line, no time.
         */
        public static Line stamped(String raw) {
            Matcher m = STAMPED.matcher(raw);
            if (!m.matches()) {
                return new Line(null, raw);
            }
            long ns;
            if (m.group(2) == null) {
                ns = Long.parseLong(m.group(1));
            } else {
                String frac = (m.group(2) + "000000000").substring(0, 9);
                ns = Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(frac);
            }
            return new Line(ns, m.group(3));
        }
    }

    /**
     * One result line.
     *
     * @param bwPeak    BW peak in the header's unit (MB/sec = MiB/s)
     * @param bwAverage BW average in the header's unit
     * @param seenNs    when the line was read
     * @param startNs   when its window began, null if not known
     * @param endNs     when its window ended (see the class comment), null without times
     * @param seconds   the window's length as perftest measured it (nominal if it moved nothing)
     */
    public record Result(long bytes, long iterations, double bwPeak, double bwAverage, double msgRateMpps,
                         Long seenNs, Long startNs, Long endNs, double seconds) {
        public long totalBytes() {
            return bytes * iterations;
        }
    }

    /**
     * An error line.
     *
     * @param completion it reports a failed operation of the traffic (not setup or teardown)
     * @param afterHeader printed after the result header, i.e. while the traffic ran or when it ended
     */
    public record Problem(Long seenNs, String text, boolean completion, boolean afterHeader) {
    }

    private final List<Line> lines;
    private final List<Result> results;
    private final List<Problem> errors;
    private final double unitBytes;
    private final Line mapped;
    private final Line registered;
    private final Line header;

    private PerftestOutput(List<Line> lines, List<Result> results, List<Problem> errors, double unitBytes,
                           Line mapped, Line registered, Line header) {
        this.lines = List.copyOf(lines);
        this.results = List.copyOf(results);
        this.errors = List.copyOf(errors);
        this.unitBytes = unitBytes;
        this.mapped = mapped;
        this.registered = registered;
        this.header = header;
    }

    /** Parses lines without times (a plain capture). */
    public static PerftestOutput parseText(String text) {
        List<Line> ls = new ArrayList<>();
        for (String l : text.split("\n", -1)) {
            ls.add(new Line(null, l));
        }
        if (text.endsWith("\n")) {
            ls.remove(ls.size() - 1);
        }
        return parse(ls, Timing.FLUSHED, 1.0);
    }

    /**
     * @param nominalSeconds the interval perftest was asked for ({@code -D}), for results without traffic
     */
    public static PerftestOutput parse(List<Line> lines, Timing timing, double nominalSeconds) {
        List<Result> results = new ArrayList<>();
        List<Problem> errors = new ArrayList<>();
        double unit = MIB;
        Line mapped = null;
        Line registered = null;
        Line header = null;
        Long prevPrinted = null;
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            String t = line.text();
            Matcher h = HEADER.matcher(t);
            if (h.find()) {
                if (header == null) {
                    header = line;
                    unit = h.group(1).equals("Gb") ? GBIT : MIB;
                    prevPrinted = timing == Timing.FLUSHED ? line.seenNs() : null;
                }
                continue;
            }
            Matcher r = RESULT.matcher(t);
            if (r.matches()) {
                long bytes = Long.parseLong(r.group(1));
                long iters = Long.parseLong(r.group(2));
                double peak = Double.parseDouble(r.group(3));
                double avg = Double.parseDouble(r.group(4));
                double rate = Double.parseDouble(r.group(5));
                double seconds = avg > 0 && iters > 0 ? bytes * (double) iters / (avg * unit) : nominalSeconds;
                Long printed = timing == Timing.FLUSHED ? line.seenNs() : i > 0 ? lines.get(i - 1).seenNs() : null;
                Long start = prevPrinted;
                Long end;
                if (start != null) {
                    end = start + Math.round(seconds * 1e9);
                    if (printed != null && end > printed) {
                        end = printed;
                    }
                } else {
                    end = printed;
                }
                results.add(new Result(bytes, iters, peak, avg, rate, line.seenNs(), start, end, seconds));
                prevPrinted = printed;
                continue;
            }
            if (t.startsWith("allocated mmap buffer") && mapped == null) {
                mapped = line;
            } else if (t.strip().startsWith("local address:") && registered == null) {
                registered = line;
            } else if (ERROR.matcher(t).find()) {
                errors.add(new Problem(line.seenNs(), t.strip(), COMPLETION.matcher(t).find(), header != null));
            }
        }
        return new PerftestOutput(lines, results, errors, unit, mapped, registered, header);
    }

    public List<Line> lines() {
        return lines;
    }

    public List<Result> results() {
        return results;
    }

    public List<Problem> errors() {
        return errors;
    }

    /** Bytes per second in one unit of the BW columns. */
    public double unitBytes() {
        return unitBytes;
    }

    /** The P2P file was mapped ({@code allocated mmap buffer}; the registration comes right after). */
    public Optional<Line> mapped() {
        return Optional.ofNullable(mapped);
    }

    /** The memory region exists: the first {@code local address:} line. */
    public Optional<Line> registered() {
        return Optional.ofNullable(registered);
    }

    /** The result header: the traffic starts right after it (the first window's {@code tposted}). */
    public Optional<Line> header() {
        return Optional.ofNullable(header);
    }

    /** Failed operations of the traffic (a completion with error, a failed post or poll). */
    public long completionErrors() {
        return errors.stream().filter(Problem::completion).count();
    }

    /**
     * The first error of the traffic: perftest's "Failed status N: ..." line if there is one (it has the
     * work completion status), else the first error line printed after the result header.
     */
    public Optional<Problem> firstTrafficError() {
        List<Problem> during = errors.stream().filter(Problem::afterHeader).toList();
        if (during.isEmpty()) {
            return Optional.empty();
        }
        Problem first = during.get(0);
        return during.stream().filter(p -> p.text().startsWith("Failed status"))
                .findFirst()
                .map(p -> new Problem(first.seenNs(), p.text(), true, true))
                .or(() -> Optional.of(first));
    }

    /** The first line after the result header that is not a result: how the run ended, if it said. */
    public Optional<Line> firstLineAfterResults() {
        if (header == null) {
            return Optional.empty();
        }
        boolean after = false;
        for (Line l : lines) {
            if (l == header) {
                after = true;
                continue;
            }
            if (after && !l.text().isBlank() && !RESULT.matcher(l.text()).matches()) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** Result lines carry MB/s in perftest's unit; this is 10^6 bytes per second. */
    public double megabytesPerSecond(Result r) {
        return r.bwAverage() * unitBytes / 1e6;
    }
}
