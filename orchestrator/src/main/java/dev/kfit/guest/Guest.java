package dev.kfit.guest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.history.Event;
import dev.kfit.history.History;
import dev.kfit.ssh.ExecResult;
import dev.kfit.ssh.SshSession;
import dev.kfit.vm.Vm;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A running guest as scenarios see it: commands over SSH, background processes of kfit's guest
 * tool whose JSON-line events are collected into the cell's history.
 */
public final class Guest implements AutoCloseable {
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /** Between two polls of a guest's events: each poll is one SSH round trip. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final String EVENT_DIR = "/run/kfit";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Vm vm;
    private final SshSession ssh;
    private final History history;
    private final Map<String, List<Event>> streams = new HashMap<>();
    private final Map<String, Long> offsets = new HashMap<>();
    private static final java.util.regex.Pattern T_NS = java.util.regex.Pattern.compile("\"t_ns\":(\\d+)");
    private static final int CLOCK_ROUND_TRIPS = 8;
    private Long hostMinusGuestNs;
    private long calibratedAtHostNs;

    public Guest(String name, Vm vm, SshSession ssh, History history) {
        this.name = name;
        this.vm = vm;
        this.ssh = ssh;
        this.history = history;
    }

    public String name() {
        return name;
    }

    public Vm vm() {
        return vm;
    }

    public History history() {
        return history;
    }

    /** Runs a command and fails (InfraException with status and output) unless it exits 0. */
    public ExecResult check(List<String> argv) {
        return ssh.check(argv, COMMAND_TIMEOUT);
    }

    /** Sets the guest kernel's {@code hung_task_timeout_secs} (whole seconds; 0 turns the detector off). */
    public void setHungTaskTimeout(Duration timeout) {
        check(List.of("kfit-guest", "write", "/proc/sys/kernel/hung_task_timeout_secs", Long.toString(timeout.toSeconds())));
    }

    public ExecResult exec(List<String> argv, Duration timeout) {
        return ssh.exec(argv, timeout);
    }

    /**
     * Starts {@code argv} detached from the SSH session (it survives a blocked or lost session), its
     * stdout going to an event file that {@link #poll} reads.
     */
    public void spawn(String process, List<String> argv) {
        List<String> cmd = new ArrayList<>(List.of("setsid", "-f", "sh", "-c",
                "out=$1; shift; exec \"$@\" </dev/null >\"$out\" 2>\"$out.err\"", "kfit-spawn", eventFile(process)));
        cmd.addAll(argv);
        history.host("spawn", Map.of("guest", name, "process", process, "argv", argv));
        ssh.check(List.of("mkdir", "-p", EVENT_DIR), COMMAND_TIMEOUT);
        ssh.check(cmd, COMMAND_TIMEOUT);
        streams.put(process, new ArrayList<>());
        offsets.remove(process);
    }

