package dev.kfit.run;

import dev.kfit.cache.Cache;
import dev.kfit.error.InfraException;
import dev.kfit.host.Command;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;
import dev.kfit.image.GuestImage;
import dev.kfit.image.ImageBuilder;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.kernel.KernelBuilder;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.scenario.PinnedUnbindScenario;
import dev.kfit.scenario.Scenario;
import dev.kfit.spec.KernelSpec;
import dev.kfit.spec.PinnedUnbind;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.Spec;
import dev.kfit.vm.qemu.Accel;
import dev.kfit.verdict.Verdict;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs a spec: builds each kernel once and the guest image, then every cell
 * (kernel x scenario x repetition) in order, writing results.json after each cell.
 */
public final class Runner {
    /** An INFRA_ERROR cell is run again this many times before its INFRA_ERROR stands. */
    static final int INFRA_RETRIES = 2;
    private final Host host;
    private final Cache cache;
    private final Path root;
    private final Consumer<String> progress;

    /** @param root the kfit checkout (guest-images/ lives there) */
    public Runner(Host host, Cache cache, Path root, Consumer<String> progress) {
        this.host = host;
        this.cache = cache;
        this.root = root;
        this.progress = progress;
    }

    public Results run(Spec spec, RunLayout layout) {
        String startedAt = Instant.now().toString();
        Map<String, CellResult> earlier = finishedEarlier(spec, layout);
        copy(spec.file(), layout.spec());

        GuestImage image = new ImageBuilder(host, cache, root.resolve("guest-images"), progress).build();
        KernelBuilder kb = new KernelBuilder(host, cache, List.of(root.resolve("guest-images/kernel/kfit.config")), progress);
        Map<String, KernelBuild> kernels = new LinkedHashMap<>();
        for (KernelSpec k : spec.kernels()) {
            KernelBuild b = kb.build(k);
            kernels.put(k.label(), b);
            copy(b.buildLog(), layout.builds().resolve(k.label() + ".log"));
            copy(b.config(), layout.builds().resolve(k.label() + ".config"));
        }
        Accel accel = AccelProbe.choose(host, kernels.values().iterator().next().bzImage(), layout.dir(), progress);

        List<Results.KernelInfo> infos = kernels.values().stream().map(b -> new Results.KernelInfo(b.label(),
                b.kernelVersion(), b.source(), b.patches(), b.compiler(), b.cacheKey(), b.cached(), b.buildSeconds(),
                layout.relative(layout.builds().resolve(b.label() + ".log")))).toList();
        Results.RunInfo info = new Results.RunInfo(layout.relative(layout.spec()), startedAt, hostName(), qemuVersion(),
                accel.name(), infos, image.cacheKey() + (image.cached() ? " (cached)" : ""));

        CellRunner cells = new CellRunner(host, image, accel, spec.guest(), layout, progress);
        List<CellResult> done = new ArrayList<>();
        publish(new Results(info, done), layout);
        int total = spec.kernels().size() * spec.scenarios().size() * spec.repetitions();
        long cellsStart = System.nanoTime();
        int ranHere = 0;
        for (KernelSpec k : spec.kernels()) {
            for (ScenarioSpec s : spec.scenarios()) {
                for (int rep = 1; rep <= spec.repetitions(); rep++) {
                    String id = k.label() + "." + s.name() + ".r" + rep;
                    progress.accept("[" + (done.size() + 1) + "/" + total + "] " + id + eta(cellsStart, ranHere, total - done.size()));
                    CellResult r = earlier.get(id);
                    if (r != null) {
                        progress.accept(id + ": finished in an earlier run of this directory, kept");
                    }
                    for (int attempt = 1; r == null || r.verdict().equals(Verdict.INFRA_ERROR.name()) && attempt <= 1 + INFRA_RETRIES; attempt++) {
                        if (attempt > 1) {
                            progress.accept(id + ": INFRA_ERROR (" + r.error().lines().findFirst().orElse("") + "), retry " + (attempt - 1));
                        }
                        r = cells.run(id, kernels.get(k.label()), scenario(s), spec.topologyOf(s), rep).withAttempts(attempt);
                        ranHere += attempt == 1 ? 1 : 0;
                    }
                    done.add(r);
                    publish(new Results(info, done), layout);
                    progress.accept(id + ": " + r.verdict());
                }
            }
        }
        return new Results(info, done);
    }

    /** " (elapsed 12 min, about 30 min left)" from the cells run so far in this process. */
    static String eta(long startNs, int ran, int left) {
        long elapsed = (System.nanoTime() - startNs) / 1_000_000_000L;
        if (ran == 0) {
            return "";
        }
        long perCell = elapsed / ran;
        return String.format(" (elapsed %d min, about %d min left)", elapsed / 60, (perCell * left + 59) / 60);
    }

    /**
     * Resuming: a run directory that already holds results keeps its cells with a kernel verdict, so a
     * killed nightly picks up where it stopped. Only the same spec may continue a run.
     */
    static Map<String, CellResult> finishedEarlier(Spec spec, RunLayout layout) {
        Map<String, CellResult> kept = new LinkedHashMap<>();
        if (!Files.isRegularFile(layout.results()) || !Files.isRegularFile(layout.spec())) {
            return kept;
        }
        try {
            if (!Files.readString(layout.spec()).equals(Files.readString(spec.file()))) {
                throw new dev.kfit.error.BadInputException(layout.dir() + ": this run directory was started with another spec ("
                        + layout.spec() + " differs from " + spec.file() + "); use a new --out");
            }
        } catch (IOException e) {
            throw new InfraException("cannot compare specs: " + e.getMessage(), e);
        }
        for (CellResult c : Results.read(layout.results()).cells()) {
            if (!c.verdict().equals(Verdict.INFRA_ERROR.name())) {
                kept.put(c.id(), c);
            }
        }
        return kept;
    }

    /** Everything the run knows so far, rewritten after each cell: a killed run loses nothing finished. */
    static void publish(Results results, RunLayout layout) {
        results.write(layout.results());
        dev.kfit.report.JunitReport.write(results, layout.dir().resolve("junit.xml"));
        dev.kfit.report.KcidbExport.write(results, layout.dir().resolve("kcidb.json"));
        dev.kfit.report.HtmlReport.write(results, layout.dir().resolve("report.html"));
    }

    static Scenario scenario(ScenarioSpec s) {
        if (s instanceof PinnedUnbind p) {
            return new PinnedUnbindScenario(p);
        }
        if (s instanceof dev.kfit.spec.RdmaTraffic t) {
            return new dev.kfit.scenario.RdmaTrafficScenario(t);
        }
        throw new IllegalArgumentException("no runner for scenario type " + s.type());
    }

    private static void copy(Path from, Path to) {
        if (from == null || !Files.exists(from)) {
            return;
        }
        try {
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new InfraException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    private String qemuVersion() {
        CommandResult r = host.run(Command.of(Duration.ofSeconds(20), "qemu-system-x86_64", "--version"));
        if (!r.ok()) {
            throw new InfraException("QEMU is not installed or does not run (try ./kfit provision): " + r.output().strip());
        }
        return r.output().lines().findFirst().orElse("").strip();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
