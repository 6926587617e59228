package dev.kfit.monitor;

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
 * <p>Titles follow syzkaller's style: the kind of report plus the first function that says
 * something about the bug, with addresses, pids, CPU numbers, durations and "+0x12/0x40"
 * offsets left out, so that the same bug seen in two runs gets the same title.
 *
 * <p>When the console carries printk timestamps, lines without one are user space writing to
 * the console (e.g. "kfit-init: ready"): they are never taken for kernel reports, never end
 * one and are left out of excerpts, so scary words printed by a test program cannot raise a
 * finding and interleaved output cannot cut a report short.
 */
public final class ConsoleParser {

    /** Excerpts are for people and bug reports; longer reports (lockdep) are cut here. */
    public static final int MAX_EXCERPT_LINES = 80;

    /** How far past its first line a report is followed; bounds a report whose end was lost. */
    private static final int MAX_REPORT_LINES = 300;

    /** An "Oops:" line this close after a BUG line is that BUG's own oops line, not a new report. */
    private static final int OOPS_AFTER_BUG_LINES = 30;

    // "[   12.345678] " and, with CONFIG_PRINTK_CALLER, "[   12.345678][    T1] ".
    private static final Pattern PRINTK_PREFIX =
            Pattern.compile("^\\[\\s*(\\d+\\.\\d+)\\](?:\\[\\s*[CT]\\d+\\])? ?");
    // The same, inside a line: user space printed without a newline just before the kernel did.
    private static final Pattern EMBEDDED_PREFIX =
            Pattern.compile("\\[\\s*\\d+\\.\\d{6}\\](?:\\[\\s*[CT]\\d+\\])? ?");

    // Report first lines, tried in this order (the more specific "BUG:"/"WARNING:" forms first).
    private static final Pattern SOFT_LOCKUP =
            Pattern.compile("^(?:watchdog: )?BUG: soft lockup - CPU#?\\d+ stuck for");
    private static final Pattern RCU_STALL =
            Pattern.compile("^(?:rcu: )?INFO: rcu_\\w+ (?:self-)?detected (?:expedited )?stall");
    // The comm may itself contain ':' (kworker/u8:1), so the pid is after the last one.
    private static final Pattern HUNG_TASK =
            Pattern.compile("^INFO: task (.+):\\d+ blocked for more than \\d+ seconds");
    private static final Pattern LOCKDEP = Pattern.compile("^(?:WARNING|BUG): ("
            + "possible circular locking dependency detected"
            + "|possible recursive locking detected"
            + "|possible irq lock inversion dependency detected"
            + "|(?:HARD|SOFT)IRQ-safe -> (?:HARD|SOFT)IRQ-unsafe lock order detected"
            + "|inconsistent lock state"
            + "|held lock freed!"
            + "|bad unlock balance detected!"
            + "|lock held when returning to user space!"
            + "|suspicious RCU usage"
            + "|nested lock was not taken)");
    private static final Pattern LOCKDEP_DEADLOCK =
            Pattern.compile("circular|recursive|inversion|-unsafe lock order");
    // Up to 6.18: "WARNING: CPU: 0 PID: 1 at mm/gup.c:2633 is_valid_gup_args+0x7f/0xa0"
    // (the "file:line " part only with CONFIG_DEBUG_BUGVERBOSE, which tinyconfig lacks).
    private static final Pattern WARNING_OLD =
            Pattern.compile("^WARNING: CPU: \\d+ PID: \\d+ at (?:(\\S+):\\d+ )?(\\S+)");
    // From 6.19 (so 7.x): "WARNING: mm/gup.c:2633 at is_valid_gup_args+0x7f/0xa0, CPU#0: sh/68".
    private static final Pattern WARNING_NEW =
            Pattern.compile("^WARNING: (?:(\\S+):\\d+ )?at (\\S+)(?: \\[[^\\]]*\\])?, CPU#\\d+: ");
    private static final Pattern KERNEL_BUG = Pattern.compile("^kernel BUG at (\\S+?):\\d+!");
    // Without CONFIG_DEBUG_BUGVERBOSE: "Kernel BUG at foo+0x12/0x40 [verbose debug info unavailable]".
    private static final Pattern KERNEL_BUG_NO_FILE = Pattern.compile("^Kernel BUG at (\\S+)");
    private static final Pattern SANITIZER =
            Pattern.compile("^BUG: (KASAN|KFENCE|KMSAN|KCSAN): (.+?) (?:in|on) ([\\w.$]+)\\+0x");
    private static final Pattern BUG = Pattern.compile("^BUG: (.+)");
    // "Oops: general protection fault, probably for ...: 0000 [#1] SMP", "general protection
    // fault: 0000 [#1]", "Oops: invalid opcode: 0000 [#1]", "Oops: Oops: 0000 [#1]", "Oops: 0002 [#1]".
    private static final Pattern OOPS = Pattern.compile(
            "^(?:Oops: )?([A-Za-z][A-Za-z -]*?)(?:, [^:]*)?: [0-9a-f]{4} \\[#\\d+\\]");
    private static final Pattern PANIC = Pattern.compile("^Kernel panic - not syncing: ?(.*)");

