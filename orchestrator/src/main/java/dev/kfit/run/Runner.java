package dev.kfit.run;

import dev.kfit.cache.Cache;
import dev.kfit.error.InfraException;
import dev.kfit.host.Command;
import dev.kfit.host.CommandResult;
import dev.kfit.host.Host;
import dev.kfit.host.LocalProvisioning;
import dev.kfit.image.GuestImage;
import dev.kfit.image.ImageBuilder;
import dev.kfit.kernel.KernelBuild;
import dev.kfit.kernel.KernelBuilder;
import dev.kfit.prebuilt.Prebuilt;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.scenario.Scenario;
import dev.kfit.spec.CellSpec;
import dev.kfit.spec.GuestSpec;
import dev.kfit.spec.KernelSpec;
import dev.kfit.spec.TopologySpec;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.Spec;
import dev.kfit.topology.Placement;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a spec: builds each kernel once and the guest image, then its cells, as many at once as the
 * {@link Capacity} allows, writing every output after each cell so a killed run loses nothing finished.
 */
public final class Runner {
    private static final Duration IMAGE_TIMEOUT = Duration.ofMinutes(60);
    /** An INFRA_ERROR cell is run again this many times before its INFRA_ERROR stands. */
    static final int INFRA_RETRIES = 2;
    /** Longer than any cell can take (each of its steps is bounded): a scheduler waiting this long is broken. */
    private static final Duration SLOT_WAIT = Duration.ofHours(6);
    private final Host host;
    private final List<Host> runHosts;
    private final Cache cache;
    private final Path root;
    private final Progress progress;
    private final int jobs;
    /** With {@code kfit run --prebuilt}: the image and kernels to use instead of building them; else null. */
    private final Prebuilt.Artefacts prebuilt;
    /** With {@code kfit nightly}: the nightly's name, recorded in results.json; else null. */
    private final String nightly;

    /**
     * @param root the kfit checkout (guest-images/ lives there)
     * @param jobs cells at once; 0 for what the machine holds
     */
    public Runner(Host host, Cache cache, Path root, Progress progress, int jobs) {
        this(host, host == null ? List.of() : List.of(host), cache, root, progress, jobs);
    }

    /**
     * @param host     this machine: builds the kernels and the guest image
     * @param runHosts where cells run (this machine alone without --hosts); artefacts are shipped to them by key
     */
    public Runner(Host host, List<Host> runHosts, Cache cache, Path root, Progress progress, int jobs) {
        this(host, runHosts, cache, root, progress, jobs, null, null);
    }

    private Runner(Host host, List<Host> runHosts, Cache cache, Path root, Progress progress, int jobs,
                   Prebuilt.Artefacts prebuilt, String nightly) {
        this.prebuilt = prebuilt;
        this.nightly = nightly;
        this.host = host;
        this.runHosts = List.copyOf(runHosts);
        this.cache = cache;
        this.root = root;
        this.progress = progress;
        this.jobs = jobs;
    }

    /**
     * This runner, taking the guest image and the kernels from {@code artefacts} (checked against the spec
     * by {@link Prebuilt#take}) instead of building them: no compiler, kernel source or
     * debootstrap is needed. Results record the kernels as cached, with the keys of the machine that built them.
     */
    public Runner withPrebuilt(Prebuilt.Artefacts artefacts) {
        return new Runner(host, runHosts, cache, root, progress, jobs, artefacts, nightly);
    }

    /** This runner, recording its runs as nights of the nightly {@code name} (see {@link Results.RunInfo#nightly()}). */
    public Runner withNightly(String name) {
        return new Runner(host, runHosts, cache, root, progress, jobs, prebuilt, name);
    }

    /** kfit's own kernel config fragment, merged into every kernel before the spec's. */
    public static List<Path> builtinFragments(Path root) {
        return List.of(root.resolve("guest-images/kernel/kfit.config"));
    }

    /** Every cell of the spec. */
    public Results run(Spec spec, RunLayout layout) {
        return run(spec, spec.cells(), null, layout);
    }

    /** Only {@code shard}'s cells; results.json records which shard of which cells this is. */
    public Results run(Spec spec, Sharding.Shard shard, RunLayout layout) {
        return run(spec, shard.specs(), shard, layout);
    }

