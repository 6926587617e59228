package dev.kfit.run;

import java.time.Duration;

/**
 * How many cells run at once. By default what the machine holds without the guests competing, since
 * a starved TCG guest stretches exactly the latencies kfit measures: one host core per guest vCPU and
 * the guests' memory (plus QEMU's own) within what is available. {@code --jobs N} replaces that with
 * a plain limit of N cells. A cell too big for the machine still runs, alone.
 */
final class Capacity {
    /** QEMU's own memory beyond the guest RAM and CMB (peak RSS measured 711-757 MiB for a 1 GiB guest). */
    static final long QEMU_OVERHEAD_MB = 256;
    /** Left for kfit, the kernel builds' page cache and the rest of the host. */
    static final long HOST_RESERVE_MB = 1024;

    record Cost(int cpus, long memoryMb) {
    }

    private final int cpus;
    private final long memoryMb;
    private final int cells;
    private int usedCpus;
    private long usedMemoryMb;
    private int usedCells;

    private Capacity(int cpus, long memoryMb, int cells) {
        this.cpus = cpus;
        this.memoryMb = memoryMb;
        this.cells = cells;
    }

    /** What the machine holds: its cores and its available memory less a reserve. */
    static Capacity ofMachine(int cores, long availableMb) {
        return new Capacity(cores, Math.max(0, availableMb - HOST_RESERVE_MB), Integer.MAX_VALUE);
    }

    /** Exactly {@code jobs} cells at once, whatever they cost. */
    static Capacity ofJobs(int jobs) {
        return new Capacity(Integer.MAX_VALUE, Long.MAX_VALUE, jobs);
    }

    /** Blocks until {@code cost} fits beside the running cells, or nothing runs; at most {@code max}. */
    synchronized boolean acquire(Cost cost, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!fits(cost)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        usedCpus += cost.cpus();
        usedMemoryMb += cost.memoryMb();
        usedCells++;
        return true;
    }

    /** Takes room without waiting: the {@link Scheduler} decided it fits. */
    synchronized void take(Cost cost) {
        usedCpus += cost.cpus();
        usedMemoryMb += cost.memoryMb();
        usedCells++;
    }

    synchronized int usedCpus() {
        return usedCpus;
    }

    synchronized void release(Cost cost) {
        usedCpus -= cost.cpus();
        usedMemoryMb -= cost.memoryMb();
        usedCells--;
        notifyAll();
    }

    synchronized boolean fits(Cost cost) {
        if (usedCells == 0) {
            return true;
        }
        return usedCells < cells && usedCpus + (long) cost.cpus() <= cpus && usedMemoryMb + cost.memoryMb() <= memoryMb;
    }

    /** For the run's report: latencies measured two cells at a time are not those measured alone. */
    String describe() {
        if (cells != Integer.MAX_VALUE) {
            return "up to " + cells + " cell(s) at once (--jobs)";
        }
        return "as many at once as fit in " + cpus + " cores (one per guest vCPU) and " + memoryMb + " MiB";
    }
}