    // Lines that bound reports.
    private static final Pattern CUT_HERE = Pattern.compile("^-+\\[ cut here \\]-+$");
    private static final Pattern SEPARATOR = Pattern.compile("^={10,}$");
    private static final Pattern END_MARKER = Pattern.compile("^---\\[ end ");
    private static final Pattern STACK_MARKER = Pattern.compile("^</?(?:TASK|IRQ|NMI|SOFTIRQ|EOI)>$");
    private static final Pattern REGISTERS = Pattern.compile(
            "^(?:RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\\d+|FS|GS|CS|DS|ES|CR\\d|DR\\d|Code|PKRU"
                    + "|ORIG_RAX|EFLAGS)[:\\s]");

    // Stack contents. A frame is " name+0xOFF/0xLEN", maybe "? "-prefixed (unreliable), maybe
    // "[<address>] "-prefixed (print_ip_sym), maybe followed by " [module]".
    private static final Pattern FRAME = Pattern.compile(
            "^(?:\\[<[0-9a-f]+>\\] )?(\\? )?([\\w.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+(?:\\s.*)?$");
    private static final Pattern RIP = Pattern.compile("^RIP: [0-9a-f]{4}:([\\w.$]+)\\+0x[0-9a-f]+/0x");
    private static final Pattern LOCK_AT =
            Pattern.compile("\\bat: (?:\\[<[0-9a-f]+>\\] )?([\\w.$]+)\\+0x[0-9a-f]+/0x");
    // Where lockdep's header part (whose "at:" lines name the locking functions) ends.
    private static final Pattern LOCKDEP_HEADER_END = Pattern.compile(
            "^(?:the existing dependency chain|other info that might help|stack backtrace:"
                    + "|\\d+ locks? held by|no locks held by|Call Trace:)|state was registered at:");
    private static final Pattern TASK_STATE = Pattern.compile("^task:.* state:(\\S+)");
    private static final Pattern SYMBOL = Pattern.compile("^([\\w.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+");

