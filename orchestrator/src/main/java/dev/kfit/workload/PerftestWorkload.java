package dev.kfit.workload;

import dev.kfit.guest.GuestEvents;
import dev.kfit.guest.Guest;
import dev.kfit.history.Event;
import dev.kfit.verdict.Outcome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * perftest (ib_write_bw, ib_read_bw) as rdma-traffic's workload: the server registers the P2P memory
 * ({@code --mmap=<bdf>/p2pmem/allocate}) and waits; the client writes into it or reads from it with
 * {@code --run_infinitely -D 1}, one result line per one-second window, until it is stopped.
 *
 * <p>Both run under a small shell wrapper ({@link #WRAPPER}) that
 * <ul>
 *   <li>runs perftest under {@code stdbuf -oL} (its stdout would otherwise be a fully buffered pipe:
 *       lines would arrive 4 KiB at a time, result lines a report late);</li>
 *   <li>prefixes every line with the guest's clock when the line was read: {@code /proc/uptime}
 *       (CLOCK_BOOTTIME, equal to CLOCK_MONOTONIC in a guest that never suspends; 10 ms resolution,
 *       truncated, so a stamp is at most 10 ms early, plus the reader's wake-up latency late), read
 *       with the shell's builtin {@code read}: no process per line. In the history these lines are
 *       "unparsed" events with {@code line = "<ns> <text>"};</li>
 *   <li>prints {@code {"ev":"start","t_ns":..,"pid":..}} with perftest's own pid (so kill-pin-holder
 *       kills perftest) and {@code {"ev":"exit","t_ns":..,"status":..}} once it exited;</li>
 *   <li>stops perftest with SIGTERM {@code stop} seconds after the result header (the client: the
 *       traffic runs for the scenario's duration, whatever the connection setup took), and in any
 *       case after {@code limit} seconds. SIGTERM, not SIGINT: a background job of a non-interactive
 *       shell ignores SIGINT.</li>
 * </ul>
 * The server needs no stop: once the client is gone it fails its final handshake and exits 1
 * ("Failed to exchange data between server and clients"), which releases the registration.
 */
public final class PerftestWorkload {
    public static final List<String> TOOLS = List.of("ib_write_bw", "ib_read_bw");
    /** Not kfit-guest serve's 18515, so a lingering perftest server never blocks recovery's new pin. */
    public static final int PORT = 18516;
    /** perftest's reporting interval ({@code -D} with {@code --run_infinitely}). */
    public static final Duration INTERVAL = Duration.ofSeconds(1);

    /** {@code sh -c WRAPPER kfit-perftest STOP LIMIT perftest-argv...}; STOP empty: no stop after the header. */
    static final String WRAPPER = String.join("\n",
            "stop=$1; limit=$2; shift 2",
            "f=/tmp/kfit-perftest.$$; rm -f \"$f\"; mkfifo \"$f\" || exit 1",
            "stdbuf -oL -e0 \"$@\" >\"$f\" 2>&1 &",
            "pid=$!",
            "s() { read -r u _ </proc/uptime; t=${u%.*}${u#*.}0000000; }",
            "s; printf '{\"ev\":\"start\",\"t_ns\":%s,\"pid\":%s}\\n' \"$t\" \"$pid\"",
            "(sleep \"$limit\"; kill -TERM \"$pid\") </dev/null >/dev/null 2>&1 &",
            "w1=$!; w2=",
            "while IFS= read -r l || [ -n \"$l\" ]; do",
            "  s; printf '%s %s\\n' \"$t\" \"$l\"",
            "  case $l in *'#bytes'*) if [ -n \"$stop\" ] && [ -z \"$w2\" ]; then",
            "    (sleep \"$stop\"; kill -TERM \"$pid\") </dev/null >/dev/null 2>&1 & w2=$!; fi;; esac",
            "done <\"$f\"",
            "wait \"$pid\"; rc=$?",
            "s; kill $w1 $w2 2>/dev/null; rm -f \"$f\"",
            "printf '{\"ev\":\"exit\",\"t_ns\":%s,\"status\":%s}\\n' \"$t\" \"$rc\"",
            "");

    private PerftestWorkload() {
    }

    public static boolean handles(String workload) {
        return TOOLS.contains(workload);
    }

    /** The server: registers {@code p2pFile}'s memory once a client connects, serves until the client is gone. */
    public static List<String> serverArgv(String tool, String device, long size, String p2pFile, Duration limit) {
        return wrap("", limit, List.of(tool, "-d", device, "-s", Long.toString(size), "-p", Integer.toString(PORT),
                "--mmap=" + p2pFile, "--run_infinitely", "-D", Long.toString(INTERVAL.toSeconds())));
    }

    /** The client: traffic for {@code duration} after its result header, one result line per interval. */
    public static List<String> clientArgv(String tool, String device, long size, String server, Duration duration,
                                          Duration limit) {
        return wrap(seconds(duration), limit, List.of(tool, "-d", device, "-s", Long.toString(size), "-p",
                Integer.toString(PORT), "--run_infinitely", "-D", Long.toString(INTERVAL.toSeconds()), server));
    }

    private static List<String> wrap(String stop, Duration limit, List<String> perftest) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", WRAPPER, "kfit-perftest", stop, seconds(limit)));
        argv.addAll(perftest);
        return argv;
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    /** perftest's lines among a process's events (the wrapper's "unparsed" stamped lines), in order. */
    public static List<PerftestOutput.Line> lines(List<Event> events) {
        List<PerftestOutput.Line> out = new ArrayList<>();
        for (Event e : events) {
            if (e.type().equals("unparsed") && e.get("line") instanceof String s) {
                out.add(PerftestOutput.Line.stamped(s));
            }
        }
        return out;
    }

    public static PerftestOutput output(List<Event> events) {
        return PerftestOutput.parse(lines(events), PerftestOutput.Timing.FLUSHED, INTERVAL.toNanos() / 1e9);
    }

    /**
     * perftest's own refusal to report: it calibrates the CPU's clock against gettimeofday before a report
     * and gives up below r^2 = 0.9 ("Correlation coefficient r^2: 0.877452 < 0.9", then "Can't produce a
     * report", exit 1). A TCG vCPU starved by its host fails that calibration; the kernel under test has no
     * part in it. The offending line, if perftest printed it.
     */
    public static Optional<String> calibrationFailure(List<Event> events) {
        for (PerftestOutput.Line l : lines(events)) {
            if (l.text().contains("Can't produce a report") || l.text().contains("Correlation coefficient r^2")) {
                return Optional.of(l.text().strip());
            }
        }
        return Optional.empty();
    }

    public static Optional<Integer> exitStatus(List<Event> events) {
        return Guest.find(events, GuestEvents.EXIT).map(e -> e.get("status") instanceof Number n ? n.intValue() : -1);
    }

    /**
     * The server's registration once known: OK at its {@code local address} line (printed after
     * {@code ibv_reg_mr} succeeded); FAILED on an error before it (e.g. "Couldn't allocate MR") or an
     * exit without it. perftest prints no errno.
     */
    public static Optional<Outcome> registration(List<Event> serverEvents) {
        PerftestOutput out = output(serverEvents);
        if (out.registered().isPresent()) {
            return Optional.of(Outcome.OK);
        }
        if (!out.errors().isEmpty() || exitStatus(serverEvents).isPresent()) {
            return Optional.of(Outcome.FAILED);
        }
        return Optional.empty();
    }

    /** Guest ns of the registration ({@code local address} line). */
    public static Optional<Long> registeredNs(List<Event> serverEvents) {
        return output(serverEvents).registered().map(PerftestOutput.Line::seenNs);
    }

    /**
     * When the server began to let go of the pin (guest ns): its first line after the result header
     * (the failed final handshake once the client is gone; it then returns from main and the exit
     * releases the region), else its exit if it ended by itself. Killed by a signal (kill-pin-holder):
     * none, as for kfit-guest, whose killed holder reports no release either.
     */
    public static Optional<Long> releaseNs(List<Event> serverEvents) {
        PerftestOutput out = output(serverEvents);
        if (out.registered().isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> said = out.firstLineAfterResults().map(PerftestOutput.Line::seenNs);
        if (said.isPresent()) {
            return said;
        }
        return Guest.find(serverEvents, GuestEvents.EXIT)
                .filter(e -> e.get("status") instanceof Number n && n.intValue() < 128)
                .map(Event::guestNs);
    }

    /** Guest ns at which the client's traffic started: its result header. */
    public static Optional<Long> trafficStartNs(List<Event> clientEvents) {
        return output(clientEvents).header().map(PerftestOutput.Line::seenNs);
    }

    /** The server printed its banner: it is about to listen (check the port before starting the client). */
    public static boolean waitingForClient(List<Event> serverEvents) {
        return lines(serverEvents).stream().anyMatch(l -> l.text().contains("Waiting for client to connect"));
    }
}
