package dev.kfit.scenario;

import dev.kfit.fault.SysfsWriteFault;
import dev.kfit.guest.Guest;
import dev.kfit.guest.GuestEvents;
import dev.kfit.history.Event;
import dev.kfit.spec.SpecMap;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A process in a guest that holds device memory, and a sysfs fault (unbind or PCI removal) raced
 * against it: the shape the designs scenario types (odp-unbind, vfio-unbind, dmabuf-unbind) share.
 * The fault is armed in the guest for a guest time; kfit then watches, bounded, until the fault has
 * returned and the holder has let go, or the grace after the holder's release has run out (a hang).
 * All times are the guest's CLOCK_MONOTONIC.
 */
public final class HolderRace {
    /** The faults these scenarios race against a holder. */
    public static final List<String> FAULTS = List.of("unbind", "pci-remove");
    private static final Duration POLL = Duration.ofMillis(250);

    private HolderRace() {
    }

    /**
     * What the race showed.
     *
     * @param faultStartNs  when the write started
     * @param faultEndNs    when it returned, null if it had not by the end of the watch
     * @param releaseNs     when the holder started to let go, null if it never did
     * @param releaseReason what made it let go (hold_elapsed, request, signal, error)
     * @param waitedUntilNs up to when kfit watched
     * @param holder        every event of the holder
     */
    public record Result(Long faultStartNs, Long faultEndNs, Boolean faultOk, Integer faultErrno, Long releaseNs,
                         String releaseReason, Long waitedUntilNs, List<Event> holder) {
        public Result {
            holder = List.copyOf(holder);
        }

        public Double faultMs() {
            return faultStartNs != null && faultEndNs != null ? (faultEndNs - faultStartNs) / 1e6 : null;
        }

        /** Whether the fault returned before the holder let go. */
        public boolean returnedWhileHeld() {
            return faultEndNs != null && (releaseNs == null || faultEndNs < releaseNs);
        }

        /** The race's times for the history's {@code scenario_end}. */
        public void putInto(java.util.Map<String, Object> m) {
            m.put("fault_start_ns", faultStartNs);
            m.put("fault_end_ns", faultEndNs);
            m.put("release_ns", releaseNs);
            m.put("release_reason", releaseReason);
            m.put("waited_until_ns", waitedUntilNs);
        }

        /** Whether kfit watched the whole grace after the release, so a fault still out is a hang. */
        public boolean watchedGraceAfterRelease(Duration grace) {
            return releaseNs != null && waitedUntilNs != null && waitedUntilNs - releaseNs >= grace.toNanos();
        }
    }

    /**
     * results.json's older fields for a race: the fault's time in {@code unbind_ms} and, when it waited for
     * the holder, {@code blocked_after_release_ms}, as pinned-unbind writes them (the table's UNBIND column).
     */
    public static dev.kfit.verdict.Judgement.Columns columns(Result r) {
        if (r == null) {
            return dev.kfit.verdict.Judgement.Columns.NONE;
        }
        Double blocked = !r.returnedWhileHeld() && r.releaseNs() != null && r.faultEndNs() != null
                ? (r.faultEndNs() - r.releaseNs()) / 1e6 : null;
        return new dev.kfit.verdict.Judgement.Columns(null, null, r.faultMs(), blocked);
    }

    /**
     * The judgement of a race whose fault never started (kfit's error) or never returned (HUNG once kfit
     * watched the whole grace after the release, else kfit's error); empty when the fault returned and
     * the scenario type's checker decides.
     */
    public static Optional<dev.kfit.verdict.Judgement> unfinished(Result r, String fault, Duration grace,
                                                                  List<dev.kfit.verdict.Measurement> m,
                                                                  java.util.Map<String, String> notes) {
        dev.kfit.verdict.Judgement.Columns cols = columns(r);
        if (r.faultStartNs() == null) {
            return Optional.of(dev.kfit.verdict.Judgement.kfitError(dev.kfit.verdict.Verdict.INFRA_ERROR,
                    "the " + fault + " never started", m, cols).withNotes(notes));
        }
        if (r.faultEndNs() == null) {
            return Optional.of(r.watchedGraceAfterRelease(grace)
                    ? dev.kfit.verdict.Judgement.of(dev.kfit.verdict.Verdict.HUNG, m, cols).withNotes(notes)
                    : dev.kfit.verdict.Judgement.kfitError(dev.kfit.verdict.Verdict.INFRA_ERROR, "the " + fault
                    + " had not returned, but kfit did not watch for the whole grace after the release", m, cols)
                    .withNotes(notes));
        }
        return Optional.empty();
    }

