package dev.kfit.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kfit.verdict.Measurement;

import java.util.List;

/**
 * One cell in results.json (snake_case on disk). Times are milliseconds measured in the guest.
 * Code builds one with {@link #builder()} or copies one with {@link #toBuilder()}; Jackson reads
 * results.json through the canonical constructor, the only one.
 *
 * @param console  the console log of the guest holding the device (target), relative to the run directory
 * @param consoles every guest's console log, by guest name
 * @param error    kfit's own failure for INFRA_ERROR cells, else null
 * @param attempts how many times the cell ran: more than 1 when an INFRA_ERROR was retried
 * @param hosts    which host ran each guest, by guest name ({@code localhost} without {@code --hosts})
 * @param measurements what the scenario's checker measured, in its order; null in a run recorded before
 *                 measurements existed (see {@link #measured()}). The older fields (pin, unbind_ms,
 *                 blocked_after_release_ms, faults, traffic, recovery) stay for the scripts that read them.
 * @param earlyEnd what ended the boot or the scenario before its end: a crash on a console (and how long
 *                 after it the verdict came), or a booting guest's silent console; null when nothing did
 *                 (and in runs recorded before kfit watched its consoles)
 * @param phases   how long the cell's boot, scenario and collection took; null in runs recorded before
 * @param notes    what the scenario's checker saw that is not a number (holder, peer, reason); null when none
 * @param parameters what the cell's scenario ran with, as the spec writes them (defaults filled in), see
 *                 {@link dev.kfit.spec.ScenarioSpec#parameters()}; null in runs recorded before
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
        @JsonInclude(JsonInclude.Include.NON_NULL) java.util.Map<String, String> notes,
        @JsonInclude(JsonInclude.Include.NON_NULL) EarlyEnd earlyEnd,
        @JsonInclude(JsonInclude.Include.NON_NULL) CellPhases phases,
        @JsonInclude(JsonInclude.Include.NON_NULL) java.util.Map<String, String> parameters) {

    public CellResult {
        measurements = measurements == null ? null : List.copyOf(measurements);
        notes = notes == null || notes.isEmpty() ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(notes));
        parameters = parameters == null ? null : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
    }

    /** A cell to build by naming its fields; those not named stay null (numbers 0). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this cell's fields, for a copy that differs in a few. */
    public Builder toBuilder() {
        return builder()
                .id(id).kernel(kernel).kernelVersion(kernelVersion).kernelSource(kernelSource).patches(patches)
                .scenario(scenario).repetition(repetition).verdict(verdict).pin(pin).unbindMs(unbindMs)
                .blockedAfterReleaseMs(blockedAfterReleaseMs).splats(splats).faults(faults).traffic(traffic)
                .recovery(recovery).console(console).consoles(consoles).history(history).error(error)
                .startedAt(startedAt).durationS(durationS).attempts(attempts).hosts(hosts).measurements(measurements)
                .notes(notes).earlyEnd(earlyEnd).phases(phases).parameters(parameters);
    }

    /** The same result, noting how many times the cell was run (INFRA_ERROR is retried). */
    public CellResult withAttempts(int n) {
        return toBuilder().attempts(n).build();
    }

    /** The same result, saying which host ran each guest. */
    public CellResult withHosts(java.util.Map<String, String> guestHosts) {
        return toBuilder().hosts(guestHosts == null ? null
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(guestHosts))).build();
    }

    /** The same result with the checker's measurements. */
    public CellResult withMeasurements(List<Measurement> m) {
        return toBuilder().measurements(m).build();
    }

    /** The same result with the checker's notes (what the holder and a peer saw, why UNSUPPORTED). */
    public CellResult withNotes(java.util.Map<String, String> n) {
        return toBuilder().notes(n).build();
    }

    /** The same result, saying what ended its boot or scenario early (null: nothing did). */
    public CellResult withEarlyEnd(EarlyEnd e) {
        return toBuilder().earlyEnd(e).build();
    }

    /** The same result with its phases' durations. */
    public CellResult withPhases(CellPhases p) {
        return toBuilder().phases(p).build();
    }

    /** The same result with the parameters its scenario ran with. */
    public CellResult withParameters(java.util.Map<String, String> p) {
        return toBuilder().parameters(p).build();
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
     * Why kfit stopped waiting before a boot or a scenario ended on its own.
     *
     * @param reason         {@code crash}: a panic, oops or BUG on a console (the verdict is CRASH);
     *                       {@code no_output}: a booting guest printed nothing for the no-output limit
     *                       (INFRA_ERROR, error starting with NO_OUTPUT)
     * @param phase          what kfit was waiting for: {@code boot}, {@code ssh} or {@code scenario}
     * @param guest          whose console it was
     * @param type           the crash's splat type (null for no_output)
     * @param title          the crash's title (null for no_output)
     * @param consoleTimeS   the crash's printk time on its console, seconds since the guest's kernel started
     * @param oopsToVerdictS seconds from the crash to the verdict, measured from the earliest the report can
     *                       have been printed (kfit's clock when QEMU was started plus the printk time): an
     *                       upper bound
     * @param seenToVerdictS seconds from when kfit read the report's first line to the verdict: a lower bound
     * @param quietS         for no_output: how long the console had been silent
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EarlyEnd(String reason, String phase, String guest, String type, String title, Double consoleTimeS,
                           Double oopsToVerdictS, Double seenToVerdictS, Double quietS) {
        public static EarlyEnd noOutput(String guest, double quietS) {
            return new EarlyEnd("no_output", "boot", guest, null, null, null, null, null, quietS);
        }
    }

    /**
     * Where a cell's time went, in seconds.
     *
     * @param bootS     from the cell's start until every guest answered SSH (staging, QEMU, boot), or until the boot failed
     * @param scenarioS the scenario, until it ended or a crash ended it; null when it never started
     * @param collectS  stopping the guests, reading the consoles, judging
     */
    public record CellPhases(Double bootS, Double scenarioS, Double collectS) {
    }

    /**
     * One finding of a cell: a kernel report, however many times the console printed it.
     *
     * @param guest     the guest whose console printed it
     * @param count     how many times it was printed (the hung-task detector reports a task every check
     *                  interval); results.json written before counts existed has no {@code count}, read as 1
     * @param corrupted its log was cut or interleaved with another report's, so its title may name the
     *                  wrong function ({@link dev.kfit.monitor.Splat#corrupted()}); results.json written
     *                  before the flag existed has none, read as false
     */
    public record SplatResult(String type, String title, double timestamp, String excerpt, String guest, int count,
                              boolean corrupted) {
        public SplatResult {
            count = Math.max(count, 1);
        }

        public SplatResult(String type, String title, double timestamp, String excerpt, String guest, int count) {
            this(type, title, timestamp, excerpt, guest, count, false);
        }

        public SplatResult(String type, String title, double timestamp, String excerpt, String guest) {
            this(type, title, timestamp, excerpt, guest, 1, false);
        }

        /** {@code splat} as printed on {@code guest}'s console. */
        public static SplatResult of(dev.kfit.monitor.Splat splat, String guest) {
            return new SplatResult(splat.type().name(), splat.title(), splat.timestamp(), splat.excerpt(), guest,
                    splat.count(), splat.corrupted());
        }
    }

    /**
     * A {@link CellResult} by named fields, not by position (a call with some 28 arguments cannot be read).
     * What is not set is null, or 0 for a number.
     */
    public static final class Builder {
        private String id;
        private String kernel;
        private String kernelVersion;
        private String kernelSource;
        private List<String> patches;
        private String scenario;
        private int repetition;
        private String verdict;
        private Pin pin;
        private Double unbindMs;
        private Double blockedAfterReleaseMs;
        private List<SplatResult> splats;
        private List<dev.kfit.scenario.ScenarioOutcome.FaultResult> faults;
        private dev.kfit.scenario.ScenarioOutcome.TrafficResult traffic;
        private java.util.Map<String, Object> recovery;
        private String console;
        private java.util.Map<String, String> consoles;
        private String history;
        private String error;
        private String startedAt;
        private double durationS;
        private int attempts;
        private java.util.Map<String, String> hosts;
        private List<Measurement> measurements;
        private java.util.Map<String, String> notes;
        private EarlyEnd earlyEnd;
        private CellPhases phases;
        private java.util.Map<String, String> parameters;

        private Builder() {
        }

        // One line each: the setters read as the table of the record's components, in their order.
        public Builder id(String id) { this.id = id; return this; }
        public Builder kernel(String kernel) { this.kernel = kernel; return this; }
        public Builder kernelVersion(String kernelVersion) { this.kernelVersion = kernelVersion; return this; }
        public Builder kernelSource(String kernelSource) { this.kernelSource = kernelSource; return this; }
        public Builder patches(List<String> patches) { this.patches = patches; return this; }
        public Builder scenario(String scenario) { this.scenario = scenario; return this; }
        public Builder repetition(int repetition) { this.repetition = repetition; return this; }
        public Builder verdict(String verdict) { this.verdict = verdict; return this; }
        public Builder pin(Pin pin) { this.pin = pin; return this; }
        public Builder unbindMs(Double unbindMs) { this.unbindMs = unbindMs; return this; }
        public Builder blockedAfterReleaseMs(Double blockedAfterReleaseMs) { this.blockedAfterReleaseMs = blockedAfterReleaseMs; return this; }
        public Builder splats(List<SplatResult> splats) { this.splats = splats; return this; }
        public Builder faults(List<dev.kfit.scenario.ScenarioOutcome.FaultResult> faults) { this.faults = faults; return this; }
        public Builder traffic(dev.kfit.scenario.ScenarioOutcome.TrafficResult traffic) { this.traffic = traffic; return this; }
        public Builder recovery(java.util.Map<String, Object> recovery) { this.recovery = recovery; return this; }
        public Builder console(String console) { this.console = console; return this; }
        public Builder consoles(java.util.Map<String, String> consoles) { this.consoles = consoles; return this; }
        public Builder history(String history) { this.history = history; return this; }
        public Builder error(String error) { this.error = error; return this; }
        public Builder startedAt(String startedAt) { this.startedAt = startedAt; return this; }
        public Builder durationS(double durationS) { this.durationS = durationS; return this; }
        public Builder attempts(int attempts) { this.attempts = attempts; return this; }
        public Builder hosts(java.util.Map<String, String> hosts) { this.hosts = hosts; return this; }
        public Builder measurements(List<Measurement> measurements) { this.measurements = measurements; return this; }
        public Builder notes(java.util.Map<String, String> notes) { this.notes = notes; return this; }
        public Builder earlyEnd(EarlyEnd earlyEnd) { this.earlyEnd = earlyEnd; return this; }
        public Builder phases(CellPhases phases) { this.phases = phases; return this; }
        public Builder parameters(java.util.Map<String, String> parameters) { this.parameters = parameters; return this; }

        public CellResult build() {
            return new CellResult(id, kernel, kernelVersion, kernelSource, patches, scenario, repetition, verdict, pin,
                    unbindMs, blockedAfterReleaseMs, splats, faults, traffic, recovery, console, consoles, history, error,
                    startedAt, durationS, attempts, hosts, measurements, notes, earlyEnd, phases, parameters);
        }
    }
}
