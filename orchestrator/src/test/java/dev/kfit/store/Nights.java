package dev.kfit.store;

import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.run.RunLayout;
import dev.kfit.verdict.Measurement;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Three nightly runs of one spec, as results.json and spec.yaml in run directories: the kernel line
 * debian:linux-source-6.12 as "6.12" (unpatched) and "6.12-series", scenario unbind-latency, three
 * repetitions each.
 *
 * <pre>
 * night 1 (11-27)  6.12.117  6.12-series PIN_REFUSED ×3, unbind 150/160/170 ms
 * night 2 (11-28)  6.12.117  6.12-series BLOCKED_UNTIL_RELEASE ×3, 10040/10050/10090 ms, HUNG_TASK in each, a WARNING once
 * night 3 (11-29)  6.12.118  6.12-series BLOCKED ×2 + HUNG ×1 (HUNG measured nothing), 10020/10060 ms, HUNG_TASK
 * the "6.12" kernel: PIN_REFUSED every night, 140/150/160 ms; night 3 one cell INFRA_ERROR with a bogus 99999 ms
 * </pre>
 */
public final class Nights {
    static final String SPEC = "kernels: [...]\nscenarios: [{name: unbind-latency}]\n";
    static final String LINE = "debian:linux-source-6.12";
    static final String HUNG_TITLE = "INFO: task kfit-guest blocked in state D in memunmap_pages";
    static final String WARN_TITLE = "WARNING in nvme_remove";

    private Nights() {
    }

    /** Writes the three nights under {@code parent} as night1..3; returns their layouts, oldest first. */
    public static List<RunLayout> write(Path parent) throws IOException {
        List<RunLayout> out = new ArrayList<>();
        for (int night = 1; night <= 3; night++) {
            RunLayout l = new RunLayout(parent.resolve("night" + night).toAbsolutePath());
            Files.createDirectories(l.dir());
            Files.writeString(l.spec(), SPEC);
            results(night).write(l.results());
            out.add(l);
        }
        return out;
    }

    static String startedAt(int night) {
        return "2026-11-2" + (6 + night) + "T02:00:00Z";
    }

    static Results results(int night) {
        String version = night < 3 ? "6.12.117" : "6.12.118";
        List<CellResult> cells = new ArrayList<>();
        double[][] series = {{150, 160, 170}, {10040, 10050, 10090}, {10020, 10060, Double.NaN}};
        for (int rep = 1; rep <= 3; rep++) {
            String verdict = night == 1 ? "PIN_REFUSED" : night == 3 && rep == 3 ? "HUNG" : "BLOCKED_UNTIL_RELEASE";
            List<CellResult.SplatResult> splats = new ArrayList<>();
            if (night > 1) {
                splats.add(new CellResult.SplatResult("HUNG_TASK", HUNG_TITLE, 61.2, "excerpt", "target"));
            }
            if (night == 2 && rep == 1) {
                splats.add(new CellResult.SplatResult("WARNING", WARN_TITLE, 70.1, "excerpt", "target"));
            }
            double v = series[night - 1][rep - 1];
            cells.add(cell("6.12-series", version, rep, verdict, splats, Double.isNaN(v) ? List.of() : List.of(Measurement.ms("unbind_ms", v),
                    Measurement.count("completions", 1)), night));
        }
        double[] plain = {140, 150, 160};
        for (int rep = 1; rep <= 3; rep++) {
            boolean infra = night == 3 && rep == 3;
            cells.add(cell("6.12", version, rep, infra ? "INFRA_ERROR" : "PIN_REFUSED", List.of(),
                    List.of(Measurement.ms("unbind_ms", infra ? 99999 : plain[rep - 1])), night));
        }
        return new Results(new Results.RunInfo("spec.yaml", startedAt(night), "lab1", "QEMU emulator version 7.2.0", "TCG",
                List.of(new Results.KernelInfo("6.12", version, LINE, List.of(), "gcc 12", "k1", true, 0, "builds/6.12.log"),
                        new Results.KernelInfo("6.12-series", version, LINE, List.of("0001.patch"), "gcc 12", "k2", true, 0, "builds/6.12-series.log")),
                "img"), cells);
    }

    private static CellResult cell(String kernel, String version, int rep, String verdict, List<CellResult.SplatResult> splats,
                                   List<Measurement> m, int night) {
        String id = kernel + ".unbind-latency.r" + rep;
        // Recorded as kfit records a Debian source: with the package version it resolved to.
        return CellResult.builder()
                .id(id).kernel(kernel).kernelVersion(version).kernelSource(LINE + "=" + version + "-1")
                .patches(List.of()).scenario("unbind-latency").repetition(rep).verdict(verdict)
                .pin(new CellResult.Pin(false, 14)).splats(splats).faults(List.of()).recovery(java.util.Map.of())
                .console("cells/" + id + "/console.log").consoles(java.util.Map.of())
                .history("cells/" + id + "/history.jsonl")
                .error(verdict.equals("INFRA_ERROR") ? "ssh: connection refused" : null).startedAt(startedAt(night))
                .durationS(20.0).attempts(1).measurements(m)
                .build();
    }

    static final dev.kfit.kernel.KernelBuild.AppliedPatch PLANTED = new dev.kfit.kernel.KernelBuild.AppliedPatch(
            "0001-nvme-pci-planted-one-second-sleep-in-nvme_remove.patch", "/src/planted/0001.patch", "ab".repeat(32));

    /**
     * The three nights as nights of the nightly {@code nightly} (null: none), night 2's spec text
     * different (a patch added tonight) and its plain 6.12 built with {@link #PLANTED}; every kernel
     * records its patch set, as kfit does. Returns their layouts, oldest first.
     */
    public static List<RunLayout> writeWithPlantedNight2(Path parent, String nightly) throws IOException {
        List<RunLayout> out = new ArrayList<>();
        for (int night = 1; night <= 3; night++) {
            RunLayout l = new RunLayout(parent.resolve("night" + night).toAbsolutePath());
            Files.createDirectories(l.dir());
            Files.writeString(l.spec(), night == 2 ? SPEC + "# with the planted delay\n" : SPEC);
            Results r = results(night);
            List<dev.kfit.kernel.KernelBuild.AppliedPatch> plain = night == 2 ? List.of(PLANTED) : List.of();
            String built = startedAt(night);
            List<Results.KernelInfo> kernels = r.run().kernels().stream().map(k -> {
                List<dev.kfit.kernel.KernelBuild.AppliedPatch> set = k.label().equals("6.12") ? plain
                        : List.of(new dev.kfit.kernel.KernelBuild.AppliedPatch("0001.patch", "/src/0001.patch", "cd".repeat(32)));
                return new Results.KernelInfo(k.label(), k.kernelVersion(), k.source(), set.stream().map(a -> a.name()).toList(),
                        k.compiler(), k.cacheKey(), k.cached(), k.buildSeconds(), k.buildLog(), built,
                        dev.kfit.kernel.KernelBuild.AppliedPatch.patchsetHash(set.stream().map(a -> a.sha256()).toList()), set);
            }).toList();
            Results.RunInfo i = r.run();
            new Results(new Results.RunInfo(i.spec(), i.startedAt(), i.host(), i.qemu(), i.accel(), kernels, i.guestImage(),
                    i.concurrency(), null, null, null, nightly), r.cells()).write(l.results());
            out.add(l);
        }
        return out;
    }
}