    /** The spec's {@code fault:}, one of {@link #FAULTS}. */
    public static String parseFault(SpecMap m) {
        String f = m.has("fault") ? m.string("fault") : "unbind";
        if (!FAULTS.contains(f)) {
            throw m.error("fault", "fault must be one of " + String.join(", ", FAULTS) + ", got '" + f + "'");
        }
        return f;
    }

    /** The fault of that name on the function {@code bdf}, bound to {@code driver}. */
    public static SysfsWriteFault fault(String kind, Guest g, String bdf, String driver) {
        return switch (kind) {
            case "unbind" -> SysfsWriteFault.unbind(g, bdf, driver);
            case "pci-remove" -> SysfsWriteFault.pciRemove(g, bdf);
            default -> throw new IllegalArgumentException("no holder fault " + kind);
        };
    }

    /**
     * Arms {@code fault} for guest time {@code atNs} and watches. {@code onReturnedWhileHeld} runs once,
     * when the fault returned while the holder still holds: it probes what the holder can still reach and
     * then makes it let go, so that the watch can end before the hold would.
     *
     * @param limit the longest the whole watch may take
     */
    public static Result watch(Guest g, String holder, SysfsWriteFault fault, long atNs, Duration limit, Duration grace,
                               Runnable onReturnedWhileHeld) {
        fault.inject(atNs);
        long deadline = System.nanoTime() + limit.toNanos();
        List<Event> held = g.poll(holder);
        List<Event> faultEvents = List.of();
        Long releaseNs = null;
        Long waitedUntil = null;
        boolean called = false;
        while (System.nanoTime() < deadline) {
            held = g.poll(holder);
            faultEvents = fault.events();
            releaseNs = Guest.find(held, GuestEvents.RELEASE_START).map(Event::guestNs).orElse(releaseNs);
            waitedUntil = g.now().orElse(waitedUntil);
            boolean returned = Guest.find(faultEvents, GuestEvents.WRITE_END).isPresent();
            boolean holderDone = Guest.find(held, GuestEvents.EXIT).isPresent() || !g.vm().isAlive();
            if (returned && releaseNs == null && !called) {
                called = true;
                onReturnedWhileHeld.run();
                continue;
            }
            if (returned && holderDone) {
                break;
            }
            if (releaseNs != null && waitedUntil != null && waitedUntil - releaseNs > grace.toNanos()) {
                break; // let go long enough ago: the fault is hung
            }
            Guest.pause(POLL);
        }
        held = g.poll(holder);
        faultEvents = fault.events();
        Optional<Event> start = Guest.find(faultEvents, GuestEvents.WRITE_START);
        Optional<Event> end = Guest.find(faultEvents, GuestEvents.WRITE_END);
        Optional<Event> release = Guest.find(held, GuestEvents.RELEASE_START);
        return new Result(start.map(Event::guestNs).orElse(null), end.map(Event::guestNs).orElse(null),
                end.map(e -> (Boolean) e.get("ok")).orElse(null),
                end.map(e -> e.get("errno")).map(n -> ((Number) n).intValue()).orElse(null),
                release.map(Event::guestNs).orElse(null), release.map(e -> String.valueOf(e.get("reason"))).orElse(null),
                waitedUntil, held);
    }

    /**
     * Sends a signal to a kfit-guest process of the guest, by the pid its {@code start} event gave (a
     * pattern match would also hit the shell that runs it). Nothing to do when it never started.
     */
    public static void signal(Guest g, String sig, String process) {
        Optional<Event> start = Guest.find(g.poll(process), GuestEvents.START);
        if (start.isEmpty() || !(start.get().get("pid") instanceof Number pid)) {
            return;
        }
        g.exec(List.of("kill", "-s", sig, Long.toString(pid.longValue())), Guest.COMMAND_TIMEOUT);
    }

    /**
     * What every holder does once the fault has returned with the memory still held: SIGUSR2 makes it try
     * the memory once more (it answers with one more {@code answer} event, or exits), then, after
     * {@code linger}, SIGUSR1 lets it go. Bounded: a holder that never answers is let go after 15 s.
     */
    public static void probeThenRelease(Guest g, String holder, String answer, Duration linger) {
        long before = g.poll(holder).stream().filter(e -> e.type().equals(answer)).count();
        signal(g, "USR2", holder);
        g.awaitEvents(holder, e -> e.stream().filter(x -> x.type().equals(answer)).count() > before
                || Guest.find(e, GuestEvents.EXIT).isPresent(), Duration.ofSeconds(15));
        if (!linger.isZero()) {
            Guest.pause(linger);
        }
        signal(g, "USR1", holder);
    }
}