    /**
     * Frames that say how the kernel got to print the report or where a task waits, never what
     * the bug is; the title names the first frame that is not one of these.
     */
    private static final Pattern UNINTERESTING = Pattern.compile(String.join("|",
            // scheduler, sleeping and waiting primitives
            "__schedule", "schedule", "schedule_timeout.*", "schedule_hrtimeout.*",
            "schedule_preempt_disabled", "preempt_schedule.*", "io_schedule.*",
            "__wait_for_common", "wait_for_completion.*", "wait_for_common.*", "do_wait_for_common",
            "__wait_rcu_gp", "wait_rcu_gp", "__wait_event.*", "bit_wait.*", "__wait_on_bit.*",
            "out_of_line_wait_on_bit.*", "msleep.*", "usleep_range.*", "do_nanosleep",
            "hrtimer_nanosleep", "__flush_work", "flush_work", "__flush_workqueue",
            "flush_workqueue", "drain_workqueue", "percpu_ref_.*", "__percpu_ref_.*",
            "__synchronize_.*", "synchronize_.*", "percpu_down_.*", "__percpu_down_.*",
            "percpu_rwsem_.*",
            // locks
            "__mutex_lock.*", "mutex_lock.*", "__mutex_unlock.*", "mutex_unlock", "rwsem_down_.*",
            "down_.*", "down", "__down.*", "up_read", "up_write", "up", "_raw_.*", "do_raw_.*",
            "queued_.*lock.*", "native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath",
            "pv_queued_spin_lock_slowpath", "rt_.*lock.*", "spin_.*lock.*",
            // lockdep, WARN/BUG/oops/panic machinery and sanitizers
            "lock_acquire", "lock_release", "__lock_acquire", "__lock_release", "lock_acquired",
            "lock_contended", "lockdep_.*", "__lockdep_.*", "print_.*", "check_noncircular",
            "check_prev_add", "check_prevs_add", "check_irq_usage", "check_deadlock",
            "validate_chain", "mark_lock.*", "mark_usage", "debug_check_no_locks_freed",
            "dump_stack.*", "__dump_stack", "show_stack", "show_trace_log_lvl", "show_regs",
            "__show_regs", "__warn", "warn_slowpath_fmt", "__warn_printk", "report_bug",
            "handle_bug", "fixup_bug", "exc_invalid_op", "asm_exc_invalid_op", "__die.*", "die",
            "die_addr", "die_body", "oops_.*", "page_fault_oops", "kernelmode_fixup_or_oops",
            "__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault",
            "do_kern_addr_fault", "handle_page_fault", "exc_page_fault", "asm_exc_page_fault",
            "exc_general_protection", "asm_exc_general_protection", "do_trap", "do_error_trap",
            "panic", "vpanic", "nmi_panic", "__might_sleep", "__might_resched", "___might_sleep",
            "__might_fault", "__schedule_bug", "schedule_debug.*", "kasan_.*", "__kasan_.*",
            "__asan_.*", "kmsan_.*", "__msan_.*", "kfence_.*", "check_memory_region.*",
            "mem(?:cpy|set|move)(?:_orig|_erms)?", "__mem(?:cpy|set|move)",
            // timer interrupts, watchdogs and NMI backtraces
            "rcu_dump_cpu_stacks", "rcu_pending", "rcu_sched_clock_irq", "rcu_.*stall.*",
            "check_cpu_stall", "update_process_times", "tick_.*", "__hrtimer_run_queues",
            "hrtimer_interrupt", "hrtimer_run_queues", "__run_hrtimer", "__sysvec_.*", "sysvec_.*",
            "asm_sysvec_.*", "common_interrupt", "asm_common_interrupt", "__irq_exit_rcu",
            "irq_exit_rcu", "irq_exit", "__do_softirq", "handle_softirqs", "do_softirq.*",
            "invoke_softirq", "run_ksoftirqd", "smpboot_thread_fn", "watchdog_timer_fn",
            "softlockup_fn", "nmi_cpu_backtrace.*", "nmi_trigger_cpumask_backtrace",
            "arch_trigger_cpumask_backtrace", "trigger_.*backtrace", "default_do_nmi", "exc_nmi",
            "asm_exc_nmi", "nmi_handle", "dump_cpu_task", "sched_show_task",
            // idle loop and the entry glue under every syscall and kernel thread
            "native_safe_halt", "default_idle", "arch_cpu_idle", "default_idle_call",
            "cpuidle_idle_call", "do_idle", "cpu_startup_entry", "start_secondary",
            "common_startup_64", "do_syscall_64", "do_syscall_x64", "x64_sys_call",
            "entry_SYSCALL_64.*", "ret_from_fork.*", "kthread", "worker_thread",
            "process_one_work", "process_scheduled_works"));

