package dev.kfit.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kfit.verdict.Measurement;

import java.util.List;

/**
 * One cell in results.json (snake_case on disk). Times are milliseconds measured in the guest.
 *
 * @param console  the console log of the guest holding the device (target), relative to the run directory
 * @param consoles every guest's console log, by guest name
 * @param error    kfit's own failure for INFRA_ERROR cells, else null
 * @param attempts how many times the cell ran: more than 1 when an INFRA_ERROR was retried
 * @param hosts    which host ran each guest, by guest name ({@code localhost} without {@code --hosts})
 * @param measurements what the scenario's checker measured, in its order; null in a run recorded before
 *                 measurements existed (see {@link #measured()}). The older fields (pin, unbind_ms,
 *                 blocked_after_release_ms, faults, traffic, recovery) stay for the scripts that read them.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record CellResult(
        String id,
        String kernel,
        String kernelVersion,
        String kernelSource,
        List<String> patches,
        String scenario,
        int repetition,
        String verdict,
        Pin pin,
        Double unbindMs,
        Double blockedAfterReleaseMs,
        List<SplatResult> splats,
        List<dev.kfit.scenario.ScenarioOutcome.FaultResult> faults,
        dev.kfit.scenario.ScenarioOutcome.TrafficResult traffic,
        java.util.Map<String, Object> recovery,
        String console,
        java.util.Map<String, String> consoles,
        String history,
        String error,
        String startedAt,
        double durationS,
        int attempts,
        java.util.Map<String, String> hosts,
        List<Measurement> measurements,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        java.util.Map<String, String> notes) {

    public CellResult {
        measurements = measurements == null ? null : List.copyOf(measurements);
        notes = notes == null || notes.isEmpty() ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(notes));
    }

    public CellResult(String id, String kernel, String kernelVersion, String kernelSource, List<String> patches,
                      String scenario, int repetition, String verdict, Pin pin, Double unbindMs,
                      Double blockedAfterReleaseMs, List<SplatResult> splats,
                      List<dev.kfit.scenario.ScenarioOutcome.FaultResult> faults,
                      dev.kfit.scenario.ScenarioOutcome.TrafficResult traffic, java.util.Map<String, Object> recovery,
                      String console, java.util.Map<String, String> consoles, String history, String error,
                      String startedAt, double durationS, int attempts, java.util.Map<String, String> hosts,
                      List<Measurement> measurements) {
        this(id, kernel, kernelVersion, kernelSource, patches, scenario, repetition, verdict, pin, unbindMs,
                blockedAfterReleaseMs, splats, faults, traffic, recovery, console, consoles, history, error, startedAt,
                durationS, attempts, hosts, measurements, null);
    }

    public CellResult(String id, String kernel, String kernelVersion, String kernelSource, List<String> patches,
                      String scenario, int repetition, String verdict, Pin pin, Double unbindMs,
                      Double blockedAfterReleaseMs, List<SplatResult> splats,
                      List<dev.kfit.scenario.ScenarioOutcome.FaultResult> faults,
                      dev.kfit.scenario.ScenarioOutcome.TrafficResult traffic, java.util.Map<String, Object> recovery,
                      String console, java.util.Map<String, String> consoles, String history, String error,
                      String startedAt, double durationS, int attempts) {
        this(id, kernel, kernelVersion, kernelSource, patches, scenario, repetition, verdict, pin, unbindMs,
                blockedAfterReleaseMs, splats, faults, traffic, recovery, console, consoles, history, error, startedAt,
                durationS, attempts, null, null);
    }

    /** The same result, noting how many times the cell was run (INFRA_ERROR is retried). */
    public CellResult withAttempts(int n) {
        return new CellResult(id, kernel, kernelVersion, kernelSource, patches, scenario, repetition, verdict, pin,
                unbindMs, blockedAfterReleaseMs, splats, faults, traffic, recovery, console, consoles, history, error,
                startedAt, durationS, n, hosts, measurements, notes);
    }

    /** The same result, saying which host ran each guest. */
    public CellResult withHosts(java.util.Map<String, String> guestHosts) {
        return new CellResult(id, kernel, kernelVersion, kernelSource, patches, scenario, repetition, verdict, pin,
                unbindMs, blockedAfterReleaseMs, splats, faults, traffic, recovery, console, consoles, history, error,
                startedAt, durationS, attempts, guestHosts == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(guestHosts)),
                measurements, notes);
    }

    /** The same result with the checker's measurements. */
    public CellResult withMeasurements(List<Measurement> m) {
        return new CellResult(id, kernel, kernelVersion, kernelSource, patches, scenario, repetition, verdict, pin,
                unbindMs, blockedAfterReleaseMs, splats, faults, traffic, recovery, console, consoles, history, error,
                startedAt, durationS, attempts, hosts, m, notes);
    }

    /** The same result with the checker's notes (what the holder and a peer saw, why UNSUPPORTED). */
    public CellResult withNotes(java.util.Map<String, String> n) {
        return new CellResult(id, kernel, kernelVersion, kernelSource, patches, scenario, repetition, verdict, pin,
                unbindMs, blockedAfterReleaseMs, splats, faults, traffic, recovery, console, consoles, history, error,
                startedAt, durationS, attempts, hosts, measurements, n);
    }

    /**
     * The measurements to report and compare: those recorded, or for a run from before measurements
     * existed, its {@code unbind_ms} as the one measurement (what compare used to look at).
     */
    public List<Measurement> measured() {
        if (measurements != null) {
            return measurements;
        }
        return unbindMs == null || !Double.isFinite(unbindMs) ? List.of() : List.of(Measurement.ms("unbind_ms", unbindMs));
    }

    public record Pin(Boolean ok, Integer errno) {
    }

    /**
     * One finding of a cell: a kernel report, however many times the console printed it.
     *
     * @param guest the guest whose console printed it
     * @param count how many times it was printed (the hung-task detector reports a task every check
     *              interval); results.json written before counts existed has no {@code count}, read as 1
     */
    public record SplatResult(String type, String title, double timestamp, String excerpt, String guest, int count) {
        public SplatResult {
            count = Math.max(count, 1);
        }

        public SplatResult(String type, String title, double timestamp, String excerpt, String guest) {
            this(type, title, timestamp, excerpt, guest, 1);
        }

        /** {@code splat} as printed on {@code guest}'s console. */
        public static SplatResult of(dev.kfit.monitor.Splat splat, String guest) {
            return new SplatResult(splat.type().name(), splat.title(), splat.timestamp(), splat.excerpt(), guest,
                    splat.count());
        }
    }
}
