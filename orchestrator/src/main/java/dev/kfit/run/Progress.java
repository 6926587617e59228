package dev.kfit.run;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What a long run is doing, for the person or CI log watching it: cells done of total, the phase of
 * each running task (a kernel building, a cell booting, running, collecting), elapsed time and an
 * estimate of what is left. On a terminal a status block under the log redraws in place; elsewhere
 * (CI, a pipe) every change is one line, so logs stay greppable. Thread-safe: cells run in parallel.
 */
public final class Progress implements AutoCloseable {
    private final PrintStream out;
    private final boolean redraw;
    private final int width;
    private final LongSupplier nanos;
    private final Map<String, Running> running = new LinkedHashMap<>();
    private int total;
    private int finished;
    private int ranHere;
    private long cellsStartNs = -1;
    /** The cells still to run, by id; an estimate of what is left sums their expected durations. */
    private final Map<String, Planned> planned = new LinkedHashMap<>();
    private final Map<String, Long> cellStartNs = new java.util.HashMap<>();
    /** Seconds each finished (kernel, scenario) and each scenario took, cells run here only. */
    private final Map<String, List<Double>> seconds = new java.util.HashMap<>();
    private double secondsRanHere;

    /** A cell to come: its duration is guessed from earlier cells of the same kernel and scenario, else scenario. */
    public record Planned(String id, String kernel, String scenario) {
    }
    private int drawn;
    private Thread ticker;

    private record Running(String phase, long sinceNs) {
    }

    Progress(PrintStream out, boolean redraw, int width, LongSupplier nanos) {
        this.out = out;
        this.redraw = redraw;
        this.width = width;
        this.nanos = nanos;
    }

    /**
     * Standard error; redrawn in place only on an interactive terminal that understands cursor
     * movement and outside CI ({@code KFIT_PROGRESS=lines} forces lines).
     */
    public static Progress toStderr() {
        String term = System.getenv("TERM");
        boolean tty = System.console() != null && term != null && !term.equals("dumb") && System.getenv("CI") == null
                && !"lines".equals(System.getenv("KFIT_PROGRESS"));
        int columns = 100;
        try {
            columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100"));
        } catch (NumberFormatException e) {
            // keep 100
        }
        Progress p = new Progress(System.err, tty, Math.max(40, columns), System::nanoTime);
        if (tty) {
            p.startTicker();
        }
        return p;
    }

