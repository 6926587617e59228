package dev.kfit.run;

import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.spec.CellSpec;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.Spec;
import dev.kfit.verdict.Verdict;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How long a cell is expected to take, for {@link Sharding}: the mean measured in an earlier run of the
 * spec when one is given, else a model of the scenario's own timeline. Pure arithmetic on its inputs,
 * so every worker given the same spec and run gets the same numbers.
 */
public final class CellDurations {
    /*
     * The model. Only the ratios between cells decide the split, so rough constants are enough; they are
     * from the 2-core TCG machine the e2e tests run on (Nov 2026), where the nightly's two-guest traffic
     * cell (15 s of traffic, a 2 s heal) takes about 50 s: two boots, the traffic, and this margin.
     */
    /** One guest's boot to a usable shell; a cell's guests count one each (TCG shares the cores). */
    static final Duration BOOT_PER_GUEST = Duration.ofSeconds(15);
    /** Per cell, outside the scenario's timeline: QEMU start, setup commands, shutdown, console analysis. */
    static final Duration MARGIN = Duration.ofSeconds(10);

    /** @param basis where the number comes from, for {@code kfit shard}'s listing */
    public record Estimate(Duration expected, String basis) {
    }

    private record Mean(Duration value, int count) {
    }

    private final Spec spec;
    private final Map<String, Mean> byKernelScenario;
    private final Map<String, Mean> byScenario;

    private CellDurations(Spec spec, Map<String, Mean> byKernelScenario, Map<String, Mean> byScenario) {
        this.spec = spec;
        this.byKernelScenario = byKernelScenario;
        this.byScenario = byScenario;
    }

    /** From the scenarios' parameters only. */
    public static CellDurations model(Spec spec) {
        return new CellDurations(spec, Map.of(), Map.of());
    }

    /**
     * From {@code earlier}'s cells: the mean {@code duration_s} of the same kernel and scenario, else of the
     * scenario on other kernels, else the model. INFRA_ERROR cells are left out: they stopped early or
     * timed out, and say nothing about the cell's own length.
     */
    public static CellDurations measured(Spec spec, Results earlier) {
        Map<String, List<Double>> ks = new HashMap<>();
        Map<String, List<Double>> s = new HashMap<>();
        for (CellResult c : earlier.cells()) {
            if (c.verdict().equals(Verdict.INFRA_ERROR.name()) || c.durationS() <= 0) {
                continue;
            }
            ks.computeIfAbsent(key(c.kernel(), c.scenario()), k -> new ArrayList<>()).add(c.durationS());
            s.computeIfAbsent(c.scenario(), k -> new ArrayList<>()).add(c.durationS());
        }
        return new CellDurations(spec, means(ks), means(s));
    }

    public Estimate of(CellSpec cell) {
        Mean same = byKernelScenario.get(key(cell.kernel().label(), cell.scenario().name()));
        if (same != null) {
            return new Estimate(same.value(), "measured, mean of " + same.count());
        }
        Mean other = byScenario.get(cell.scenario().name());
        if (other != null) {
            return new Estimate(other.value(), "measured on other kernels, mean of " + other.count());
        }
        return new Estimate(model(cell.scenario()), "model");
    }

    /** The scenario's timeline from its parameters, plus a boot per guest and {@link #MARGIN}. */
    Duration model(ScenarioSpec scenario) {
        Duration boots = BOOT_PER_GUEST.multipliedBy(spec.topologyOf(scenario).guests().size());
        return boots.plus(scenario.timeline()).plus(MARGIN);
    }

    private static String key(String kernel, String scenario) {
        return kernel + "\n" + scenario;
    }

    /** Whole milliseconds: the split compares sums, and integers add up the same on every machine. */
    private static Map<String, Mean> means(Map<String, List<Double>> seconds) {
        Map<String, Mean> means = new HashMap<>();
        seconds.forEach((k, v) -> {
            double sum = 0;
            for (double d : v) {
                sum += d;
            }
            means.put(k, new Mean(Duration.ofMillis(Math.round(sum * 1000 / v.size())), v.size()));
        });
        return means;
    }
}
