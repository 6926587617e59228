package dev.kfit.monitor;

import dev.kfit.monitor.ReportKind.Culprit;
import dev.kfit.monitor.ReportKind.End;
import dev.kfit.monitor.ReportKind.Head;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the kernel reports ("splats") in a captured serial console and classifies them.
 *
 * <p>The kinds of report are the rows of {@link ReportKind#TABLE}: each says how a report starts,
 * how its title is made and which frames to skip. A title names the kind of report and the code at
 * fault, not the helper that noticed (a refcount warning is "WARNING: refcount bug in" its caller),
 * with addresses, pids, CPU numbers, durations and "+0x12/0x40" offsets left out, so that the same
 * bug seen in two runs gets the same title.
 *
 * <p>A report whose log was cut (the console ends, or the machine reboots, before its stack did)
 * or interleaved (another report starts inside it) is {@linkplain Splat#corrupted() corrupted}: it
 * keeps the title it gives, but that title may name the wrong function.
 *
 * <p>When the console carries printk timestamps, lines without one are user space writing to
 * the console (e.g. "kfit-init: ready"): they are never taken for kernel reports, never end
 * one and are left out of excerpts, so scary words printed by a test program cannot raise a
 * finding and interleaved output cannot cut a report short.
 */
public final class ConsoleParser {

    /** Excerpts are for people and bug reports; longer reports (lockdep) are cut here. */
    public static final int MAX_EXCERPT_LINES = 80;

    /** How far past its first line a report is followed; a report whose end was lost is corrupted there. */
    private static final int MAX_REPORT_LINES = 300;

    /** An "Oops:" line this close after a BUG line is that BUG's own oops line, not a new report. */
    private static final int OOPS_AFTER_BUG_LINES = 30;

    // "[   12.345678] " and, with CONFIG_PRINTK_CALLER, "[   12.345678][    T1] ".
    private static final Pattern PRINTK_PREFIX =
            Pattern.compile("^\\[\\s*(\\d+\\.\\d+)\\](?:\\[\\s*[CT]\\d+\\])? ?");
    // The same, inside a line: user space printed without a newline just before the kernel did.
    private static final Pattern EMBEDDED_PREFIX =
            Pattern.compile("\\[\\s*\\d+\\.\\d{6}\\](?:\\[\\s*[CT]\\d+\\])? ?");

    // Lines that bound reports.
    private static final Pattern CUT_HERE = Pattern.compile("^-+\\[ cut here \\]-+$");
    private static final Pattern SEPARATOR = Pattern.compile("^={10,}$");
    private static final Pattern END_MARKER = Pattern.compile("^---\\[ end ");
    private static final Pattern STACK_MARKER = Pattern.compile("^</?(?:TASK|IRQ|NMI|SOFTIRQ|EOI)>$");
    private static final Pattern REGISTERS = Pattern.compile(
            "^(?:RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\\d+|FS|GS|CS|DS|ES|CR\\d|DR\\d|Code|PKRU"
                    + "|ORIG_RAX|EFLAGS)[:\\s]");

    // Stack contents. A frame is " name+0xOFF/0xLEN", maybe "? "-prefixed (unreliable), maybe
    // "[<address>] "-prefixed (print_ip_sym), maybe followed by " [module]"; without kallsyms it
    // is a bare address (" 0xffffffffc0a01234", " ? 0x0"), which names nothing but is still a frame.
    private static final Pattern FRAME = Pattern.compile(
            "^(?:\\[<[0-9a-f]+>\\] )?(\\? )?(?:([\\w.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+|0x[0-9a-f]+)(?:\\s.*)?$");
    private static final Pattern RIP = Pattern.compile("^RIP: [0-9a-f]{4}:([\\w.$]+)\\+0x[0-9a-f]+/0x");
    private static final Pattern LOCK_AT =
            Pattern.compile("\\bat: (?:\\[<[0-9a-f]+>\\] )?([\\w.$]+)\\+0x[0-9a-f]+/0x");
    // Where lockdep's header part (whose "at:" lines name the locking functions) ends.
    private static final Pattern LOCKDEP_HEADER_END = Pattern.compile(
            "^(?:the existing dependency chain|other info that might help|stack backtrace:"
                    + "|\\d+ locks? held by|no locks held by|Call Trace:)|state was registered at:");
    // Where lockdep's held-lock list ends.
    private static final Pattern HELD_LOCKS_END = Pattern.compile("^(?:stack backtrace:|Call Trace:)");
    private static final Pattern TASK_STATE = Pattern.compile("^task:.* state:(\\S+)");
    private static final Pattern TASK_DUMP = Pattern.compile("^task:\\S");
    private static final Pattern SYMBOL = Pattern.compile("^([\\w.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+");
    private static final Pattern BARE_NAME = Pattern.compile("[A-Za-z_][\\w.$]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{( ?)(\\w+)\\}");

    private ConsoleParser() {
    }

    /**
     * Every report in {@code consoleText}, in console order; a report printed again (a hung task every
     * check interval) is there each time, with count 1: {@link #distinct} merges them.
     */
    public static List<Splat> parse(String consoleText) {
        Objects.requireNonNull(consoleText, "consoleText");
        List<Line> lines = split(consoleText);
        boolean stamped = lines.stream().anyMatch(Line::kernel);

        // Pass 1: the first line of each report.
        List<Integer> at = new ArrayList<>();
        List<Head> heads = new ArrayList<>();
        int openBug = -1; // a BUG line whose own "Oops:" line may still follow
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            if (stamped && !line.kernel()) {
                continue;
            }
            Head head = ReportKind.detect(line.body());
            if (head == null) {
                String b = line.body().strip();
                if (openBug >= 0 && (b.startsWith("Call Trace:") || b.equals("</TASK>")
                        || END_MARKER.matcher(b).find())) {
                    openBug = -1;
                }
                continue;
            }
            if (head.kind().type() == SplatType.OOPS && openBug >= 0 && i - openBug <= OOPS_AFTER_BUG_LINES) {
                openBug = -1; // "BUG: kernel NULL pointer dereference" then "Oops: 0000 [#1]": one report
                continue;
            }
            at.add(i);
            heads.add(head);
            openBug = head.kind().oopsFollows() ? i : -1;
        }

        // Pass 2: where each report starts and ends; a report never runs into the next one.
        int n = at.size();
        int[] starts = new int[n];
        for (int k = 0; k < n; k++) {
            starts[k] = startOf(lines, at.get(k), k == 0 ? 0 : at.get(k - 1) + 1, stamped);
        }
        List<Splat> splats = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            int limit = k + 1 < n ? starts[k + 1] - 1 : lines.size() - 1;
            Bounds bounds = endOf(lines, at.get(k), limit, stamped, heads.get(k).kind());
            List<Line> report = new ArrayList<>();
            for (int j = starts[k]; j <= bounds.last(); j++) {
                if (!stamped || lines.get(j).kernel()) {
                    report.add(lines.get(j));
                }
            }
            splats.add(toSplat(heads.get(k), report, !bounds.complete()));
        }
        return splats;
    }

    /**
     * Reports in {@code file} from byte {@code fromOffset} on. If the offset falls inside a line,
     * that partial line is skipped (it cannot be read correctly). Bytes that are not UTF-8 become
     * U+FFFD; a last line without its newline (the VM was killed mid-write) is still read.
     */
    public static List<Splat> parse(Path file, long fromOffset) throws IOException {
        if (fromOffset < 0) {
            throw new IllegalArgumentException("negative offset " + fromOffset);
        }
        byte[] bytes;
        boolean midLine = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (fromOffset >= channel.size()) {
                return List.of();
            }
            if (fromOffset > 0) {
                ByteBuffer previous = ByteBuffer.allocate(1);
                channel.read(previous, fromOffset - 1);
                midLine = previous.get(0) != '\n';
            }
            channel.position(fromOffset);
            InputStream in = Channels.newInputStream(channel);
            bytes = in.readAllBytes();
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (midLine) {
            int nl = text.indexOf('\n');
            text = nl < 0 ? "" : text.substring(nl + 1);
        }
        return parse(text);
    }

    /**
     * One splat per (type, title), in the order of their first print, each with how many times it was
     * printed: a hung task reported every 5 s is one finding with a count. Its excerpt and timestamp
     * are those of the first print that is not corrupted (of the first print if all are). A corrupted
     * print whose culprit was lost ("... in unknown": the console ended in the middle of the last
     * repeat) counts towards the splat whose title it starts, when there is one.
     */
    public static List<Splat> distinct(List<Splat> splats) {
        Map<String, List<Splat>> groups = new LinkedHashMap<>();
        for (Splat s : splats) {
            groups.computeIfAbsent(s.type() + "\t" + s.title(), k -> new ArrayList<>()).add(s);
        }
        for (Splat s : splats) {
            String key = s.type() + "\t" + s.title();
            String suffix = " in unknown";
            if (!s.corrupted() || !s.title().endsWith(suffix) || !groups.containsKey(key)) {
                continue;
            }
            String prefix = key.substring(0, key.length() - suffix.length()) + " in ";
            for (Map.Entry<String, List<Splat>> e : groups.entrySet()) {
                if (!e.getKey().equals(key) && e.getKey().startsWith(prefix)
                        && e.getValue().stream().anyMatch(x -> !x.corrupted())) {
                    e.getValue().add(s);
                    groups.get(key).remove(s);
                    break;
                }
            }
        }
        List<Splat> out = new ArrayList<>();
        for (List<Splat> group : groups.values()) {
            if (group.isEmpty()) {
                continue;
            }
            Splat first = group.stream().filter(s -> !s.corrupted()).findFirst().orElse(group.get(0));
            int count = group.stream().mapToInt(Splat::count).sum();
            boolean corrupted = group.stream().allMatch(Splat::corrupted);
            out.add(new Splat(first.type(), first.title(), first.excerpt(), first.timestamp(), count, corrupted));
        }
        return List.copyOf(out);
    }

    // ---------------------------------------------------------------- lines

    /** text: the line as kept in excerpts; body: after the printk prefix; kernel: had a prefix. */
    private record Line(String text, String body, double time, boolean kernel) {
    }

    private static List<Line> split(String text) {
        List<Line> lines = new ArrayList<>();
        int pos = 0;
        int len = text.length();
        while (pos < len) {
            int nl = text.indexOf('\n', pos);
            int stop = nl < 0 ? len : nl;
            int end = stop;
            while (end > pos && text.charAt(end - 1) == '\r') {
                end--; // serial consoles send CR LF
            }
            lines.add(toLine(text.substring(pos, end)));
            pos = stop + 1;
        }
        return lines;
    }

    private static Line toLine(String raw) {
        Matcher m = PRINTK_PREFIX.matcher(raw);
        if (m.find()) {
            return new Line(raw, raw.substring(m.end()), Double.parseDouble(m.group(1)), true);
        }
        Matcher e = EMBEDDED_PREFIX.matcher(raw);
        if (e.find()) {
            String kernelPart = raw.substring(e.start());
            Matcher p = PRINTK_PREFIX.matcher(kernelPart);
            if (p.find()) {
                return new Line(kernelPart, kernelPart.substring(p.end()),
                        Double.parseDouble(p.group(1)), true);
            }
        }
        return new Line(raw, raw, Double.NaN, false);
    }

    // ---------------------------------------------------------------- report bounds

    /**
     * A report's excerpt starts at its "cut here" line (which 7.x separates from the WARNING line
     * by the WARN message) or at the "=====" line right above a lockdep/KASAN header.
     */
    private static int startOf(List<Line> lines, int head, int floor, boolean stamped) {
        int seen = 0;
        for (int j = head - 1; j >= floor && seen < 3; j--) {
            Line line = lines.get(j);
            if (stamped && !line.kernel()) {
                continue;
            }
            String b = line.body().strip();
            if (CUT_HERE.matcher(b).matches()) {
                return j;
            }
            if (seen == 0 && SEPARATOR.matcher(b).matches()) {
                return j;
            }
            if (b.equals("</TASK>") || END_MARKER.matcher(b).find()) {
                break;
            }
            seen++;
        }
        return head;
    }

    /** A report's last line, and whether its end was seen (else the log was cut or interleaved). */
    private record Bounds(int last, boolean complete) {
    }

    /**
     * Where the report starting at {@code head} ends: at its "</TASK>" (and an oops' lines after it),
     * an end marker, the last frame of a trace without markers, or for {@link End#SEPARATOR} kinds the
     * closing "=====" line. Reaching {@code limit} (the next report's first line, or the console's
     * last) first means the report was cut or interleaved.
     */
    private static Bounds endOf(List<Line> lines, int head, int limit, boolean stamped, ReportKind kind) {
        int end = head;
        boolean inTrace = false;
        boolean sawFrame = false;
        boolean sawMarker = false;
        for (int j = head + 1; j <= limit; j++) {
            if (j - head >= MAX_REPORT_LINES) {
                return new Bounds(end, false);
            }
            Line line = lines.get(j);
            if (stamped && !line.kernel()) {
                continue;
            }
            String b = line.body().strip();
            if (b.startsWith("Linux version ") || CUT_HERE.matcher(b).matches()) {
                return new Bounds(end, false); // the next boot, or a report we do not classify
            }
            if (kind.end() == End.SEPARATOR) {
                if (SEPARATOR.matcher(b).matches()) {
                    return new Bounds(j, true);
                }
                end = j;
                continue;
            }
            if (END_MARKER.matcher(b).find()) {
                return new Bounds(j, true);
            }
            if (b.equals("</TASK>")) {
                int next = nextKernelLine(lines, j + 1, limit, stamped);
                if (kind.continuation() != null && next >= 0
                        && kind.continuation().matcher(lines.get(next).body().strip()).find()) {
                    // More of the same report: a lock owner and its stack, or that the owner was not found.
                    int dump = nextKernelLine(lines, next + 1, limit, stamped);
                    if (dump < 0 || !TASK_DUMP.matcher(lines.get(dump).body().strip()).find()) {
                        return new Bounds(next, true);
                    }
                    end = next;
                    j = next;
                    inTrace = false;
                    sawFrame = false;
                    sawMarker = false;
                    continue;
                }
                return new Bounds(afterTask(lines, j, limit, stamped), true);
            }
            if (STACK_MARKER.matcher(b).matches()) {
                sawMarker = true;
            } else if (b.startsWith("Call Trace:")) {
                inTrace = true;
            } else if (FRAME.matcher(b).matches()) {
                sawFrame = true;
            } else if (inTrace && sawFrame && !sawMarker && !REGISTERS.matcher(b).find()) {
                return new Bounds(end, true); // a trace without <TASK> markers (older kernels) ends at its first non-frame
            }
            end = j;
        }
        return new Bounds(end, false);
    }

    private static int nextKernelLine(List<Line> lines, int from, int limit, boolean stamped) {
        for (int j = from; j <= limit; j++) {
            if (!stamped || lines.get(j).kernel()) {
                return j;
            }
        }
        return -1;
    }

    /** After an oops' "</TASK>" come "Modules linked in:", "CR2: ..." and then its end marker. */
    private static int afterTask(List<Line> lines, int task, int limit, boolean stamped) {
        int seen = 0;
        for (int j = task + 1; j <= limit && seen < 4; j++) {
            Line line = lines.get(j);
            if (stamped && !line.kernel()) {
                continue;
            }
            String b = line.body().strip();
            if (END_MARKER.matcher(b).find()) {
                return j;
            }
            if (b.isEmpty() || ReportKind.detect(line.body()) != null || CUT_HERE.matcher(b).matches()) {
                break;
            }
            seen++;
        }
        return task;
    }

    // ---------------------------------------------------------------- titles

    private static Splat toSplat(Head head, List<Line> report, boolean corrupted) {
        ReportKind kind = head.kind();
        List<String> bodies = report.stream().map(l -> l.body().strip()).toList();
        Stack stack = Stack.of(bodies);
        String culprit = null;
        boolean file = false;
        switch (kind.culprit()) {
            case NONE -> {
            }
            case SITE -> {
                String fn = function(head.group("sym"));
                if (fn == null) {
                    fn = stack.rip();
                }
                if (fn != null) {
                    culprit = Frames.skipped(fn, kind.skip()) ? stack.culprit(false, kind.skip()) : fn;
                } else if (head.group("file") != null && kind.site() == null) {
                    // No symbols: the file is all there is (not for a helper's row: its file is the helper's).
                    culprit = head.group("file");
                    file = true;
                } else {
                    culprit = stack.culprit(false, kind.skip());
                }
            }
            case RIP_TRACE -> culprit = stack.culprit(true, kind.skip());
            case TRACE -> {
                culprit = stack.culprit(false, kind.skip());
                if (culprit == null && head.group("file") != null) {
                    culprit = head.group("file");
                    file = true;
                }
            }
            case LOCKS, HELD_LOCKS -> {
                Pattern until = kind.culprit() == Culprit.LOCKS ? LOCKDEP_HEADER_END : HELD_LOCKS_END;
                culprit = firstInteresting(lockFunctions(bodies, until), kind.skip());
                if (culprit == null) {
                    culprit = stack.culprit(false, kind.skip());
                }
            }
            default -> throw new IllegalStateException(kind.culprit().toString());
        }
        String state = null;
        for (String b : bodies) {
            Matcher s = TASK_STATE.matcher(b);
            if (s.find()) {
                state = "in state " + s.group(1);
                break;
            }
        }
        String template = file && kind.fileTitle() != null ? kind.fileTitle() : kind.title();
        String title = render(template, head, culprit == null ? "unknown" : culprit, state);
        List<String> excerpt = report.stream().limit(MAX_EXCERPT_LINES).map(Line::text).toList();
        double time = report.isEmpty() ? Double.NaN : report.get(0).time();
        return new Splat(kind.type(), title, String.join("\n", excerpt), time, 1, corrupted);
    }

    /** Fills a row's title template (see {@link ReportKind}). */
    private static String render(String template, Head head, String culprit, String state) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(2);
            String value = switch (name) {
                case "culprit" -> culprit;
                case "state" -> state;
                default -> {
                    String g = head.group(name);
                    yield g == null ? null
                            : name.equals("comm") ? normaliseComm(g)
                            : name.equals("head") ? cutHead(g)
                            : normaliseText(g);
                }
            };
            String text = value == null || value.isEmpty() ? "" : m.group(1) + value;
            m.appendReplacement(sb, Matcher.quoteReplacement(text));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The functions named by lockdep's "..., at: foo+0x12/0x40" lines, up to the line {@code until} matches. */
    private static List<String> lockFunctions(List<String> bodies, Pattern until) {
        List<String> fns = new ArrayList<>();
        for (String b : bodies.subList(Math.min(1, bodies.size()), bodies.size())) {
            if (until.matcher(b).find()) {
                break;
            }
            Matcher m = LOCK_AT.matcher(b);
            if (m.find()) {
                fns.add(normaliseFunction(m.group(1)));
            }
        }
        return fns;
    }

    /** The RIP function and the frames of a report's (first) call trace. */
    private record Stack(String rip, List<String> reliable, List<String> unreliable) {
        static Stack of(List<String> bodies) {
            String rip = null;
            for (String b : bodies) {
                Matcher m = RIP.matcher(b);
                if (m.find()) {
                    rip = normaliseFunction(m.group(1));
                    break;
                }
            }
            // Only frames from "Call Trace:" on: lockdep's dependency chains and "Preemption
            // disabled at:" come earlier and are not where the report was raised. And only up to its
            // "</TASK>": a lock owner's stack after a hung task's is someone else's.
            int from = 0;
            for (int i = 0; i < bodies.size(); i++) {
                if (bodies.get(i).startsWith("Call Trace:")) {
                    from = i;
                    break;
                }
            }
            List<String> reliable = new ArrayList<>();
            List<String> unreliable = new ArrayList<>();
            for (String b : bodies.subList(from, bodies.size())) {
                if (b.equals("</TASK>")) {
                    break;
                }
                Matcher m = FRAME.matcher(b);
                if (m.matches() && m.group(2) != null) {
                    (m.group(1) == null ? reliable : unreliable).add(normaliseFunction(m.group(2)));
                }
            }
            return new Stack(rip, reliable, unreliable);
        }

        /**
         * The first function outside the skip lists: the RIP one (if asked), else the first reliable
         * frame, else the first "?" frame (all frames are "?" with the guessing unwinder). Null if none.
         */
        String culprit(boolean useRip, Pattern skip) {
            if (useRip && rip != null && !Frames.skipped(rip, skip)) {
                return rip;
            }
            String fn = firstInteresting(reliable, skip);
            return fn != null ? fn : firstInteresting(unreliable, skip);
        }
    }

    private static String firstInteresting(List<String> functions, Pattern skip) {
        for (String fn : functions) {
            if (!Frames.skipped(fn, skip)) {
                return fn;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- normalisation

    /** "foo+0x12/0x40" (or KCSAN's bare "foo") to "foo", null if {@code symbol} is an address or null. */
    static String function(String symbol) {
        if (symbol == null) {
            return null;
        }
        Matcher m = SYMBOL.matcher(symbol);
        if (m.find()) {
            return normaliseFunction(m.group(1));
        }
        return BARE_NAME.matcher(symbol).matches() ? normaliseFunction(symbol) : null;
    }

    /** Drops compiler clone suffixes (".isra.0", ".constprop.0", ".cold", ".part.0"): C names have no dot. */
    private static String normaliseFunction(String fn) {
        int dot = fn.indexOf('.');
        return dot > 0 ? fn.substring(0, dot) : fn;
    }

    /**
     * Kernel threads carry a CPU or IRQ number in the comm ("kworker/u8:1", "irq/24-pciehp"): the
     * numbers vary between boots, the rest tells which thread it is ("kworker/uN:N", "irq/N-pciehp").
     */
    private static String normaliseComm(String comm) {
        String c = comm.strip();
        return c.indexOf('/') > 0 ? c.replaceAll("\\d+", "N") : c;
    }

    private static final Pattern HEAD_CUT = Pattern.compile("[:,!{\\[]| (?:at|for|in|on) | - ");

    /** "scheduling while atomic: sh/68/0x00000002" to "scheduling while atomic". */
    private static String cutHead(String text) {
        Matcher m = HEAD_CUT.matcher(text);
        return normaliseText(m.find() ? text.substring(0, m.start()) : text);
    }

    /** Removes what differs between runs from free text: numbers, addresses, pids, CPUs, durations. */
    private static String normaliseText(String text) {
        String s = text;
        s = s.replaceAll("\\([^()]*\\d[^()]*\\)", " ");                  // (0,0), (error -2)
        s = s.replaceAll("\\S+=\\S*\\d\\S*", " ");                        // exitcode=0x00000009
        s = s.replaceAll("#\\d+", "");                                   // CPU#0
        s = s.replaceAll("0x[0-9a-fA-F]+", " ");
        s = s.replaceAll("\\b(?=[0-9a-fA-F]*\\d)[0-9a-fA-F]{8,}\\b", " "); // bare addresses
        s = s.replaceAll("[:/]\\d+\\b", "");                             // file:line, comm/pid
        s = s.replaceAll("(?<![\\w.])[-+]?\\d+(?:\\.\\d+)?(?:s|ms|us|ns)?\\b", " "); // 22s, counts
        s = s.replaceAll("\\s+", " ").replaceAll(" ([.,;!?])", "$1").strip();
        return s.replaceAll("[\\s,:;=-]+$", "");
    }
}