    /**
     * Reads the process's event file and appends events not seen before to the history.
     * Returns every event of that process so far. A failed read returns what is known.
     */
    public List<Event> poll(String process) {
        List<Event> seen = streams.computeIfAbsent(process, p -> new ArrayList<>());
        long offset = offsets.getOrDefault(process, 0L);
        // A guest that died (host-crash, a crashed kernel) has said all it will: what is known stands.
        if (!vm.isAlive()) {
            return List.copyOf(seen);
        }
        // Only what was appended since the last poll: a long traffic run writes thousands of events.
        ExecResult r;
        try {
            r = ssh.exec(List.of("tail", "-c", "+" + (offset + 1), eventFile(process)), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            // Its SSH may notice before kfit hears QEMU exit: give that a moment.
            if (vm.awaitExit(Duration.ofSeconds(3))) {
                return List.copyOf(seen); // it died while we asked
            }
            throw e;
        }
        if (!r.ok()) {
            return List.copyOf(seen);
        }
        String text = r.stdout();
        // The last line may be half written: only complete lines count, the rest is read again next time.
        int end = text.lastIndexOf('\n') + 1;
        for (String line : text.substring(0, end).split("\n")) {
            if (!line.isBlank()) {
                seen.add(history.append(parse(process, line)));
            }
        }
        offsets.put(process, offset + text.substring(0, end).getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        return List.copyOf(seen);
    }

    /** The guest's CLOCK_MONOTONIC now, or empty if the guest does not answer. */
    public Optional<Long> now() {
        ExecResult r = ssh.exec(List.of("kfit-guest", "now"), Duration.ofSeconds(10));
        java.util.regex.Matcher m = T_NS.matcher(r.stdout());
        return r.ok() && m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    }

    /**
     * Maps a guest CLOCK_MONOTONIC time onto the host's System.nanoTime, so that events of several
     * guests share one timeline. Calibrated once, on the fastest of a few round trips to one running
     * {@code kfit-guest now --lines} (error: half of it, a few ms; a fresh command per round trip
     * would cost 0.1 s of fork and exec under TCG and make the error that large).
     */
    public synchronized long toHostNs(long guestNs) {
        if (hostMinusGuestNs == null) {
            long bestRtt = Long.MAX_VALUE;
            try (dev.kfit.ssh.SshDialog clock = ssh.dialog(List.of("kfit-guest", "now", "--lines"), Duration.ofSeconds(10))) {
                for (int i = 0; i < CLOCK_ROUND_TRIPS; i++) {
                    long h0 = System.nanoTime();
                    String answer = clock.ask("", Duration.ofSeconds(10));
                    long h1 = System.nanoTime();
                    java.util.regex.Matcher m = T_NS.matcher(answer);
                    if (m.find() && h1 - h0 < bestRtt) {
                        bestRtt = h1 - h0;
                        hostMinusGuestNs = (h0 + h1) / 2 - Long.parseLong(m.group(1));
                        calibratedAtHostNs = (h0 + h1) / 2;
                    }
                }
            } catch (RuntimeException e) {
                throw new dev.kfit.error.InfraException("guest " + name + ": cannot read its clock: " + e.getMessage(), e);
            }
            if (hostMinusGuestNs == null) {
                throw new dev.kfit.error.InfraException("guest " + name + ": cannot read its clock");
            }
            history.host("clock", Map.of("guest", name, "host_minus_guest_ns", hostMinusGuestNs, "rtt_ns", bestRtt));
        }
        return guestNs + hostMinusGuestNs;
    }

    /** The inverse of {@link #toHostNs}: the guest's CLOCK_MONOTONIC at the host's System.nanoTime {@code hostNs}. */
    public long toGuestNs(long hostNs) {
        return hostNs - toHostNs(0);
    }

    /**
     * How far the guest's clock moved from the host's since {@link #toHostNs} calibrated the mapping
     * (recorded in the history); empty if it never did, or the guest is gone or does not answer.
     */
    public synchronized Optional<ClockDrift> clockDrift() {
        if (hostMinusGuestNs == null || !vm.isAlive()) {
            return Optional.empty();
        }
        long h0 = System.nanoTime();
        Optional<Long> g;
        try {
            g = now();
        } catch (RuntimeException e) {
            return Optional.empty(); // a guest the scenario cut off has nothing more to say
        }
        long h1 = System.nanoTime();
        if (g.isEmpty()) {
            return Optional.empty();
        }
        long mid = (h0 + h1) / 2;
        ClockDrift d = new ClockDrift(name, (mid - calibratedAtHostNs) / 1e9, (mid - g.get() - hostMinusGuestNs) / 1e9);
        history.host("clock_check", d.toHistory());
        return Optional.of(d);
    }

    /**
     * Polls a process's events until {@code done} holds or {@code timeout} passes; returns what
     * was seen either way (the caller tells a timeout from the events).
     */
    public List<Event> awaitEvents(String process, java.util.function.Predicate<List<Event>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Event> ev = poll(process);
        while (!done.test(ev) && System.nanoTime() < deadline) {
            pause(POLL_INTERVAL);
            ev = poll(process);
        }
        return ev;
    }

    /** Until one of {@code types} appears, bounded. */
    public List<Event> awaitAny(String process, List<String> types, Duration timeout) {
        return awaitEvents(process, ev -> ev.stream().anyMatch(e -> types.contains(e.type())), timeout);
    }

    /** The one place kfit waits between polls of a guest: every caller bounds its loop with a deadline. */
    public static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.kfit.error.InfraException("interrupted", e);
        }
    }

    public static Optional<Event> find(List<Event> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).findFirst();
    }

    private Event parse(String process, String line) {
        try {
            Map<String, Object> m = JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() { });
            String type = String.valueOf(m.remove("ev"));
            Object t = m.remove("t_ns");
            Long ns = t instanceof Number n ? n.longValue() : null;
            return new Event(System.currentTimeMillis(), "guest:" + name, process, type, ns, m);
        } catch (Exception e) {
            return new Event(System.currentTimeMillis(), "guest:" + name, process, "unparsed", null, Map.of("line", line));
        }
    }

    private static String eventFile(String process) {
        return EVENT_DIR + "/" + process + ".jsonl";
    }

    @Override
    public void close() {
        ssh.close();
    }
}