    private ConsoleParser() {
    }

    /** Every report in {@code consoleText}, in console order; repeated reports are all kept. */
    public static List<Splat> parse(String consoleText) {
        Objects.requireNonNull(consoleText, "consoleText");
        List<Line> lines = split(consoleText);
        boolean stamped = lines.stream().anyMatch(Line::kernel);

        // Pass 1: the first line of each report.
        List<Integer> heads = new ArrayList<>();
        List<Head> kinds = new ArrayList<>();
        int openBug = -1; // a BUG line whose own "Oops:" line may still follow
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            if (stamped && !line.kernel()) {
                continue;
            }
            Head head = Head.detect(line.body());
            if (head == null) {
                String b = line.body().strip();
                if (openBug >= 0 && (b.startsWith("Call Trace:") || b.equals("</TASK>")
                        || END_MARKER.matcher(b).find())) {
                    openBug = -1;
                }
                continue;
            }
            if (head.kind() == Kind.OOPS && openBug >= 0 && i - openBug <= OOPS_AFTER_BUG_LINES) {
                openBug = -1; // "BUG: kernel NULL pointer dereference" then "Oops: 0000 [#1]": one report
                continue;
            }
            heads.add(i);
            kinds.add(head);
            openBug = head.kind() == Kind.BUG || head.kind() == Kind.KERNEL_BUG ? i : -1;
        }

        // Pass 2: where each report starts and ends; a report never runs into the next one.
        int n = heads.size();
        int[] starts = new int[n];
        for (int k = 0; k < n; k++) {
            starts[k] = startOf(lines, heads.get(k), k == 0 ? 0 : heads.get(k - 1) + 1, stamped);
        }
        List<Splat> splats = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            int limit = k + 1 < n ? starts[k + 1] - 1 : lines.size() - 1;
            int end = endOf(lines, heads.get(k), limit, stamped);
            List<Line> report = new ArrayList<>();
            for (int j = starts[k]; j <= end; j++) {
                if (!stamped || lines.get(j).kernel()) {
                    report.add(lines.get(j));
                }
            }
            splats.add(toSplat(kinds.get(k), lines.get(heads.get(k)).body(), report));
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

    /** The first splat of each (type, title), in order: a hung task reported every 5 s counts once. */
    public static List<Splat> distinct(List<Splat> splats) {
        Map<String, Splat> first = new LinkedHashMap<>();
        for (Splat s : splats) {
            first.putIfAbsent(s.type() + "\t" + s.title(), s);
        }
        return List.copyOf(first.values());
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

    /** Index of the report's last line: its "</TASK>" or end marker, or where its trace stops. */
    private static int endOf(List<Line> lines, int head, int limit, boolean stamped) {
        int end = head;
        boolean inTrace = false;
        boolean sawFrame = false;
        boolean sawMarker = false;
        for (int j = head + 1; j <= limit && j - head < MAX_REPORT_LINES; j++) {
            Line line = lines.get(j);
            if (stamped && !line.kernel()) {
                continue;
            }
            String b = line.body().strip();
            if (b.startsWith("Linux version ") || CUT_HERE.matcher(b).matches()) {
                break; // the next boot, or a report we do not classify
            }
            if (END_MARKER.matcher(b).find()) {
                return j;
            }
            if (b.equals("</TASK>")) {
                return afterTask(lines, j, limit, stamped);
            }
            if (STACK_MARKER.matcher(b).matches()) {
                sawMarker = true;
            } else if (b.startsWith("Call Trace:")) {
                inTrace = true;
            } else if (FRAME.matcher(b).matches()) {
                sawFrame = true;
            } else if (inTrace && sawFrame && !sawMarker && !REGISTERS.matcher(b).find()) {
                break; // a trace without <TASK> markers (older kernels) ends at its first non-frame
            }
            end = j;
        }
        return end;
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
            if (END_MARKER.matcher(b).find() && b.contains("end trace")) {
                return j;
            }
            if (b.isEmpty() || Head.detect(line.body()) != null || CUT_HERE.matcher(b).matches()) {
                break;
            }
            seen++;
        }
        return task;
    }

