package dev.kfit.fault;

import dev.kfit.guest.Guest;
import dev.kfit.history.Event;

import java.util.List;

/**
 * A fault: inject, then heal. Both are events in the cell's history; teardown always tries to heal.
 */
public interface Fault {
    String name();

    /** Arms the fault to fire at the given guest CLOCK_MONOTONIC time (0: now). Returns at once. */
    void inject(Guest guest, long atGuestNs);

    /** Collects the fault's events so far. */
    List<Event> poll();

    /** True once the injection has returned (successfully or not). */
    boolean returned();

    /** Undoes the fault if it took effect. Bounded; reports its own outcome in the history. */
    void heal();
}
