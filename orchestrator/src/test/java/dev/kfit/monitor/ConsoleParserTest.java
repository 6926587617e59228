package dev.kfit.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsoleParserTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ helpers

    /** Kernel lines "[    t] body", 0.0001 s apart; a body starting with '|' is a user-space line. */
    private static String console(double start, String... bodies) {
        StringBuilder sb = new StringBuilder();
        double t = start;
        for (String b : bodies) {
            if (b.startsWith("|")) {
                sb.append(b.substring(1)).append('\n');
                continue;
            }
            long us = Math.round(t * 1_000_000);
            sb.append(String.format("[%5d.%06d] %s", us / 1_000_000, us % 1_000_000, b)).append('\n');
            t += 0.0001;
        }
        return sb.toString();
    }

    private static String hungTask(double start, String comm, int pid, int seconds) {
        return console(start,
                "INFO: task " + comm + ":" + pid + " blocked for more than " + seconds + " seconds.",
                "      Not tainted 6.12.0-kfit #1",
                "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
                String.format("task:%-15.15s state:D stack:0     pid:%-5d tgid:%-5d ppid:1      flags:0x00004002",
                        comm, pid, pid),
                "Call Trace:",
                " <TASK>",
                " __schedule+0x3a2/0x920",
                " schedule+0x27/0x80",
                " schedule_timeout+0x15d/0x170",
                " __wait_for_common+0x93/0x1a0",
                " wait_for_completion+0x24/0x40",
                " memunmap_pages+0x1a3/0x2e0",
                " devm_action_release+0x12/0x20",
                " release_nodes+0x3d/0xb0",
                " device_release_driver_internal+0x1c3/0x220",
                " unbind_store+0x9a/0xb0",
                " do_syscall_64+0x4b/0x110",
                " entry_SYSCALL_64_after_hwframe+0x76/0x7e",
                " </TASK>");
    }

    private static String warning(double start) {
        return console(start,
                "------------[ cut here ]------------",
                "WARNING: CPU: 0 PID: 81 at mm/gup.c:2633 is_valid_gup_args+0x7f/0xa0",
                "CPU: 0 UID: 0 PID: 81 Comm: kfit-guest Not tainted 6.12.0-kfit #1",
                "RIP: 0010:is_valid_gup_args+0x7f/0xa0",
                "Call Trace:",
                " <TASK>",
                " ? __warn+0x84/0x130",
                " pin_user_pages_fast+0x2b/0x60",
                " ib_umem_get+0x12a/0x410",
                " </TASK>",
                "---[ end trace 0000000000000000 ]---");
    }

    private static Splat only(String text) {
        List<Splat> splats = ConsoleParser.parse(text);
        assertThat(splats).hasSize(1);
        return splats.get(0);
    }

    private static String title(String text) {
        return only(text).title();
    }

    // ------------------------------------------------------------------ normalisation

    @Test
    void hungTaskTitleIgnoresPidSecondsAndTimestamps() {
        Splat a = only(hungTask(25.642117, "kfit-guest", 74, 5));
        Splat b = only(hungTask(1203.5, "kfit-guest", 312, 120));

        assertThat(a.title()).isEqualTo("INFO: task kfit-guest blocked in state D in memunmap_pages");
        assertThat(b.title()).isEqualTo(a.title());
        assertThat(a.type()).isEqualTo(SplatType.HUNG_TASK);
        assertThat(a.timestamp()).isEqualTo(25.642117);
    }

    @Test
    void distinctKeepsTheFirstOfEachTypeAndTitle() {
        String text = hungTask(25.6, "kfit-guest", 74, 5) + warning(27.0)
                + hungTask(30.7, "kfit-guest", 74, 10) + hungTask(35.8, "kfit-guest", 74, 15);

        List<Splat> all = ConsoleParser.parse(text);
        List<Splat> distinct = ConsoleParser.distinct(all);

        assertThat(all).extracting(Splat::type).containsExactly(
                SplatType.HUNG_TASK, SplatType.WARNING, SplatType.HUNG_TASK, SplatType.HUNG_TASK);
        assertThat(distinct).extracting(Splat::type).containsExactly(SplatType.HUNG_TASK, SplatType.WARNING);
        assertThat(distinct.get(0).timestamp()).isEqualTo(25.6);
        assertThat(distinct.get(0).excerpt()).contains("blocked for more than 5 seconds");
    }

    @Test
    void kernelThreadCommLosesItsNumbersAndCommMayContainColons() {
        assertThat(title(hungTask(10, "kworker/u8:1", 42, 5)))
                .isEqualTo("INFO: task kworker/uN:N blocked in state D in memunmap_pages")
                .isEqualTo(title(hungTask(10, "kworker/u16:3", 43, 10)));
        // pciehp's IRQ thread stays recognisable, whatever its IRQ number.
        assertThat(title(hungTask(10, "irq/24-pciehp", 38, 5)))
                .isEqualTo("INFO: task irq/N-pciehp blocked in state D in memunmap_pages");
        assertThat(title(hungTask(10, "a:b", 42, 5)))
                .isEqualTo("INFO: task a:b blocked in state D in memunmap_pages");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Kernel panic - not syncing: hung_task: blocked tasks | kernel panic: hung_task: blocked tasks",
        "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009 | kernel panic: Attempted to kill init!",
        "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0) | kernel panic: VFS: Unable to mount root fs on unknown-block",
        "Kernel panic - not syncing: Requested init /sbin/init failed (error -2). | kernel panic: Requested init /sbin/init failed.",
        "Kernel panic - not syncing: softlockup: hung tasks | kernel panic: softlockup: hung tasks",
    })
    void panicTitlesDropNumbers(String line, String expected) {
        Splat s = only(console(5, line, "Kernel Offset: disabled", "---[ end " + line + " ]---"));
        assertThat(s.type()).isEqualTo(SplatType.PANIC);
        assertThat(s.title()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "WARNING: CPU: 1 PID: 80 at is_valid_gup_args+0x7f/0xa0 | WARNING in is_valid_gup_args",
        "WARNING: CPU: 1 PID: 80 at mm/gup.c:2633 is_valid_gup_args.isra.0+0x7f/0xa0 | WARNING in is_valid_gup_args",
        "WARNING: CPU: 1 PID: 80 at kernel/foo.c:12 0xffffffff81234567 | WARNING in kernel/foo.c",
        "WARNING: mm/gup.c:2633 at is_valid_gup_args+0x7f/0xa0, CPU#0: sh/68 | WARNING in is_valid_gup_args",
        "WARNING: at is_valid_gup_args+0x7f/0xa0, CPU#3: kfit-guest/81 | WARNING in is_valid_gup_args",
        "WARNING: drivers/nvme/host/core.c:99 at nvme_foo+0x1/0x2 [nvme_core], CPU#0: sh/68 | WARNING in nvme_foo",
        "WARNING: lib/string_helpers.c:1035 at 0xc029e04c, CPU#0: swapper/0/1 | WARNING in lib/string_helpers.c",
        // No file and no symbol: the first function of the trace is all that is known.
        "WARNING: at 0x0, CPU#0: swapper/0/1 | WARNING in ib_umem_get",
        "WARNING: CPU: 0 PID: 1 at 0x0 | WARNING in ib_umem_get",
        // A reporting helper is not the culprit: its caller is.
        "WARNING: CPU: 1 PID: 80 at kernel/locking/mutex.c:585 __mutex_lock+0x5a/0xc20 | WARNING in ib_umem_get",
        "WARNING: lib/refcount.c:28 at refcount_warn_saturate+0xba/0x110, CPU#1: sh/68 | WARNING: refcount bug in ib_umem_get",
    })
    void warningTitles(String line, String expected) {
        Splat s = only(console(7, "------------[ cut here ]------------", line, "Call Trace:", " <TASK>",
                " ib_umem_get+0x12a/0x410", " </TASK>", "---[ end trace 0000000000000000 ]---"));
        assertThat(s.type()).isEqualTo(SplatType.WARNING);
        assertThat(s.title()).isEqualTo(expected);
        assertThat(s.timestamp()).isEqualTo(7.0); // the "cut here" line
    }

    @Test
    void warnMessageBetweenCutHereAndWarningLineStaysInTheExcerpt() {
        Splat s = only(console(3, "------------[ cut here ]------------",
                "(gup_flags & FOLL_LONGTERM) && (gup_flags & FOLL_PCI_P2PDMA)",
                "WARNING: mm/gup.c:2633 at is_valid_gup_args+0x7f/0xa0, CPU#0: sh/68",
                "Call Trace:", " <TASK>", " pin_user_pages_fast+0x2b/0x60", " </TASK>",
                "---[ end trace 0000000000000000 ]---", "e1000: eth0 NIC Link is Up"));
        assertThat(s.excerpt().lines().toList()).hasSize(8);
        assertThat(s.excerpt()).startsWith("[    3.000000] ------------[ cut here ]");
        assertThat(s.excerpt()).contains("FOLL_PCI_P2PDMA").endsWith("---[ end trace 0000000000000000 ]---");
    }

    @Test
    void bugFollowedByItsOopsIsOneReport() {
        List<Splat> splats = ConsoleParser.parse(console(41,
                "BUG: unable to handle page fault for address: ffffc90000a00000",
                "#PF: supervisor read access in kernel mode",
                "#PF: error_code(0x0000) - not-present page",
                "PGD 100000067 P4D 100000067 PUD 0",
                "Oops: Oops: 0000 [#1] SMP NOPTI",
                "RIP: 0010:memunmap_pages+0x1a3/0x2e0",
                "Call Trace:", " <TASK>", " ? page_fault_oops+0x157/0x440",
                " devm_action_release+0x12/0x20", " </TASK>",
                "---[ end trace 0000000000000000 ]---"));
        assertThat(splats).extracting(Splat::type, Splat::title).containsExactly(
                tuple(SplatType.BUG,
                        "BUG: unable to handle page fault in memunmap_pages"));
        assertThat(splats.get(0).type().isCrash()).isTrue();
    }

    @Test
    void kernelBugTakesTheRipFunctionOrFallsBackToTheFile() {
        String withRip = console(9, "------------[ cut here ]------------",
                "kernel BUG at mm/memremap.c:123!",
                "Oops: invalid opcode: 0000 [#1] SMP NOPTI",
                "RIP: 0010:memunmap_pages+0x1a3/0x2e0",
                "Call Trace:", " <TASK>", " devm_action_release+0x12/0x20", " </TASK>");
        assertThat(ConsoleParser.parse(withRip)).extracting(Splat::title)
                .containsExactly("kernel BUG in memunmap_pages");
        assertThat(title(console(9, "kernel BUG at mm/memremap.c:123!")))
                .isEqualTo("kernel BUG at mm/memremap.c");
        assertThat(title(console(9, "Kernel BUG at memunmap_pages+0x1a3/0x2e0 [verbose debug info unavailable]")))
                .isEqualTo("kernel BUG in memunmap_pages");
    }

    @Test
    void otherBugTitles() {
        assertThat(title(console(1, "BUG: kernel NULL pointer dereference, address: 0000000000000008",
                "Oops: 0000 [#1] SMP", "RIP: 0010:gen_pool_free_owner+0x37/0xc0")))
                .isEqualTo("BUG: kernel NULL pointer dereference in gen_pool_free_owner");
        assertThat(title(console(1, "==================================================================",
                "BUG: KASAN: slab-use-after-free in rxe_mr_copy+0x6a/0xa0",
                "Read of size 8 at addr ffff888005e10020 by task kfit-guest/81")))
                .isEqualTo("KASAN: slab-use-after-free in rxe_mr_copy");
        assertThat(title(console(1,
                "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585",
                "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 68, name: sh",
                "Preemption disabled at:",
                "[<ffffffff81a2b3c4>] rxe_cq_post+0x3c/0x1a0",
                "Call Trace:", " <TASK>", " dump_stack_lvl+0x5d/0x80", " __might_resched+0x17c/0x1a0",
                " __mutex_lock+0x5a/0xc20", " pci_p2pdma_release+0x3b/0x80", " </TASK>")))
                .isEqualTo("BUG: sleeping function called from invalid context in pci_p2pdma_release");
        assertThat(title(console(1, "BUG: scheduling while atomic: sh/68/0x00000002",
                "Call Trace:", " <TASK>", " dump_stack_lvl+0x5d/0x80", " __schedule_bug+0x5a/0x70",
                " __schedule+0x3a2/0x920", " schedule+0x27/0x80", " rxe_requester+0x67d/0x1030", " </TASK>")))
                .isEqualTo("BUG: scheduling while atomic in rxe_requester");
    }

    @Test
    void oopsTitles() {
        Splat bare = only(console(1, "Oops: 0000 [#1] SMP", "RIP: 0010:p2pdma_page_free+0x1e/0x50"));
        assertThat(bare.type()).isEqualTo(SplatType.OOPS);
        assertThat(bare.title()).isEqualTo("Oops in p2pdma_page_free");
        assertThat(title(console(1, "general protection fault: 0000 [#1] SMP PTI",
                "RIP: 0010:p2pdma_page_free+0x1e/0x50")))
                .isEqualTo("general protection fault in p2pdma_page_free");
    }

    @Test
    void lockdepIsNotAlsoAWarning() {
        Splat recursive = only(console(2, "", "============================================",
                "WARNING: possible recursive locking detected",
                "6.12.0-kfit #1 Not tainted",
                "--------------------------------------------",
                "kfit-guest/74 is trying to acquire lock:",
                "ffff8880040c21a8 (&dev->mutex){+.+.}-{4:4}, at: __mutex_lock+0x8f/0xc20",
                "",
                "but task is already holding lock:",
                "ffff8880040c21a8 (&dev->mutex){+.+.}-{4:4}, at: pci_p2pdma_release+0x3b/0x80",
                "",
                "stack backtrace:",
                "Call Trace:", " <TASK>", " dump_stack_lvl+0x5d/0x80", " lock_acquire+0xcd/0x2f0",
                " pci_p2pdma_release+0x3b/0x80", " </TASK>"));
        assertThat(recursive.type()).isEqualTo(SplatType.LOCKDEP);
        assertThat(recursive.title()).isEqualTo("possible deadlock in pci_p2pdma_release");
        assertThat(recursive.excerpt()).startsWith("[    2.000100] =====");

        Splat inconsistent = only(console(2, "================================",
                "WARNING: inconsistent lock state",
                "6.12.0-kfit #1 Not tainted",
                "--------------------------------",
                "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage.",
                "swapper/0/0 [HC1[1]:SC0[0]:HE0:SE1] takes:",
                "ffff888004e2a1c0 (&cq->cq_lock){?.+.}-{2:2}, at: rxe_cq_post+0x3c/0x1a0",
                "{HARDIRQ-ON-W} state was registered at:",
                "  lock_acquire+0xcd/0x2f0",
                "  rxe_completer+0x8d5/0xc10",
                "stack backtrace:",
                "Call Trace:", " <IRQ>", " dump_stack_lvl+0x5d/0x80", " </IRQ>", " <TASK>", " </TASK>"));
        assertThat(inconsistent.type()).isEqualTo(SplatType.LOCKDEP);
        assertThat(inconsistent.title()).isEqualTo("inconsistent lock state in rxe_cq_post");
    }

    @Test
    void stallsAndLockupsWithoutAStackAreUnknownAndSoftLockupIsNotABug() {
        Splat rcu = only(console(60, "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
                "rcu: \t1-...!: (0 ticks this GP) idle=3d4c/0/0x0 softirq=0/0 fqs=0",
                "rcu: \t(detected by 0, t=21002 jiffies, g=3745, q=187 ncpus=2)"));
        assertThat(rcu.type()).isEqualTo(SplatType.RCU_STALL);
        assertThat(rcu.title()).isEqualTo("INFO: rcu detected stall in unknown");

        Splat lockup = only(console(60, "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [sh:68]",
                "RIP: 0010:rxe_cq_post+0x3c/0x1a0"));
        assertThat(lockup.type()).isEqualTo(SplatType.SOFT_LOCKUP);
        assertThat(lockup.type().isCrash()).isFalse();
        assertThat(lockup.title()).isEqualTo("BUG: soft lockup in rxe_cq_post");
    }

    // ------------------------------------------------------------------ the table, row by row

    /**
     * For rows the corpus has no console of: {first line, lines after it ("\n"-separated, may be
     * empty), the culprit's frame, type, title}. Each report gets a stack in which the culprit comes
     * after reporting, locking, waiting, allocation, refcount and list-debug frames, which the title
     * must skip. {@link ConsoleCorpusTest#everyRowOfTheTableIsExercised} checks the table is covered.
     */
    static final String[][] ROW_EXAMPLES = {
        {"watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [kworker/1:2:64]", "", "rxe_cq_post", "SOFT_LOCKUP",
            "BUG: soft lockup in rxe_cq_post"},
        {"rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21003 jiffies s: 345 root: 0x2/.",
            "", "rxe_mr_copy", "RCU_STALL", "INFO: rcu detected stall in rxe_mr_copy"},
        {"WARNING: possible irq lock inversion dependency detected", "7.2.13-kfit #1 Not tainted", "rxe_cq_post",
            "LOCKDEP", "possible deadlock in rxe_cq_post"},
        {"WARNING: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected", "", "rxe_cq_post", "LOCKDEP",
            "possible deadlock in rxe_cq_post"},
        {"WARNING: inconsistent lock state", "", "rxe_cq_post", "LOCKDEP", "inconsistent lock state in rxe_cq_post"},
        {"WARNING: held lock freed!", "", "rxe_mr_cleanup", "LOCKDEP", "held lock freed in rxe_mr_cleanup"},
        {"WARNING: bad unlock balance detected!", "sh/70 is trying to release lock (&dev->mutex) at:\n"
            + "[<ffffffff81a2b3c4>] pci_p2pdma_release+0x3c/0x1a0", "pci_p2pdma_release", "LOCKDEP",
            "bad unlock balance in pci_p2pdma_release"},
        {"WARNING: bad contention detected!", "", "rxe_cq_post", "LOCKDEP", "bad contention in rxe_cq_post"},
        {"WARNING: lock held when returning to user space!", "rdma/92 is leaving the kernel with locks still held!\n"
            + "1 lock held by rdma/92:\n"
            + " #0: ffff888004c3d2a8 (&device->unregistration_lock){+.+.}-{4:4}, at: ib_unregister_device+0x2c/0x60",
            "syscall_exit_to_user_mode", "LOCKDEP", "lock held when returning to user space in ib_unregister_device"},
        {"WARNING: suspicious RCU usage", "7.2.13-kfit #1 Not tainted\n-----------------------------\n"
            + "drivers/infiniband/core/device.c:2297 suspicious rcu_dereference_check() usage!",
            "ib_device_get_netdev", "LOCKDEP", "suspicious RCU usage in ib_device_get_netdev"},
        {"WARNING: chain_key collision", "", "rxe_cq_post", "LOCKDEP", "chain_key collision in rxe_cq_post"},
        {"BUG: key ffff888004a6e0b8 has not been registered!", "", "rxe_create_cq", "LOCKDEP",
            "lock key not registered in rxe_create_cq"},
        {"BUG: looking up invalid subclass: 9", "", "rxe_create_cq", "LOCKDEP",
            "looking up invalid subclass in rxe_create_cq"},
        {"WARNING: CPU: 0 PID: 70 at lib/list_debug.c:65 __list_del_entry_valid_or_report+0x7c/0xd0",
            "RIP: 0010:__list_del_entry_valid_or_report+0x7c/0xd0", "pci_p2pdma_release", "WARNING",
            "WARNING: list_del corruption in pci_p2pdma_release"},
        // No symbols in the WARNING line: the helper's file says what kind it is, the stack who called it.
        {"WARNING: lib/list_debug.c:65 at 0xffffffff8153c2d1, CPU#0: sh/70", "", "pci_p2pdma_release", "WARNING",
            "WARNING: list corruption in pci_p2pdma_release"},
        {"UBSAN: array index out of bounds at rxe_receiver+0x1c31/0x1f20 [rdma_rxe]",
            "Oops: invalid opcode: 0000 [#1] SMP NOPTI\nRIP: 0010:rxe_receiver+0x1c31/0x1f20 [rdma_rxe]",
            "do_task", "BUG", "UBSAN: array index out of bounds in rxe_receiver"},
        {"BUG: KMSAN: uninit-value in rxe_icrc_hdr+0x1a/0x2f0 [rdma_rxe]", "", "rxe_icrc_check", "BUG",
            "KMSAN: uninit-value in rxe_icrc_hdr"},
        {"BUG: KCSAN: data-race in rxe_cq_post / rxe_poll_cq", "", "rxe_completer", "BUG",
            "KCSAN: data-race in rxe_cq_post"},
        {"kernel BUG at drivers/pci/p2pdma.c:210!",
            "Oops: invalid opcode: 0000 [#1] SMP NOPTI\nRIP: 0010:pci_p2pdma_release+0x52/0x90",
            "devm_action_release", "BUG", "kernel BUG in pci_p2pdma_release"},
        {"BUG: spinlock bad magic on CPU#0, sh/70", " lock: 0xffff888004e2a1c0, .magic: 00000000, .owner: <none>/-1",
            "rxe_cq_post", "BUG", "BUG: spinlock bad magic in rxe_cq_post"},
        {"Oops: stack guard page: 0000 [#1] SMP NOPTI", "", "rxe_requester", "OOPS", "stack guard page in rxe_requester"},
        {"Kernel panic - not syncing: hung_task: blocked tasks", "", "watchdog", "PANIC",
            "kernel panic: hung_task: blocked tasks"},
    };

    static List<String[]> rowExamples() {
        return List.of(ROW_EXAMPLES);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("rowExamples")
    void rowTitleNamesTheCodeAtFault(String first, String after, String culprit, String type, String title) {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("------------[ cut here ]------------");
        lines.add(first);
        if (!after.isEmpty()) {
            lines.addAll(List.of(after.split("\n")));
        }
        lines.addAll(List.of("CPU: 0 UID: 0 PID: 70 Comm: sh Not tainted 7.2.13-kfit #1 NONE",
                "Call Trace:", " <TASK>", " dump_stack_lvl+0x5d/0x80", " ? __warn+0x89/0x130",
                " __might_resched+0x17c/0x1a0", " lock_acquire+0xcd/0x2f0", " mutex_lock_nested+0x1b/0x30",
                " __kmalloc_cache_noprof+0x1b5/0x2f0", " refcount_warn_saturate+0x9e/0x110",
                " __list_add_valid_or_report+0x9c/0xb0", " wait_for_completion_timeout+0x24/0x40",
                " " + culprit + "+0x12/0x40 [rdma_rxe]", " do_syscall_64+0x82/0x190", " </TASK>",
                "---[ end trace 0000000000000000 ]---",
                "=================================================================="));
        Splat s = only(console(12, lines.toArray(String[]::new)));
        assertThat(s.type()).isEqualTo(SplatType.valueOf(type));
        assertThat(s.title()).isEqualTo(title);
        assertThat(s.corrupted()).as("corrupted").isFalse();
        assertThat(s.count()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ repeats and corrupted reports

    @Test
    void distinctCountsRepeatsAndKeepsTheFirstWholePrint() {
        String whole = hungTask(25.6, "kfit-guest", 74, 5);
        String text = hungTask(20.1, "kfit-guest", 74, 5).replace(" </TASK>\n", "")
                + warning(22.0) + whole + hungTask(30.7, "kfit-guest", 74, 10);

        List<Splat> all = ConsoleParser.parse(text);
        List<Splat> distinct = ConsoleParser.distinct(all);

        // The first print is interleaved with the WARNING, whose "cut here" starts inside its stack.
        assertThat(all).extracting(Splat::corrupted).containsExactly(true, false, false, false);
        assertThat(distinct).extracting(Splat::type, Splat::count, Splat::corrupted).containsExactly(
                tuple(SplatType.HUNG_TASK, 3, false), tuple(SplatType.WARNING, 1, false));
        assertThat(distinct.get(0).timestamp()).isEqualTo(25.6);
        assertThat(distinct.get(0).excerpt()).endsWith("</TASK>");
    }

    @Test
    void aRepeatCutBeforeItsCulpritCountsTowardsTheWholeOnes() {
        String cut = hungTask(30.7, "kfit-guest", 74, 10);
        cut = cut.substring(0, cut.indexOf("schedule_timeout"));
        List<Splat> all = ConsoleParser.parse(hungTask(25.6, "kfit-guest", 74, 5) + cut);

        assertThat(all).extracting(Splat::title, Splat::corrupted).containsExactly(
                tuple("INFO: task kfit-guest blocked in state D in memunmap_pages", false),
                tuple("INFO: task kfit-guest blocked in state D in unknown", true));
        assertThat(ConsoleParser.distinct(all)).extracting(Splat::title, Splat::count, Splat::corrupted)
                .containsExactly(tuple("INFO: task kfit-guest blocked in state D in memunmap_pages", 2, false));
        // Alone, the cut print stays a finding of its own, marked corrupted.
        assertThat(ConsoleParser.distinct(ConsoleParser.parse(cut))).extracting(Splat::count, Splat::corrupted)
                .containsExactly(tuple(1, true));
    }

    @Test
    void aReportRunningIntoTheNextBootIsCorrupted() {
        String w = warning(5);
        String cut = w.substring(0, w.lastIndexOf('\n', w.indexOf(" </TASK>")) + 1)
                + console(0, "Linux version 7.2.13-kfit (kfit@builder)");
        Splat s = only(cut);
        assertThat(s.corrupted()).isTrue();
        assertThat(s.excerpt()).doesNotContain("Linux version");
        assertThat(only(w).corrupted()).isFalse();
    }

    @Test
    void hungTaskOwnerLineWithoutAnOwnerEndsTheReport() {
        String text = hungTask(10, "sh", 70, 5)
                + console(10.1, "INFO: task sh:70 is blocked on a mutex, but the owner is not found.",
                        "nvme nvme0: 1/0/0 default/read/poll queues",
                        "e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: RX");
        Splat s = only(text);
        assertThat(s.corrupted()).isFalse();
        assertThat(s.excerpt()).endsWith("but the owner is not found.");
        assertThat(s.title()).isEqualTo("INFO: task sh blocked in state D in memunmap_pages");
    }

    @Test
    void hungTaskInIoWaitSaysSo() {
        String text = hungTask(10, "kworker/u8:3", 57, 10)
                .replace("blocked for more", "blocked in I/O wait for more");
        assertThat(title(text)).isEqualTo("INFO: task kworker/uN:N blocked in I/O wait in state D in memunmap_pages");
    }

    @Test
    void splatsBuiltWithoutACountArePrintedOnceAndWhole() {
        Splat s = new Splat(SplatType.WARNING, "WARNING in x", "...", 1.0);
        assertThat(s.count()).isEqualTo(1);
        assertThat(s.corrupted()).isFalse();
        assertThat(s.withCount(4).count()).isEqualTo(4);
        assertThatThrownBy(() -> s.withCount(0)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ console format

    @Test
    void crlfLineEnds() {
        String text = hungTask(25.642117, "kfit-guest", 74, 5).replace("\n", "\r\n");
        Splat s = only(text);
        assertThat(s.title()).isEqualTo("INFO: task kfit-guest blocked in state D in memunmap_pages");
        assertThat(s.excerpt()).doesNotContain("\r");
        assertThat(s.excerpt().lines().toList()).hasSize(19).last().asString().endsWith("</TASK>");
    }

    @Test
    void userSpaceLinesNeitherStartNorBreakNorJoinReports() {
        String text = console(1,
                "|kfit-guest: BUG: this is printed by a test program",
                "|WARNING: CPU: 0 PID: 1 at mm/gup.c:1 is_valid_gup_args+0x7f/0xa0",
                "INFO: task kfit-guest:74 blocked for more than 5 seconds.",
                "task:kfit-guest      state:D stack:0     pid:74    tgid:74    ppid:1      flags:0x00004002",
                "Call Trace:",
                " <TASK>",
                "|kfit-init: ready",
                " __schedule+0x3a2/0x920",
                "|",
                " memunmap_pages+0x1a3/0x2e0",
                " </TASK>");
        Splat s = only(text);
        assertThat(s.title()).isEqualTo("INFO: task kfit-guest blocked in state D in memunmap_pages");
        assertThat(s.excerpt()).doesNotContain("kfit-init").endsWith("</TASK>");
    }

    @Test
    void kernelLineGluedAfterUserOutputIsStillRead() {
        String text = "kfit-init: rea[    5.000000] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009\n";
        Splat s = only(text);
        assertThat(s.title()).isEqualTo("kernel panic: Attempted to kill init!");
        assertThat(s.timestamp()).isEqualTo(5.0);
        assertThat(s.excerpt()).startsWith("[    5.000000] Kernel panic");
    }

    @Test
    void consoleWithoutPrintkTimes() {
        String text = hungTask(1, "kfit-guest", 74, 5).replaceAll("(?m)^\\[[ 0-9.]+\\] ", "");
        Splat s = only(text);
        assertThat(s.title()).isEqualTo("INFO: task kfit-guest blocked in state D in memunmap_pages");
        assertThat(s.timestamp()).isNaN();
    }

    @Test
    void excerptIsCappedButTheTitleStillComesFromTheWholeReport() {
        String[] lines = new String[130];
        lines[0] = "INFO: task kfit-guest:74 blocked for more than 5 seconds.";
        lines[1] = "Call Trace:";
        lines[2] = " <TASK>";
        for (int i = 3; i < 127; i++) {
            lines[i] = " __schedule+0x3a2/0x920";
        }
        lines[127] = " memunmap_pages+0x1a3/0x2e0";
        lines[128] = " </TASK>";
        lines[129] = "nvme nvme0: 1/0/0 default/read/poll queues";
        Splat s = only(console(1, lines));
        assertThat(s.excerpt().lines().count()).isEqualTo(ConsoleParser.MAX_EXCERPT_LINES);
        assertThat(s.title()).isEqualTo("INFO: task kfit-guest blocked in memunmap_pages");
    }

    @Test
    void emptyAndCleanConsoles() {
        assertThat(ConsoleParser.parse("")).isEmpty();
        assertThat(ConsoleParser.parse(console(1, "nvme nvme0: 1/0/0 default/read/poll queues",
                "traps: sh[68] general protection fault ip:7f5d7e0e4b11 sp:7ffd3b5c1d40 error:0 in libc.so.6",
                "NMI watchdog: Perf NMI watchdog permanently disabled",
                "rcu: Hierarchical RCU implementation."))).isEmpty();
    }

    // ------------------------------------------------------------------ files

    @Test
    void readsFromAByteOffset() throws IOException {
        String first = warning(10);
        String second = hungTask(25.6, "kfit-guest", 74, 5);
        Path log = dir.resolve("console.log");
        Files.writeString(log, first + second, StandardCharsets.UTF_8);
        long boundary = first.getBytes(StandardCharsets.UTF_8).length;

        assertThat(ConsoleParser.parse(log, 0)).extracting(Splat::type)
                .containsExactly(SplatType.WARNING, SplatType.HUNG_TASK);
        assertThat(ConsoleParser.parse(log, boundary)).extracting(Splat::type)
                .containsExactly(SplatType.HUNG_TASK);
        // An offset inside a line skips that partial line: here the WARNING line itself.
        assertThat(ConsoleParser.parse(log, first.indexOf("WARNING:") + 3)).extracting(Splat::type)
                .containsExactly(SplatType.HUNG_TASK);
        assertThat(ConsoleParser.parse(log, Files.size(log))).isEmpty();
        assertThatThrownBy(() -> ConsoleParser.parse(log, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void truncatedLastLineAndBytesThatAreNotUtf8() throws IOException {
        String text = hungTask(25.6, "kfit-guest", 74, 5);
        String cut = text.substring(0, text.indexOf(" devm_action_release") + 8); // "...]  devm_ac"
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("kfit-init: caf\u00e9 ".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, '\n'});
        bytes.writeBytes(cut.getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {(byte) 0xe2, (byte) 0x82}); // a multi-byte character cut short
        Path log = dir.resolve("truncated.log");
        Files.write(log, bytes.toByteArray());

        List<Splat> splats = ConsoleParser.parse(log, 0);

        assertThat(splats).extracting(Splat::title)
                .containsExactly("INFO: task kfit-guest blocked in state D in memunmap_pages");
        assertThat(splats.get(0).excerpt()).contains("devm_ac");
    }
}
