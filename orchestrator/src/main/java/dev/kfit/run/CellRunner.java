package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.history.History;
import dev.kfit.host.Host;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.monitor.ConsoleParser;
import dev.kfit.monitor.CrashWatch;
import dev.kfit.monitor.Splat;
import dev.kfit.report.CellResult;
import dev.kfit.scenario.Scenario;
import dev.kfit.scenario.ScenarioOutcome;
import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.topology.BootContext;
import dev.kfit.topology.Placement;
import dev.kfit.topology.Testbed;
import java.util.function.Function;
import dev.kfit.verdict.Judge;
import dev.kfit.verdict.Judgement;
import dev.kfit.vm.GuestCrashedException;
import dev.kfit.vm.NoConsoleOutputException;
import dev.kfit.vm.qemu.Accel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs one cell: boots the topology's guests with the kernel, runs the scenario, stores the
 * evidence (consoles, history) and only then has the scenario's checker judge ({@link Judge}). Every
 * failure of kfit's own becomes INFRA_ERROR, a checker that throws CHECKER_ERROR; a kernel crash seen
 * on any console is CRASH whatever else went wrong.
 *
 * <p>The consoles are watched throughout ({@link CrashWatch}): a crash while booting or while the
 * scenario runs ends that wait once the report is printed, the guests are stopped and the cell is
 * judged at once, so a kernel that oopses at boot is CRASH in seconds, not at the boot timeout. The
 * result records the phases' durations and, after such an early end, how long after the crash the
 * verdict came.
 */
public final class CellRunner {
    private final GuestImage image;
    private final Function<Host, Accel> accel;
    private final Function<Host, Path> relayBinary;
    private final GuestSpec guestSpec;
    private final RunLayout layout;
    private final Progress progress;
    /** How long a scenario ended early by a crash may take to notice its guests are gone. */
    static final Duration SCENARIO_STOP = Duration.ofSeconds(10);

    /**
     * @param accel       each host's accelerator
     * @param relayBinary the link relay's path on a host (staged there on first use)
     */
    public CellRunner(GuestImage image, Function<Host, Accel> accel, Function<Host, Path> relayBinary,
                      GuestSpec guestSpec, RunLayout layout, Progress progress) {
        this.image = image;
        this.accel = accel;
        this.relayBinary = relayBinary;
        this.guestSpec = guestSpec;
        this.layout = layout;
        this.progress = progress;
    }