    /** Redraws every second so the elapsed times of long phases (a 10-minute build) move. */
    private void startTicker() {
        ticker = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(1000);
                    synchronized (this) {
                        redrawOrNothing();
                    }
                }
            } catch (InterruptedException e) {
                // closed
            }
        }, "kfit-progress");
        ticker.setDaemon(true);
        ticker.start();
    }

    /** A message that stays in the log (build finished, accelerator chosen, a retry). */
    public synchronized void log(String message) {
        erase();
        out.println("kfit: " + message);
        draw();
    }

    /** The cells start: {@code alreadyFinished} of {@code total} were kept from an earlier run; {@code toRun} come. */
    public synchronized void cells(int total, int alreadyFinished, List<Planned> toRun) {
        toRun.forEach(c -> planned.put(c.id(), c));
        this.total = total;
        this.finished = alreadyFinished;
        this.cellsStartNs = nanos.getAsLong();
        if (alreadyFinished > 0) {
            log(alreadyFinished + " of " + total + " cells finished in an earlier run of this directory, kept");
        } else {
            redrawOrNothing();
        }
    }

    /** {@code task} (a cell id, or "kernel LABEL") is now in {@code phase}. */
    public synchronized void phase(String task, String phase) {
        cellStartNs.putIfAbsent(task, nanos.getAsLong());
        running.put(task, new Running(phase, nanos.getAsLong()));
        if (redraw) {
            redrawOrNothing();
        } else {
            out.println("kfit: " + task + ": " + phase + summary());
        }
    }

    /** {@code task} ended without being a cell (a kernel build). */
    public synchronized void end(String task) {
        running.remove(task);
        cellStartNs.remove(task);
        redrawOrNothing();
    }

    /** Cell {@code id} is finished with {@code verdict}; the estimate learns from cells run here only. */
    public synchronized void done(String id, String verdict) {
        running.remove(id);
        finished++;
        ranHere++;
        Planned c = planned.remove(id);
        Long start = cellStartNs.remove(id);
        if (c != null && start != null) {
            double secs = (nanos.getAsLong() - start) / 1e9;
            seconds.computeIfAbsent(c.kernel() + "\n" + c.scenario(), k -> new ArrayList<>()).add(secs);
            seconds.computeIfAbsent(c.scenario(), k -> new ArrayList<>()).add(secs);
            secondsRanHere += secs;
        }
        log(id + ": " + verdict + summary());
    }

    /** " (3/60 cells, elapsed 4 min, about 50 min left)": the estimate comes from the cells finished here. */
    synchronized String summary() {
        if (total == 0) {
            return "";
        }
        StringBuilder s = new StringBuilder(" (").append(finished).append('/').append(total).append(" cells");
        if (cellsStartNs >= 0) {
            long elapsed = (nanos.getAsLong() - cellsStartNs) / 1_000_000_000L;
            s.append(", elapsed ").append(duration(elapsed));
            long left = left(elapsed);
            if (left >= 0 && finished < total) {
                s.append(", about ").append(duration(left)).append(" left");
            }
        }
        return s.append(')').toString();
    }

    /**
     * Seconds left: the expected duration of every cell to come (the mean of its kernel and scenario
     * so far, else of its scenario, else of all cells), scaled by how many ran side by side (cell
     * seconds per wall second). -1 before the first cell ends.
     */
    private long left(long elapsedSeconds) {
        if (ranHere == 0 || secondsRanHere <= 0) {
            return -1;
        }
        double all = secondsRanHere / ranHere;
        double sum = 0;
        long now = nanos.getAsLong();
        for (Planned c : planned.values()) {
            List<Double> same = seconds.getOrDefault(c.kernel() + "\n" + c.scenario(), seconds.get(c.scenario()));
            double expected = same == null ? all : same.stream().mapToDouble(Double::doubleValue).average().orElse(all);
            Long started = cellStartNs.get(c.id());
            if (started != null) { // running: what it has done is not left; past its guess, still a little
                expected = Math.max(expected - (now - started) / 1e9, expected / 10);
            }
            sum += expected;
        }
        double sideBySide = Math.max(1.0, secondsRanHere / Math.max(1, elapsedSeconds));
        return Math.round(sum / sideBySide);
    }

    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return (seconds + 30) / 60 + " min";
        }
        return String.format(Locale.ROOT, "%d h %02d min", seconds / 3600, (seconds % 3600 + 30) / 60);
    }

    /** Leaves the log clean: the status block is wiped, the log lines above it stay. */
    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.interrupt();
        }
        erase();
        running.clear();
    }

    private void redrawOrNothing() {
        if (redraw) {
            erase();
            draw();
        }
    }

    private void erase() {
        if (redraw && drawn > 0) {
            // Up to the first status line, then clear to the end of the screen.
            out.print("\r\033[" + drawn + "A\033[J");
            drawn = 0;
        }
    }

    private void draw() {
        if (!redraw || (running.isEmpty() && total == 0)) {
            return;
        }
        long now = nanos.getAsLong();
        out.println(fit("kfit:" + summary()));
        drawn = 1;
        for (Map.Entry<String, Running> e : running.entrySet()) {
            long secs = (now - e.getValue().sinceNs()) / 1_000_000_000L;
            out.println(fit("  " + e.getKey() + ": " + e.getValue().phase() + " (" + duration(secs) + ")"));
            drawn++;
        }
        out.flush();
    }

    /** A wrapped line would break the count of lines to move up over. */
    private String fit(String line) {
        return line.length() < width ? line : line.substring(0, width - 2) + "…";
    }
}
