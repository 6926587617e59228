package dev.kfit.fault;

import dev.kfit.verdict.Outcome;

/**
 * A fault: inject, then heal. Each step is an event in the cell's history; the scenario's teardown
 * always calls {@link #heal}. An injection may block inside the guest (an unbind waiting for a
 * pin): {@link #inject} only starts it, {@link #poll} tells whether it has returned.
 */
public interface Fault {
    /** The spec's name for it: unbind, pci-remove, hot-unplug, kill-pin-holder, link-down, rdma-link-delete. */
    String type();

    String guest();

    /** Starts the fault at the guest's CLOCK_MONOTONIC {@code atGuestNs} (0: now). Returns at once. */
    void inject(long atGuestNs);

    /**
     * How long before its time the fault may be started. A fault timed inside the guest (a write
     * armed with its guest time) is started early, so that spawning it over SSH into a busy guest
     * does not shift it; one injected from here (QMP, a command) fires when it is due.
     */
    default java.time.Duration armAhead() {
        return java.time.Duration.ZERO;
    }

    /** Collects news; returns the timing so far. */
    FaultTiming poll();

    /** Undoes the fault if it took effect; bounded; never throws for a failed heal (it is recorded). */
    void heal();

    /** The outcome of the injection: OK returned successfully, FAILED returned an error, INDETERMINATE not returned. */
    default Outcome outcome() {
        FaultTiming t = poll();
        return t.returnedHostNs() == null ? Outcome.INDETERMINATE : t.ok() ? Outcome.OK : Outcome.FAILED;
    }
}
