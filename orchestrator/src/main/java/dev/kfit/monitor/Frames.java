package dev.kfit.monitor;

import java.util.regex.Pattern;

/**
 * Stack frames that say how the kernel came to print a report, or where a task waits, never what
 * the bug is. A report's title names the first frame outside this list (and outside its kind's own
 * {@link ReportKind#skip() extra list}): the code at fault, not the helper that noticed.
 */
final class Frames {

    static final Pattern SKIPPED = Pattern.compile(String.join("|",
            // the scheduler, and sleeping and waiting primitives
            "__schedule", "schedule", "schedule_timeout.*", "schedule_hrtimeout.*",
            "schedule_preempt_disabled", "preempt_schedule.*", "io_schedule.*", "__cond_resched",
            "__wait_for_common", "wait_for_completion.*", "wait_for_common.*", "do_wait_for_common",
            "__wait_rcu_gp", "wait_rcu_gp", "__wait_event.*", "wait_event.*", "prepare_to_wait.*",
            "finish_wait", "bit_wait.*", "__wait_on_bit.*", "out_of_line_wait_on_bit.*",
            "folio_wait_bit.*", "__folio_lock.*", "folio_wait_.*", "__wait_on_buffer",
            "msleep.*", "usleep_range.*", "do_nanosleep", "hrtimer_nanosleep", "__flush_work",
            "flush_work", "__flush_workqueue", "flush_workqueue", "drain_workqueue", "percpu_ref_.*",
            "__percpu_ref_.*", "__synchronize_.*", "synchronize_.*", "rcu_barrier",
            "percpu_down_.*", "__percpu_down_.*", "percpu_rwsem_.*",
            // locks
            "__mutex_lock.*", "mutex_lock.*", "__mutex_unlock.*", "mutex_unlock", "mutex_trylock",
            "__ww_mutex_lock.*", "ww_mutex_lock.*", "rwsem_down_.*", "__rwsem_.*", "down_.*", "down",
            "__down.*", "up_read", "up_write", "up", "_raw_.*", "__raw_.*", "do_raw_.*",
            "queued_.*lock.*", "native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath",
            "pv_queued_spin_lock_slowpath", "rt_.*lock.*", "spin_.*lock.*",
            "__mutex_init", "__init_rwsem", "__rwlock_init", "__init_waitqueue_head",
            "__init_swait_queue_head",
            // lockdep
            "lock_acquire", "lock_release", "__lock_acquire", "__lock_release", "lock_acquired",
            "lock_contended", "lockdep_.*", "__lockdep_.*", "lock_is_held_type", "check_noncircular",
            "check_prev_add", "check_prevs_add", "check_irq_usage", "check_deadlock",
            "validate_chain", "mark_lock.*", "mark_usage", "debug_check_no_locks_.*",
            "register_lock_class", "look_up_lock_class", "hlock_class", "__might_.*", "___might_sleep",
            "might_fault", "__schedule_bug", "schedule_debug.*",
            // refcount and list debugging: the helper noticed, its caller is at fault
            "refcount_.*", "__refcount_.*", "_*list_\\w*valid\\w*", "check_data_corruption",
            // memory allocation and freeing
            "kmalloc.*", "__kmalloc.*", "kmalloc_trace.*", "kmem_cache_alloc.*", "kmem_cache_free",
            "kzalloc.*", "kvmalloc.*", "__kvmalloc.*", "kvzalloc.*", "krealloc.*", "kmemdup.*",
            "kstrdup.*", "kfree", "kvfree", "kfree_sensitive", "__kfree.*", "slab_.*", "__slab_.*",
            "___slab_alloc", "alloc_pages.*", "__alloc_pages.*", "alloc_frozen_pages.*",
            "__alloc_frozen_pages.*", "get_page_from_freelist", "__get_free_pages", "folio_alloc.*",
            "vmalloc.*", "__vmalloc.*", "vzalloc.*", "vfree", "should_fail.*", "__should_failslab",
            // reporting: WARN/BUG/oops/panic machinery, stack dumps and sanitizers
            "print_.*", "dump_stack.*", "__dump_stack", "show_stack", "show_trace_log_lvl",
            "show_regs", "__show_regs", "__warn", "warn_slowpath_fmt", "__warn_printk",
            "check_panic_on_warn", "__?report_bug.*", "handle_bug", "fixup_bug", "exc_invalid_op",
            "asm_exc_invalid_op", "exc_int3", "asm_exc_int3", "do_int3.*", "__die.*", "die", "die_addr",
            "die_body", "oops_.*", "page_fault_oops", "kernelmode_fixup_or_oops",
            "__bad_area_nosemaphore", "bad_area_nosemaphore", "do_user_addr_fault",
            "do_kern_addr_fault", "handle_page_fault", "exc_page_fault", "asm_exc_page_fault",
            "exc_general_protection", "asm_exc_general_protection", "do_trap", "do_error_trap",
            "panic", "vpanic", "nmi_panic", "(?:start|end)_report", "kasan_.*", "__kasan_.*",
            "__asan_.*", "__hwasan_.*", "kmsan_.*", "__msan_.*", "kfence_.*", "__kfence_.*",
            "kcsan_.*", "__tsan_.*", "check_memory_region.*", "check_region_inline",
            "__ubsan_.*", "ubsan_.*", "mem(?:cpy|set|move)(?:_orig|_erms)?", "__mem(?:cpy|set|move)",
            "__pfx_.*",
            // timer interrupts, watchdogs and NMI backtraces
            "rcu_dump_cpu_stacks", "rcu_pending", "rcu_sched_clock_irq", "rcu_.*stall.*",
            "check_cpu_stall", "update_process_times", "tick_.*", "__hrtimer_run_queues",
            "hrtimer_interrupt", "hrtimer_run_queues", "__run_hrtimer", "__sysvec_.*", "sysvec_.*",
            "asm_sysvec_.*", "common_interrupt", "asm_common_interrupt", "__irq_exit_rcu",
            "irq_exit_rcu", "irq_exit", "__do_softirq", "handle_softirqs", "do_softirq.*",
            "invoke_softirq", "run_ksoftirqd", "smpboot_thread_fn", "watchdog_timer_fn",
            "softlockup_fn", "nmi_cpu_backtrace.*", "nmi_trigger_cpumask_backtrace",
            "arch_trigger_cpumask_backtrace", "trigger_.*backtrace", "default_do_nmi", "exc_nmi",
            "asm_exc_nmi", "nmi_handle", "dump_cpu_task", "sched_show_task", "debug_show_blocker",
            // the idle loop and the entry glue under every syscall and kernel thread
            "native_safe_halt", "default_idle", "arch_cpu_idle", "default_idle_call",
            "cpuidle_idle_call", "do_idle", "cpu_startup_entry", "start_secondary",
            "common_startup_64", "do_syscall_64", "do_syscall_x64", "x64_sys_call",
            "entry_SYSCALL_64.*", "ret_from_fork.*", "kthread", "worker_thread",
            "process_one_work", "process_scheduled_works"));

    private Frames() {
    }

    /** True if {@code fn} (a function name, clone suffixes dropped) is never a report's culprit. */
    static boolean skipped(String fn, Pattern extra) {
        return SKIPPED.matcher(fn).matches() || extra != null && extra.matcher(fn).matches();
    }
}
