package dev.kfit.monitor;

/** The kinds of kernel report that kfit recognises on the serial console. */
public enum SplatType {
    HUNG_TASK,
    WARNING,
    BUG,
    OOPS,
    PANIC,
    LOCKDEP,
    RCU_STALL,
    SOFT_LOCKUP;

    /** True for the reports after which the kernel (or at least the task) did not go on normally. */
    public boolean isCrash() {
        return this == BUG || this == OOPS || this == PANIC;
    }
}