    // ---------------------------------------------------------------- classification

    private enum Kind {
        HUNG_TASK, RCU_STALL, SOFT_LOCKUP, LOCKDEP, WARNING, KERNEL_BUG, BUG, OOPS, PANIC
    }

    /** A report's first line: its kind and the regex match that the title is built from. */
    private record Head(Kind kind, Matcher match) {
        static Head detect(String body) {
            String b = body.stripLeading();
            if (!looksLikeHead(b)) {
                return null;
            }
            Matcher m;
            if ((m = SOFT_LOCKUP.matcher(b)).find()) {
                return new Head(Kind.SOFT_LOCKUP, m);
            }
            if ((m = RCU_STALL.matcher(b)).find()) {
                return new Head(Kind.RCU_STALL, m);
            }
            if ((m = HUNG_TASK.matcher(b)).find()) {
                return new Head(Kind.HUNG_TASK, m);
            }
            if ((m = LOCKDEP.matcher(b)).find()) {
                return new Head(Kind.LOCKDEP, m); // before WARNING/BUG: one report, not two
            }
            if ((m = WARNING_OLD.matcher(b)).find() || (m = WARNING_NEW.matcher(b)).find()) {
                return new Head(Kind.WARNING, m);
            }
            if ((m = KERNEL_BUG.matcher(b)).find() || (m = KERNEL_BUG_NO_FILE.matcher(b)).find()) {
                return new Head(Kind.KERNEL_BUG, m);
            }
            if ((m = BUG.matcher(b)).find()) {
                return new Head(Kind.BUG, m);
            }
            if ((m = OOPS.matcher(b)).find()) {
                return new Head(Kind.OOPS, m);
            }
            if ((m = PANIC.matcher(b)).find()) {
                return new Head(Kind.PANIC, m);
            }
            return null;
        }

        // Cheap filter: most console lines start with none of these.
        private static boolean looksLikeHead(String b) {
            return b.startsWith("BUG: ") || b.startsWith("WARNING: ") || b.startsWith("INFO: ")
                    || b.startsWith("rcu: INFO: ") || b.startsWith("watchdog: BUG: ")
                    || b.startsWith("kernel BUG at ") || b.startsWith("Kernel BUG at ")
                    || b.startsWith("Oops: ") || b.startsWith("general protection fault")
                    || b.startsWith("invalid opcode: ") || b.startsWith("Kernel panic - not syncing");
        }
    }

