package dev.kfit.monitor;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One row of the table of kernel reports kfit recognises: how a report of this kind starts, how its
 * title is made and which frames to skip to reach the code at fault. A new kind is a new row in
 * {@link #TABLE}; rows are tried in order, so the more specific come first.
 *
 * <p>A row's {@code starts} are regexes on a console line after its printk timestamp (one per
 * format the kernels print, e.g. 6.12's and 7.x's WARNING lines). Their named groups feed the title
 * template: {@code {name}} is the group's text with numbers and addresses taken out ({@code comm}
 * also loses the numbers in a kernel thread's name, {@code head} is cut at its first ':' or ','),
 * and "{ name}" puts a space before it when the group matched. {@code {culprit}} is the function
 * the {@link Culprit} rule finds, {@code {state}} "in state D" from a task dump's "task:" line.
 *
 * @param name         what the row is, for people reading the table
 * @param type         the report's type
 * @param starts       the first line of a report, in each format the kernels print
 * @param site         for a warning or a BUG: the row applies only if "file function" of the
 *                     reporting line matches (a refcount or list-debug helper), else null
 * @param title        title template
 * @param fileTitle    title template when the culprit is only a source file (no symbols), else null
 *                     (then {@code title} is used with the file)
 * @param culprit      where the culprit is looked for
 * @param skip         frames to skip for this kind on top of {@link Frames#SKIPPED}, or null
 * @param end          how the report ends
 * @param oopsFollows  an "Oops:" line soon after this report's first line belongs to it
 * @param continuation after the report's stack, a line matching this carries on the same report
 *                     (the hung-task detector's "blocked on a mutex likely owned by" and that task's
 *                     stack), or null
 */
record ReportKind(String name, SplatType type, List<Pattern> starts, Pattern site, String title, String fileTitle,
                  Culprit culprit, Pattern skip, End end, boolean oopsFollows, Pattern continuation) {

    /** Where a report's culprit is found. */
    enum Culprit {
        /** None: the title is made from the first line alone. */
        NONE,
        /**
         * The function the reporting line names ({@code sym} group), else the RIP function, unless it
         * is a skipped helper, in which case its first caller outside the skip lists; with no symbols
         * at all, the {@code file} group (except in a row with a {@code site}: that file is the helper's).
         */
        SITE,
        /** The RIP function (where the CPU was), else the call trace. */
        RIP_TRACE,
        /** The call trace only, then the {@code file} group. */
        TRACE,
        /** Lockdep's "..., at: foo+0x12/0x40" lines before its long parts, then the call trace. */
        LOCKS,
        /** Lockdep's held-lock list ("#0: ... at: foo"), then the call trace. */
        HELD_LOCKS
    }

    /** How a report's end is recognised. */
    enum End {
        /** Its stack: "</TASK>" (and an oops' end marker after it), an end marker, or a trace's last frame. */
        TRACE,
        /** A closing "=====" line (KASAN, KFENCE, KMSAN: the stack is in the middle of the report). */
        SEPARATOR
    }

    // Up to 6.18: "WARNING: CPU: 0 PID: 1 at mm/gup.c:2633 is_valid_gup_args+0x7f/0xa0"
    // ("file:line " only with CONFIG_DEBUG_BUGVERBOSE, which tinyconfig lacks).
    private static final String WARNING_6 =
            "^WARNING: CPU: \\d+ PID: \\d+ at (?:(?<file>\\S+):\\d+ )?(?<sym>\\S+)";
    // From 6.19, kernel/panic.c __warn(): "WARNING: mm/gup.c:2633 at is_valid_gup_args+0x7f/0xa0, CPU#0: sh/68"
    // and "WARNING: at func+0x1/0x2, CPU#0: sh/68". The condition (CONFIG_DEBUG_BUGVERBOSE_DETAILED)
    // and any WARN() message are printed on lines of their own, between "cut here" and this line.
    private static final String WARNING_7 =
            "^WARNING: (?:(?<file>\\S+):\\d+ )?at (?<sym>[^\\s,]+)(?: \\[[^\\]]*\\])?, CPU#\\d+: ";
    private static final String KERNEL_BUG = "^kernel BUG at (?<file>\\S+?):\\d+!";
    // Without CONFIG_DEBUG_BUGVERBOSE: "Kernel BUG at foo+0x12/0x40 [verbose debug info unavailable]".
    private static final String KERNEL_BUG_NO_FILE = "^Kernel BUG at (?<sym>\\S+)";
    // Lockdep's headers (kernel/locking/lockdep.c); some capitalise ("Nested lock was not taken").
    private static final String LOCKDEP_FLAGS = "(?i)";

    private static final Pattern LOCKDEP_FRAMES = Pattern.compile("lockdep_.*|__lock_.*|lock_.*|print_.*");
    private static final Pattern KASAN_FRAMES = Pattern.compile("kasan_.*|__kasan_.*|__asan_.*|check_region.*");
    private static final Pattern UBSAN_FRAMES = Pattern.compile("__ubsan_.*|ubsan_.*|handle_overflow");
    private static final Pattern HUNG_TASK_MORE = Pattern.compile(
            "^INFO: task .+:\\d+ (?:<\\w+> )?(?:is )?blocked on (?:a|an) ");

    /** The table. Rows are tried in this order: the first whose start (and site) matches wins. */
    static final List<ReportKind> TABLE = List.of(
            // Hangs and stalls.
            kind("soft lockup", SplatType.SOFT_LOCKUP, "^(?:watchdog: )?BUG: soft lockup - CPU#?\\d+ stuck for")
                    .title("BUG: soft lockup in {culprit}").culprit(Culprit.RIP_TRACE),
            kind("RCU stall", SplatType.RCU_STALL,
                    "^(?:rcu: )?INFO: rcu_\\w+ (?:self-)?detected (?:expedited )?stall")
                    .title("INFO: rcu detected stall in {culprit}").culprit(Culprit.RIP_TRACE),
            // kernel/hung_task.c; 7.x adds " in I/O wait" for a task in io_schedule().
            // The comm may itself contain ':' (kworker/u8:1), so the pid is after the last one.
            kind("hung task", SplatType.HUNG_TASK,
                    "^INFO: task (?<comm>.+):\\d+ blocked(?<io> in I/O wait)? for more than \\d+ seconds")
                    .title("INFO: task {comm} blocked{ io}{ state} in {culprit}").culprit(Culprit.TRACE)
                    .continuation(HUNG_TASK_MORE),

            // Lockdep, before the WARNING and BUG rows: one report, not two.
            lockdep("circular locking", "^WARNING: possible circular locking dependency detected",
                    "possible deadlock in {culprit}", Culprit.LOCKS),
            lockdep("recursive locking", "^WARNING: possible recursive locking detected",
                    "possible deadlock in {culprit}", Culprit.LOCKS),
            lockdep("irq lock inversion", "^WARNING: possible irq lock inversion dependency detected",
                    "possible deadlock in {culprit}", Culprit.LOCKS),
            lockdep("irq-unsafe lock order",
                    "^WARNING: (?:HARD|SOFT)IRQ-safe -> (?:HARD|SOFT)IRQ-unsafe lock order detected",
                    "possible deadlock in {culprit}", Culprit.LOCKS),
            lockdep("inconsistent lock state", "^WARNING: inconsistent lock state",
                    "inconsistent lock state in {culprit}", Culprit.LOCKS),
            lockdep("held lock freed", "^WARNING: held lock freed!", "held lock freed in {culprit}", Culprit.LOCKS),
            lockdep("bad unlock balance", "^WARNING: bad unlock balance detected!",
                    "bad unlock balance in {culprit}", Culprit.LOCKS),
            lockdep("bad contention", "^WARNING: bad contention detected!",
                    "bad contention in {culprit}", Culprit.LOCKS),
            lockdep("lock held returning to user space", "^WARNING: lock held when returning to user space!",
                    "lock held when returning to user space in {culprit}", Culprit.HELD_LOCKS),
            lockdep("still has locks held", "^WARNING: \\S+ still has locks held!",
                    "still has locks held in {culprit}", Culprit.HELD_LOCKS),
            lockdep("suspicious RCU usage", "^WARNING: suspicious RCU usage",
                    "suspicious RCU usage in {culprit}", Culprit.TRACE),
            lockdep("nested lock not taken", "^WARNING: nested lock was not taken",
                    "nested lock was not taken in {culprit}", Culprit.LOCKS),
            lockdep("chain_key collision", "^WARNING: chain_key collision",
                    "chain_key collision in {culprit}", Culprit.TRACE),
            lockdep("invalid wait context", "^\\[ BUG: Invalid wait context \\]",
                    "invalid wait context in {culprit}", Culprit.LOCKS),
            lockdep("non-static key", "^INFO: trying to register non-static key",
                    "trying to register non-static key in {culprit}", Culprit.TRACE),
            lockdep("key not registered", "^BUG: key \\S+ has not been registered!",
                    "lock key not registered in {culprit}", Culprit.TRACE),
            lockdep("invalid subclass", "^BUG: looking up invalid subclass",
                    "looking up invalid subclass in {culprit}", Culprit.TRACE),

            // Warnings raised by a checking helper keep the helper's kind and name its caller.
            kind("refcount warning", SplatType.WARNING, WARNING_6, WARNING_7)
                    .site("^lib/refcount\\.c |(?:^| )_*refcount_\\w+$")
                    .title("WARNING: refcount bug in {culprit}").culprit(Culprit.SITE),
            kind("list_add corruption", SplatType.WARNING, WARNING_6, WARNING_7)
                    .site("(?:^| )_*list_add\\w*valid\\w*$")
                    .title("WARNING: list_add corruption in {culprit}").culprit(Culprit.SITE),
            kind("list_del corruption", SplatType.WARNING, WARNING_6, WARNING_7)
                    .site("(?:^| )_*list_del\\w*valid\\w*$")
                    .title("WARNING: list_del corruption in {culprit}").culprit(Culprit.SITE),
            kind("list corruption", SplatType.WARNING, WARNING_6, WARNING_7)
                    .site("^lib/list_debug\\.c ")
                    .title("WARNING: list corruption in {culprit}").culprit(Culprit.SITE),
            kind("warning", SplatType.WARNING, WARNING_6, WARNING_7)
                    .title("WARNING in {culprit}").culprit(Culprit.SITE),

            // lib/ubsan.c: "UBSAN: array-index-out-of-bounds in drivers/x.c:12:5", then dump_stack().
            kind("UBSAN", SplatType.WARNING, "^UBSAN: (?<what>[\\w-]+) in (?<file>[^\\s:]+):\\d+")
                    .title("UBSAN: {what} in {culprit}").culprit(Culprit.TRACE).skip(UBSAN_FRAMES),
            // CONFIG_UBSAN_TRAP (arch/x86/kernel/traps.c): "UBSAN: array index out of bounds at f+0x1/0x2",
            // then the invalid opcode oops.
            kind("UBSAN trap", SplatType.BUG, "^UBSAN: (?<what>[\\w ]+?) at (?<sym>\\S+)")
                    .title("UBSAN: {what} in {culprit}").culprit(Culprit.SITE).skip(UBSAN_FRAMES).followedByOops(),

            // Sanitizers (mm/kasan/report.c, mm/kfence/report.c): the reporting line names the culprit.
            kind("KASAN", SplatType.BUG, "^BUG: KASAN: (?<what>[\\w-]+)(?: in (?<sym>\\S+))?")
                    .title("KASAN: {what} in {culprit}").culprit(Culprit.SITE).skip(KASAN_FRAMES)
                    .end(End.SEPARATOR),
            kind("KFENCE", SplatType.BUG, "^BUG: KFENCE: (?<what>[\\w -]+?) in (?<sym>\\S+)")
                    .title("KFENCE: {what} in {culprit}").culprit(Culprit.SITE).end(End.SEPARATOR),
            kind("KMSAN/KCSAN", SplatType.BUG, "^BUG: (?<tool>KMSAN|KCSAN): (?<what>.+?) (?:in|on) (?<sym>[\\w.$]+)")
                    .title("{tool}: {what} in {culprit}").culprit(Culprit.SITE).end(End.SEPARATOR),

            // BUG() and BUG_ON(): lib/bug.c; with CONFIG_BUG_ON_DATA_CORRUPTION list corruption ends here.
            kind("list corruption BUG", SplatType.BUG, "^kernel BUG at (?<file>lib/list_debug\\.c):\\d+!")
                    .title("kernel BUG: list corruption in {culprit}").culprit(Culprit.RIP_TRACE).followedByOops(),
            kind("kernel BUG", SplatType.BUG, KERNEL_BUG, KERNEL_BUG_NO_FILE)
                    .title("kernel BUG in {culprit}").fileTitle("kernel BUG at {culprit}")
                    .culprit(Culprit.SITE).followedByOops(),

            // Other "BUG:" lines: arch/x86/mm/fault.c, kernel/sched/core.c, spinlock debugging...
            kind("BUG", SplatType.BUG, "^BUG: (?<head>.+)")
                    .title("BUG: {head} in {culprit}").culprit(Culprit.RIP_TRACE).followedByOops(),

            // Oopses (arch/x86/kernel/dumpstack.c __die_header: "Oops: %s: %04lx [#%d]").
            kind("general protection fault", SplatType.OOPS, "^(?:Oops: )?general protection fault")
                    .title("general protection fault in {culprit}").culprit(Culprit.RIP_TRACE),
            kind("int3", SplatType.OOPS, "^Oops: int3: [0-9a-f]{4} \\[#\\d+\\]")
                    .title("Oops: int3 in {culprit}").culprit(Culprit.RIP_TRACE),
            // "Oops: invalid opcode: 0000 [#1]", "Oops: Oops: 0000 [#1]", "Oops: 0002 [#1]".
            kind("oops", SplatType.OOPS, "^(?:Oops: )?(?<what>[A-Za-z][\\w -]*?)(?:, [^:]*)?: [0-9a-f]{4} \\[#\\d+\\]")
                    .title("{what} in {culprit}").culprit(Culprit.RIP_TRACE),

            kind("panic", SplatType.PANIC, "^Kernel panic - not syncing: ?(?<text>.*)")
                    .title("kernel panic: {text}").culprit(Culprit.NONE));

    /**
     * How every row's first line begins (an oops line of older kernels, "invalid opcode: 0000 [#1]",
     * has its "[#n]" instead): most console lines begin with none, and are passed over without trying
     * the table's regexes. A row whose lines begin otherwise needs its beginning here (the corpus test
     * that every row is exercised fails without it).
     */
    private static final List<String> BEGINNINGS = List.of("BUG: ", "WARNING: ", "INFO: ", "rcu: ", "watchdog: ",
            "kernel BUG at ", "Kernel BUG at ", "Kernel panic - ", "Oops: ", "general protection fault",
            "UBSAN: ", "[ BUG: ");

    /** The first row whose start (and site) matches {@code body}, with its match; null if none. */
    static Head detect(String body) {
        String b = body.stripLeading();
        if (BEGINNINGS.stream().noneMatch(b::startsWith) && !b.contains(" [#")) {
            return null;
        }
        for (ReportKind kind : TABLE) {
            for (Pattern start : kind.starts()) {
                Matcher m = start.matcher(b);
                if (m.lookingAt() && kind.siteMatches(m)) { // anchored: a line that does not start so fails at once
                    return new Head(kind, m);
                }
            }
        }
        return null;
    }

    /** A report's first line: its row and the match its title is made from. */
    record Head(ReportKind kind, Matcher match) {
        /** The named group's text, null if the pattern has no such group or it did not match. */
        String group(String name) {
            try {
                return match.group(name);
            } catch (IllegalArgumentException noSuchGroup) {
                return null;
            }
        }
    }

    private boolean siteMatches(Matcher m) {
        if (site == null) {
            return true;
        }
        String file = m.group("file");
        String fn = ConsoleParser.function(m.group("sym"));
        return site.matcher((file == null ? "" : file) + " " + (fn == null ? "" : fn)).find();
    }

    // ---------------------------------------------------------------- building rows

    private static ReportKind kind(String name, SplatType type, String... starts) {
        return new ReportKind(name, type, Arrays.stream(starts).map(Pattern::compile).toList(), null,
                null, null, Culprit.RIP_TRACE, null, End.TRACE, false, null);
    }

    private static ReportKind lockdep(String name, String start, String title, Culprit culprit) {
        return kind(name, SplatType.LOCKDEP, LOCKDEP_FLAGS + start).title(title).culprit(culprit).skip(LOCKDEP_FRAMES);
    }

    private ReportKind title(String t) {
        return new ReportKind(name, type, starts, site, t, fileTitle, culprit, skip, end, oopsFollows, continuation);
    }

    private ReportKind fileTitle(String t) {
        return new ReportKind(name, type, starts, site, title, t, culprit, skip, end, oopsFollows, continuation);
    }

    private ReportKind site(String regex) {
        return new ReportKind(name, type, starts, Pattern.compile(regex), title, fileTitle, culprit, skip, end,
                oopsFollows, continuation);
    }

    private ReportKind culprit(Culprit c) {
        return new ReportKind(name, type, starts, site, title, fileTitle, c, skip, end, oopsFollows, continuation);
    }

    private ReportKind skip(Pattern p) {
        return new ReportKind(name, type, starts, site, title, fileTitle, culprit, p, end, oopsFollows, continuation);
    }

    private ReportKind end(End e) {
        return new ReportKind(name, type, starts, site, title, fileTitle, culprit, skip, e, oopsFollows, continuation);
    }

    private ReportKind followedByOops() {
        return new ReportKind(name, type, starts, site, title, fileTitle, culprit, skip, end, true, continuation);
    }

    private ReportKind continuation(Pattern p) {
        return new ReportKind(name, type, starts, site, title, fileTitle, culprit, skip, end, oopsFollows, p);
    }
}