    public CellResult run(String id, KernelBuild kernel, Scenario scenario, TopologySpec topology, int repetition,
                          Placement placement) {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Path dir = layout.cell(id);
        ScenarioOutcome outcome = null;
        String infra = null;
        Map<String, Long> offsets = new HashMap<>();
        Map<String, Path> consoles = new LinkedHashMap<>();
        for (var g : topology.guests()) {
            consoles.put(g.name(), dir.resolve(g.name()).resolve("console.log"));
        }
        try {
            dev.kfit.cache.Cache.deleteTree(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new InfraException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        // Phase ends (System.nanoTime), null when the phase did not end (or start).
        Long bootEnd = null;
        Long scenarioEnd = null;
        CrashWatch.Crash crash = null;
        String crashPhase = null;
        NoConsoleOutputException silent = null;
        ExecutorService scenarioThread = null;
        try (History history = new History(dir.resolve("history.jsonl"))) {
            try {
                progress.phase(id, "booting " + kernel.kernelVersion());
                BootContext ctx = new BootContext(kernel, image, guestSpec, accel, relayBinary, scenario.needsLinkRelays());
                history.host("placement", Map.of("hosts", placement.names()));
                try (Testbed tb = Testbed.boot(placement, topology, ctx, dir, history,
                        message -> progress.phase(id, message))) {
                    bootEnd = System.nanoTime();
                    offsets.putAll(tb.consoleOffsets());
                    history.host("scenario_start", Map.of("scenario", scenario.name(), "console_offsets", offsets));
                    progress.phase(id, "running " + scenario.name());
                    // The scenario runs on its own thread so that a crash on a console ends the wait for it.
                    scenarioThread = Executors.newSingleThreadExecutor(DaemonThreads.named("kfit-scenario-" + id));
                    Future<ScenarioOutcome> running = scenarioThread.submit(() -> scenario.run(tb));
                    Optional<CrashWatch.Crash> crashed = tb.watch().awaitOrCrash(running);
                    if (crashed.isEmpty() && failed(running) && tb.watch().poll().isPresent()) {
                        // It failed because the kernel crashed (a panic stops QEMU, SSH goes): the same early end.
                        crashed = tb.watch().settle();
                    }
                    scenarioEnd = System.nanoTime();
                    if (crashed.isPresent()) {
                        crash = crashed.get();
                        crashPhase = "scenario";
                        history.host("crash_seen", Testbed.crashEvent(crash, crashPhase));
                        running.cancel(true); // and closing the guests below ends whatever it waits on
                    } else {
                        outcome = resultOf(running);
                        history.host("scenario_end", outcome.observation().toHistory());
                        tb.checkClocks();
                    }
                    progress.phase(id, "collecting");
                }
            } catch (BadInputException e) {
                throw e;
            } catch (GuestCrashedException e) {
                // Not kfit's fault: the judge finds the crash on the console; the message is kept in case it does not.
                crash = e.crash();
                crashPhase = e.phase();
                infra = e.getMessage();
            } catch (InfraException e) {
                infra = e.getMessage();
                silent = e instanceof NoConsoleOutputException n ? n : null;
                history.host("infra_error", Map.of("message", infra));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                infra = "interrupted while the scenario ran";
                history.host("infra_error", Map.of("message", infra));
            } catch (RuntimeException e) {
                infra = e.getClass().getSimpleName() + ": " + e.getMessage();
                history.host("infra_error", Map.of("message", infra));
            } finally {
                stopScenario(scenarioThread, history);
            }
            long collectStart = System.nanoTime();
            bootEnd = bootEnd == null ? collectStart : bootEnd;
            if (scenarioThread != null && scenarioEnd == null) {
                scenarioEnd = collectStart;
            }
            // The guests are gone and their consoles complete on disk: now analyse.
            List<Splat> splats = new ArrayList<>();
            List<CellResult.SplatResult> splatResults = new ArrayList<>();
            for (Map.Entry<String, Path> c : consoles.entrySet()) {
                for (Splat s : splatsOf(c.getValue(), offsets.getOrDefault(c.getKey(), 0L))) {
                    addSplat(splats, splatResults, history, c.getKey(), s);
                }
            }
            if (crash != null && splats.stream().noneMatch(s -> s.type().isCrash())) {
                // The watch saw it on the same console with the same parser; keep it even if it lies before
                // the scenario's offset (printed between the boot and the scenario's start).
                addSplat(splats, splatResults, history, crash.guest(), crash.splat());
            }
            Judgement judgement = Judge.judge(outcome == null ? null : outcome.observation(), splats, infra,
                    scenario.checker());
            Instant verdictAt = Instant.now();
            Judgement.Columns columns = judgement.columns();
            CellResult.EarlyEnd early = crash != null ? earlyEnd(crash, crashPhase, verdictAt)
                    : silent != null ? CellResult.EarlyEnd.noOutput(silent.guest(), silent.quiet().toMillis() / 1000.0)
                    : null;
            Map<String, Object> verdictEvent = new LinkedHashMap<>();
            verdictEvent.put("verdict", judgement.verdict().name());
            if (judgement.error() != null) {
                verdictEvent.put("error", judgement.error());
            }
            if (early != null && early.oopsToVerdictS() != null) {
                verdictEvent.put("oops_to_verdict_s", early.oopsToVerdictS());
            }
            history.host("verdict", verdictEvent);
            Map<String, String> consolePaths = new LinkedHashMap<>();
            consoles.forEach((g, p) -> consolePaths.put(g, layout.relative(p)));
            Path mainConsole = consoles.getOrDefault(TopologySpec.TARGET, consoles.values().iterator().next());
            long end = System.nanoTime();
            CellResult.CellPhases phases = new CellResult.CellPhases(seconds(bootEnd - t0),
                    scenarioEnd == null ? null : seconds(scenarioEnd - bootEnd),
                    seconds(end - (scenarioEnd == null ? bootEnd : scenarioEnd)));
            return CellResult.builder()
                    .id(id).kernel(kernel.label()).kernelVersion(kernel.kernelVersion()).kernelSource(kernel.source())
                    .patches(kernel.patches()).scenario(scenario.name()).repetition(repetition)
                    .verdict(judgement.verdict().name()).pin(new CellResult.Pin(columns.pinOk(), columns.pinErrno()))
                    .unbindMs(columns.unbindMs()).blockedAfterReleaseMs(columns.blockedAfterReleaseMs())
                    .splats(splatResults).faults(outcome == null ? List.of() : outcome.faults())
                    .traffic(outcome == null ? null : outcome.traffic())
                    .recovery(outcome == null ? Map.of() : outcome.recovery()).console(layout.relative(mainConsole))
                    .consoles(consolePaths).history(layout.relative(dir.resolve("history.jsonl")))
                    .error(judgement.error()).startedAt(started.toString())
                    .durationS(Duration.between(started, Instant.now()).toMillis() / 1000.0).attempts(1)
                    .measurements(judgement.measurements()).notes(judgement.notes()).earlyEnd(early).phases(phases)
                    .build();
        }
    }

    /** How long after the crash the verdict came: from the earliest the report can have been printed, and from when it was seen. */
    static CellResult.EarlyEnd earlyEnd(CrashWatch.Crash c, String phase, Instant verdictAt) {
        double ts = c.splat().timestamp();
        return new CellResult.EarlyEnd("crash", phase, c.guest(), c.splat().type().name(), c.splat().title(),
                Double.isNaN(ts) ? null : ts,
                Duration.between(c.printedNotBefore(), verdictAt).toMillis() / 1000.0,
                Duration.between(c.seenAt(), verdictAt).toMillis() / 1000.0, null);
    }

    private static void addSplat(List<Splat> splats, List<CellResult.SplatResult> results, History history, String guest,
                                 Splat s) {
        splats.add(s);
        results.add(CellResult.SplatResult.of(s, guest));
        history.host("splat", Map.of("guest", guest, "type", s.type().name(), "title", s.title(),
                "timestamp", s.timestamp(), "count", s.count(), "corrupted", s.corrupted()));
    }

    private static boolean failed(Future<?> f) {
        if (!f.isDone() || f.isCancelled()) {
            return false;
        }
        try {
            f.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The scenario's result, or its failure rethrown as itself (kfit's own errors keep their kind). */
    private static ScenarioOutcome resultOf(Future<ScenarioOutcome> running) throws InterruptedException {
        try {
            return running.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new InfraException("scenario failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Once the guests are stopped, a scenario left running after a crash fails on its own (its SSH
     * sessions are closed); wait for that, bounded, so it writes nothing into the history after the verdict.
     */
    private static void stopScenario(ExecutorService scenarioThread, History history) {
        if (scenarioThread == null) {
            return;
        }
        scenarioThread.shutdownNow();
        try {
            if (!scenarioThread.awaitTermination(SCENARIO_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                history.host("scenario_abandoned", Map.of("after_s", SCENARIO_STOP.toSeconds()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1000.0;
    }

    private static List<Splat> splatsOf(Path console, long offset) {
        if (!Files.exists(console)) {
            return List.of();
        }
        try {
            return ConsoleParser.distinct(ConsoleParser.parse(console, offset));
        } catch (IOException e) {
            throw new InfraException("cannot read console " + console + ": " + e.getMessage(), e);
        }
    }
}
