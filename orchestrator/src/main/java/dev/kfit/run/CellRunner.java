package dev.kfit.run;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;
import dev.kfit.history.History;
import dev.kfit.host.Host;
import dev.kfit.image.GuestImage;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.monitor.ConsoleParser;
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

/**
 * Runs one cell: boots the topology's guests with the kernel, runs the scenario, stores the
 * evidence (consoles, history) and only then has the scenario's checker judge ({@link Judge}). Every
 * failure of kfit's own becomes INFRA_ERROR, a checker that throws CHECKER_ERROR; a kernel crash seen
 * on any console is CRASH whatever else went wrong.
 */
public final class CellRunner {
    private final GuestImage image;
    private final Function<Host, Accel> accel;
    private final Function<Host, Path> relayBinary;
    private final GuestSpec guestSpec;
    private final RunLayout layout;
    private final Progress progress;

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
        try (History history = new History(dir.resolve("history.jsonl"))) {
            try {
                progress.phase(id, "booting " + kernel.kernelVersion());
                BootContext ctx = new BootContext(kernel, image, guestSpec, accel, relayBinary, scenario.needsLinkRelays());
                history.host("placement", Map.of("hosts", placement.names()));
                try (Testbed tb = Testbed.boot(placement, topology, ctx, dir, history,
                        message -> progress.phase(id, message))) {
                    offsets.putAll(tb.consoleOffsets());
                    history.host("scenario_start", Map.of("scenario", scenario.name(), "console_offsets", offsets));
                    progress.phase(id, "running " + scenario.name());
                    outcome = scenario.run(tb);
                    history.host("scenario_end", outcome.observation().toHistory());
                    progress.phase(id, "collecting");
                }
            } catch (BadInputException e) {
                throw e;
            } catch (InfraException e) {
                infra = e.getMessage();
                history.host("infra_error", Map.of("message", infra));
            } catch (RuntimeException e) {
                infra = e.getClass().getSimpleName() + ": " + e.getMessage();
                history.host("infra_error", Map.of("message", infra));
            }
            // The guests are gone and their consoles complete on disk: now analyse.
            List<Splat> splats = new ArrayList<>();
            List<CellResult.SplatResult> splatResults = new ArrayList<>();
            for (Map.Entry<String, Path> c : consoles.entrySet()) {
                for (Splat s : splatsOf(c.getValue(), offsets.getOrDefault(c.getKey(), 0L))) {
                    splats.add(s);
                    splatResults.add(new CellResult.SplatResult(s.type().name(), s.title(), s.timestamp(), s.excerpt(), c.getKey()));
                    history.host("splat", Map.of("guest", c.getKey(), "type", s.type().name(), "title", s.title(),
                            "timestamp", s.timestamp()));
                }
            }
            Judgement judgement = Judge.judge(outcome == null ? null : outcome.observation(), splats, infra,
                    scenario.checker());
            Judgement.Columns columns = judgement.columns();
            history.host("verdict", judgement.error() == null ? Map.of("verdict", judgement.verdict().name())
                    : Map.of("verdict", judgement.verdict().name(), "error", judgement.error()));
            Map<String, String> consolePaths = new LinkedHashMap<>();
            consoles.forEach((g, p) -> consolePaths.put(g, layout.relative(p)));
            Path mainConsole = consoles.getOrDefault(TopologySpec.TARGET, consoles.values().iterator().next());
            return new CellResult(id, kernel.label(), kernel.kernelVersion(), kernel.source(), kernel.patches(),
                    scenario.name(), repetition, judgement.verdict().name(),
                    new CellResult.Pin(columns.pinOk(), columns.pinErrno()),
                    columns.unbindMs(), columns.blockedAfterReleaseMs(),
                    splatResults,
                    outcome == null ? List.of() : outcome.faults(), outcome == null ? null : outcome.traffic(),
                    outcome == null ? Map.of() : outcome.recovery(),
                    layout.relative(mainConsole), consolePaths, layout.relative(dir.resolve("history.jsonl")),
                    judgement.error(),
                    started.toString(), Duration.between(started, Instant.now()).toMillis() / 1000.0, 1)
                    .withMeasurements(judgement.measurements()).withNotes(judgement.notes());
        }
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