    private static Splat toSplat(Head head, String headBody, List<Line> report) {
        List<String> bodies = report.stream().map(l -> l.body().strip()).toList();
        Stack stack = Stack.of(bodies);
        Matcher m = head.match();
        SplatType type;
        String title;
        switch (head.kind()) {
            case HUNG_TASK -> {
                type = SplatType.HUNG_TASK;
                String state = null;
                for (String b : bodies) {
                    Matcher s = TASK_STATE.matcher(b);
                    if (s.find()) {
                        state = s.group(1);
                        break;
                    }
                }
                title = "INFO: task " + normaliseComm(m.group(1)) + " blocked"
                        + (state == null ? "" : " in state " + state)
                        + " in " + orUnknown(stack.culprit(false));
            }
            case RCU_STALL -> {
                type = SplatType.RCU_STALL;
                title = "INFO: rcu detected stall in " + orUnknown(stack.culprit(true));
            }
            case SOFT_LOCKUP -> {
                type = SplatType.SOFT_LOCKUP;
                title = "BUG: soft lockup in " + orUnknown(stack.culprit(true));
            }
            case LOCKDEP -> {
                type = SplatType.LOCKDEP;
                String what = m.group(1);
                String culprit = firstInteresting(lockFunctions(bodies));
                if (culprit == null) {
                    culprit = stack.culprit(false);
                }
                String kind;
                if (LOCKDEP_DEADLOCK.matcher(what).find()) {
                    kind = "possible deadlock";
                } else {
                    kind = what.replaceAll("!$", "").replaceAll(" detected$", "");
                }
                title = kind + " in " + orUnknown(culprit);
            }
            case WARNING -> {
                type = SplatType.WARNING;
                String file = m.group(1);
                String fn = function(m.group(2));
                title = "WARNING in " + (fn != null ? fn : file != null ? file : "unknown");
            }
            case KERNEL_BUG -> {
                type = SplatType.BUG;
                String culprit = stack.culprit(true);
                if (culprit != null) {
                    title = "kernel BUG in " + culprit;
                } else {
                    // "kernel BUG at mm/memremap.c:123!" gives a file; the non-verbose form a symbol.
                    String at = m.group(1);
                    String fn = function(at);
                    boolean file = at.contains("/") || at.endsWith(".c") || at.endsWith(".h");
                    title = fn != null ? "kernel BUG in " + fn
                            : file ? "kernel BUG at " + at : "kernel BUG in unknown";
                }
            }
            case BUG -> {
                type = SplatType.BUG;
                Matcher san = SANITIZER.matcher(headBody.stripLeading());
                if (san.find()) {
                    title = san.group(1) + ": " + san.group(2) + " in " + normaliseFunction(san.group(3));
                } else {
                    title = "BUG: " + cutHead(m.group(1)) + " in " + orUnknown(stack.culprit(true));
                }
            }
            case OOPS -> {
                type = SplatType.OOPS;
                title = m.group(1).strip() + " in " + orUnknown(stack.culprit(true));
            }
            case PANIC -> {
                type = SplatType.PANIC;
                title = "kernel panic: " + normaliseText(m.group(1));
            }
            default -> throw new IllegalStateException(head.kind().toString());
        }
        List<String> excerpt = report.stream().limit(MAX_EXCERPT_LINES).map(Line::text).toList();
        double time = report.isEmpty() ? Double.NaN : report.get(0).time();
        return new Splat(type, title, String.join("\n", excerpt), time);
    }

    /** The functions named by lockdep's "..., at: foo+0x12/0x40" lines, before its long parts. */
    private static List<String> lockFunctions(List<String> bodies) {
        List<String> fns = new ArrayList<>();
        for (String b : bodies.subList(Math.min(1, bodies.size()), bodies.size())) {
            if (LOCKDEP_HEADER_END.matcher(b).find()) {
                break;
            }
            Matcher m = LOCK_AT.matcher(b);
            if (m.find()) {
                fns.add(normaliseFunction(m.group(1)));
            }
        }
        return fns;
    }

    /** The RIP function and the frames of a report's call trace. */
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
            // disabled at:" come earlier and are not where the report was raised.
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
                Matcher m = FRAME.matcher(b);
                if (m.matches()) {
                    (m.group(1) == null ? reliable : unreliable).add(normaliseFunction(m.group(2)));
                }
            }
            return new Stack(rip, reliable, unreliable);
        }

        /**
         * The first interesting function: the RIP one (if asked), else the first reliable frame,
         * else the first "?" frame (all frames are "?" with the guessing unwinder). Null if none.
         */
        String culprit(boolean useRip) {
            if (useRip && rip != null && !UNINTERESTING.matcher(rip).matches()) {
                return rip;
            }
            String fn = firstInteresting(reliable);
            return fn != null ? fn : firstInteresting(unreliable);
        }
    }

    private static String firstInteresting(List<String> functions) {
        for (String fn : functions) {
            if (!UNINTERESTING.matcher(fn).matches()) {
                return fn;
            }
        }
        return null;
    }

    private static String orUnknown(String fn) {
        return fn == null ? "unknown" : fn;
    }

    // ---------------------------------------------------------------- normalisation

    /** "foo+0x12/0x40" to "foo", null if {@code symbol} is an address. */
    private static String function(String symbol) {
        Matcher m = SYMBOL.matcher(symbol);
        return m.find() ? normaliseFunction(m.group(1)) : null;
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
