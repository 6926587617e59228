package dev.kfit.workload;

import dev.kfit.guest.Guest;
import dev.kfit.history.Event;

import java.util.List;

/** Something that runs in a guest and reports events into the cell's history. */
public interface Workload {
    String name();

    void start(Guest guest);

    /** Collects new events; returns all of this workload's events so far. */
    List<Event> poll();

    /** Asks the workload to stop early (it reports how it stopped). Safe to call twice. */
    void stop();
}