    private Results run(Spec spec, List<CellSpec> plan, Sharding.Shard shard, RunLayout layout) {
        String startedAt = Instant.now().toString();
        Map<String, CellResult> earlier = finishedEarlier(spec, layout);
        if (shard != null) {
            // A shard's directory holds its own cells only, or the merge would see the others' twice
            // (an earlier play may have split differently); their cells/ directories stay on disk.
            List<String> mine = plan.stream().map(CellSpec::id).toList();
            int before = earlier.size();
            earlier.keySet().retainAll(mine);
            if (earlier.size() < before) {
                progress.log((before - earlier.size()) + " cell(s) of an earlier run of this directory are not in shard "
                        + shard.index() + ", left out of its results");
            }
        }
        copy(spec.file(), layout.spec());
        String shardName = shard == null ? null : shard.index().toString();
        List<String> specCells = shard == null ? null : shard.allCells();
        if (plan.isEmpty()) {
            // More shards than cells: an empty run still reports, so the fan-out sees this worker came back.
            progress.log(shard == null ? "no cells to run"
                    : "shard " + shardName + " has no cells (" + specCells.size() + " cells in all); nothing to run");
            Results none = new Results(new Results.RunInfo(layout.relative(layout.spec()), startedAt, hostName(),
                    "not run", "none", List.of(), "none", "no cells", shardName, specCells).withNightly(nightly), List.of());
            publish(none, layout);
            return none;
        }

        // The JVM's first SSH login is slow (0.75 s more than later ones): made now, not by the first guest.
        dev.kfit.ssh.SshWarmUp.startInBackground();
        // A placement that cannot work fails now, not after an hour of kernel builds.
        Scheduler scheduler = new Scheduler(runHosts, jobs);
        for (CellSpec c : plan) {
            scheduler.check(spec.topologyOf(c.scenario()), spec.guest(), spec.file().toString());
        }
        GuestImage image;
        java.util.function.Function<KernelSpec, KernelBuild> kernelOf;
        // When the kernel builder first speaks of a kernel, its source is resolved (fetched): see KernelPhase.
        java.util.concurrent.atomic.AtomicLong firstWord = new java.util.concurrent.atomic.AtomicLong(-1);
        long imageStart = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong imageEnd = new java.util.concurrent.atomic.AtomicLong(imageStart);
        ExecutorService imageThread = null;
        Future<GuestImage> imageJob = null;
        if (prebuilt == null) {
            // The image (debootstrap: downloads and unpacking) is built beside the kernels: on a fresh
            // machine mostly beside the source's fetch and unpack, which leave a core idle.
            imageThread = Executors.newSingleThreadExecutor(DaemonThreads.named("kfit-image"));
            imageJob = imageThread.submit(() -> {
                try {
                    return new ImageBuilder(host, cache, root.resolve("guest-images"), progress::log).build();
                } finally {
                    imageEnd.set(System.nanoTime());
                }
            });
            image = null;
            KernelBuilder kb = new KernelBuilder(host, cache, builtinFragments(root), message -> {
                firstWord.compareAndSet(-1, System.nanoTime());
                progress.log(message);
            });
            kernelOf = kb::build;
        } else {
            image = prebuilt.image();
            progress.log("guest image: prebuilt in " + prebuilt.dir() + " (key " + image.cacheKey() + ")");
            kernelOf = k -> {
                KernelBuild b = prebuilt.kernel(k.label());
                progress.log("kernel " + k.label() + ": prebuilt (" + b.kernelVersion() + ", key " + b.cacheKey() + ")");
                return b;
            };
        }
        Map<String, KernelBuild> kernels = new LinkedHashMap<>();
        List<Results.KernelPhase> kernelPhases = new ArrayList<>();
        // Kernels build before any cell boots: a build beside a TCG guest would stretch its latencies.
        // The accelerator probe is no measurement: it boots the first kernel built beside the builds of
        // the others (where KVM is broken it costs its whole timeout, 20 s).
        ExecutorService probeThread = Executors.newSingleThreadExecutor(DaemonThreads.named("kfit-accel-probe"));
        Future<Map<Host, Accel>> probeJob = null;
        java.util.concurrent.atomic.AtomicLong probeNs = new java.util.concurrent.atomic.AtomicLong();
        boolean kernelsBuilt = false;
        try {
            for (KernelSpec k : spec.kernels()) {
                if (plan.stream().noneMatch(c -> c.kernel().equals(k))) {
                    continue; // listed, but no cell runs on it
                }
                progress.phase("kernel " + k.label(), prebuilt == null ? "building" : "prebuilt");
                firstWord.set(-1);
                long kernelStart = System.nanoTime();
                KernelBuild b = kernelOf.apply(k);
                long kernelEnd = System.nanoTime();
                progress.end("kernel " + k.label());
                long spoke = firstWord.get();
                Double fetchS = prebuilt != null || spoke < 0 ? null : seconds(spoke - kernelStart);
                kernelPhases.add(new Results.KernelPhase(k.label(), fetchS,
                        seconds(kernelEnd - (fetchS == null ? kernelStart : spoke)), b.cached()));
                kernels.put(k.label(), b);
                if (probeJob == null) {
                    Path firstKernel = b.bzImage();
                    probeJob = probeThread.submit(() -> {
                        long start = System.nanoTime();
                        try {
                            Map<Host, Accel> chosen = new LinkedHashMap<>();
                            // QEMU may still be installing beside the builds (see LocalProvisioning).
                            LocalProvisioning.awaitReady(progress::log);
                            for (Host h : runHosts) {
                                chosen.put(h, AccelProbe.choose(h, firstKernel, layout.dir(), cache, progress::log));
                            }
                            return chosen;
                        } finally {
                            probeNs.set(System.nanoTime() - start);
                        }
                    });
                }
                copy(b.buildLog(), layout.builds().resolve(k.label() + ".log"));
                copy(b.config(), layout.builds().resolve(k.label() + ".config"));
            }
            kernelsBuilt = true;
        } finally {
            if (!kernelsBuilt && probeJob != null) {
                probeJob.cancel(true);
            }
            probeThread.shutdown();
            if (imageThread != null) {
                if (kernelsBuilt) {
                    imageThread.shutdown(); // the image may still be building: awaited below
                } else {
                    imageJob.cancel(true); // a kernel failed: its error is the one to report, now
                    imageThread.shutdownNow();
                }
            }
        }
        // The probe's wait below is for the probe alone: the rest of provisioning is waited for here.
        LocalProvisioning.Outcome provisioned = LocalProvisioning.awaitReady(progress::log);
        if (imageJob != null) {
            image = await(imageJob, IMAGE_TIMEOUT.toMinutes(), "guest image");
        }
        double imageS = seconds(imageEnd.get() - imageStart);
        // 20 s a local probe; a remote host's also stages the kernel.
        Map<Host, Accel> accels = await(probeJob, 2L + 2L * runHosts.size(), "accelerator probe");
        Results.RunPhases phases = new Results.RunPhases(provisionSeconds(),
                provisioned == null ? null : provisioned.seconds(), imageS, image.cached(), kernelPhases,
                seconds(probeNs.get()), null);

        List<Results.KernelInfo> infos = kernels.values().stream().map(b -> Results.KernelInfo.of(b,
                layout.relative(layout.builds().resolve(b.label() + ".log")))).toList();
        Results.RunInfo info = new Results.RunInfo(layout.relative(layout.spec()), startedAt,
                runHosts.size() == 1 && runHosts.get(0).isLocal() ? hostName()
                        : String.join(", ", runHosts.stream().map(Host::name).toList()), qemuVersion(runHosts.get(0)),
                accels.values().stream().distinct().map(Accel::name).collect(java.util.stream.Collectors.joining(", ")), infos,
                image.cacheKey() + (image.cached() ? " (cached)" : ""), scheduler.describe(), shardName, specCells)
                .withPhases(phases).withNightly(nightly);

        RelayBinaries relays = new RelayBinaries(cache, root);
        CellRunner cells = new CellRunner(image, accels::get, relays::on, spec.guest(), layout, progress);
        Board board = new Board(info, plan, layout);
        int kept = 0;
        for (CellSpec c : plan) {
            CellResult r = earlier.remove(c.id());
            if (r != null) {
                board.add(r);
                kept++;
            }
        }
        earlier.values().forEach(board::add); // cells of an earlier, larger run of this spec: not lost either
        board.publish();
        progress.cells(plan.size(), kept, plan.stream().filter(c -> !board.has(c.id()))
                .map(c -> new Progress.Planned(c.id(), c.kernel().label(), c.scenario().name())).toList());

        ExecutorService pool = Executors.newCachedThreadPool(DaemonThreads.named("kfit-cell"));
        List<Future<?>> running = new ArrayList<>();
        try {
            for (CellSpec c : plan) {
                if (board.has(c.id())) {
                    continue;
                }
                if (running.stream().anyMatch(Runner::failed)) {
                    break; // a cell hit a bad input or a bug: start nothing new, let the others finish
                }
                TopologySpec topology = spec.topologyOf(c.scenario());
                Placement first = scheduler.acquire(topology, spec.guest(), SLOT_WAIT);
                running.add(pool.submit(() -> {
                    CellResult r = runWithRetries(cells, scheduler, c, kernels.get(c.kernel().label()), topology,
                            spec.guest(), first);
                    board.add(r);
                    board.publish();
                    progress.done(c.id(), r.verdict() + (r.attempts() > 1 ? " after " + r.attempts() + " attempts" : "")
                            + (runHosts.size() > 1 ? " on " + String.join(", ", new java.util.LinkedHashSet<>(r.hosts().values())) : ""));
                    return null;
                }));
            }
            for (Future<?> f : running) {
                await(f);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfraException("interrupted while running cells", e);
        } finally {
            pool.shutdownNow();
        }
        Results done = board.results();
        if (done.run().phases() != null) {
            progress.log("where the time went: " + String.join("; ", done.run().phases().describe()));
        }
        return done;
    }

    /** What the launcher says provisioning this host took before kfit started ({@code KFIT_PROVISION_S}), else null. */
    static Double provisionSeconds() {
        String s = System.getenv("KFIT_PROVISION_S");
        try {
            return s == null || s.isBlank() ? null : Double.valueOf(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The result of a job run beside the kernel builds ({@code what}: the guest image, the accelerator
     * probe). Their own steps are bounded; this bounds the wait as well.
     */
    private static <T> T await(Future<T> job, long minutes, String what) {
        try {
            return job.get(minutes, java.util.concurrent.TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new InfraException(what + ": " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            job.cancel(true);
            throw new InfraException(what + ": no result after " + minutes + " min", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfraException("interrupted while waiting for the " + what, e);
        }
    }

    private static double secondsSince(long startNs) {
        return seconds(System.nanoTime() - startNs);
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1000.0;
    }

    /**
     * Runs a cell on its placement; an INFRA_ERROR runs it again, elsewhere if one of its hosts stopped
     * answering (that host gets no more cells). The placement's room is released in every case.
     */
    private CellResult runWithRetries(CellRunner cells, Scheduler scheduler, CellSpec c, KernelBuild kernel,
                                      TopologySpec topology, GuestSpec guest, Placement first) throws InterruptedException {
        CellResult r = null;
        Placement placement = first;
        for (int attempt = 1; ; attempt++) {
            try {
                r = cells.run(c.id(), kernel, scenario(c.scenario()), topology, c.repetition(), placement)
                        .withAttempts(attempt).withHosts(placement.names()).withParameters(c.scenario().parameters());
            } finally {
                for (Host h : placement.distinctHosts()) {
                    if (!h.healthy()) {
                        progress.log(c.id() + ": host " + h.name() + " does not answer any more; it gets no more cells");
                        scheduler.markDead(h);
                    }
                }
                scheduler.release(topology, guest, placement);
            }
            if (!r.verdict().equals(Verdict.INFRA_ERROR.name()) || attempt > INFRA_RETRIES) {
                return r;
            }
            progress.log(c.id() + ": INFRA_ERROR (" + r.error().lines().findFirst().orElse("") + "), retry " + attempt);
            try {
                placement = scheduler.acquire(topology, guest, SLOT_WAIT);
            } catch (InfraException noHostLeft) {
                return r; // the INFRA_ERROR stands: nowhere left to retry
            }
        }
    }

    /** A finished future whose cell threw. */
    private static boolean failed(Future<?> f) {
        if (!f.isDone()) {
            return false;
        }
        try {
            f.get();
            return false;
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Rethrows what a cell's thread threw, as itself when it is one of kfit's own. */
    private static void await(Future<?> f) throws InterruptedException {
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new InfraException("cell failed: " + e.getCause(), e.getCause());
        }
    }

    /** The cells finished so far, in plan order, and their publication; shared by the cell threads. */
    private static final class Board {
        private final Results.RunInfo info;
        /** When the cells started: results written after each cell say how long the cells have taken so far. */
        private final long cellsStartNs = System.nanoTime();
        private final Map<String, Integer> order = new HashMap<>();
        private final Map<String, CellResult> done = new LinkedHashMap<>();
        private final RunLayout layout;

        Board(Results.RunInfo info, List<CellSpec> plan, RunLayout layout) {
            this.info = info;
            this.layout = layout;
            for (CellSpec c : plan) {
                order.put(c.id(), order.size());
            }
        }

        synchronized void add(CellResult r) {
            done.put(r.id(), r);
        }

        synchronized boolean has(String id) {
            return done.containsKey(id);
        }

        synchronized Results results() {
            List<CellResult> cells = new ArrayList<>(done.values());
            cells.sort(Comparator.comparingInt(c -> order.getOrDefault(c.id(), Integer.MAX_VALUE)));
            Results.RunInfo now = info.phases() == null ? info
                    : info.withPhases(info.phases().withCellsS(secondsSince(cellsStartNs)));
            return new Results(now, cells);
        }

        synchronized void publish() {
            Runner.publish(results(), layout);
        }
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
            if (!Verdict.isKfitError(c.verdict())) {
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
        return dev.kfit.scenario.ScenarioTypes.scenario(s);
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

    private static String qemuVersion(Host host) {
        CommandResult r = host.run(Command.of(Duration.ofSeconds(20), "qemu-system-x86_64", "--version"));
        if (!r.ok()) {
            throw new InfraException("QEMU is not installed or does not run on " + host.name()
                    + " (try ./kfit provision, or ansible/hosts.yml for a remote host): " + r.output().strip());
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
