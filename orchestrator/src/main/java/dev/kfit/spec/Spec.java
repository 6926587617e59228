package dev.kfit.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A loaded, checked spec: build each kernel, run the cells of {@link #cells()}: every scenario on every
 * kernel, or the spec's {@code cells:} list, each repeated.
 *
 * @param file                the spec file, absolute (relative paths in it were resolved against its directory)
 * @param repetitions         the top-level {@code repetitions}: for each scenario that does not set its own
 * @param topologies          the built-in topologies followed by the spec's own; every scenario's topology is here
 * @param scenarioRepetitions scenario name to its own {@code repetitions:}, for the scenarios that set one
 * @param explicitCells       the {@code cells:} list in spec order; empty for the cross product
 */
public record Spec(Path file, List<KernelSpec> kernels, List<ScenarioSpec> scenarios, int repetitions,
                   GuestSpec guest, List<TopologySpec> topologies, Map<String, Integer> scenarioRepetitions,
                   List<ExplicitCell> explicitCells) {
    /** An entry of {@code cells:}: run {@code scenario} on {@code kernel}, {@code repetitions} times. */
    public record ExplicitCell(KernelSpec kernel, ScenarioSpec scenario, int repetitions) {
        public ExplicitCell {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(scenario, "scenario");
            requirePositive("repetitions", repetitions);
        }
    }

    public Spec {
        Objects.requireNonNull(file, "file");
        kernels = List.copyOf(kernels);
        scenarios = List.copyOf(scenarios);
        requirePositive("repetitions", repetitions);
        Objects.requireNonNull(guest, "guest");
        topologies = List.copyOf(topologies);
        scenarioRepetitions = Map.copyOf(scenarioRepetitions);
        explicitCells = List.copyOf(explicitCells);
        // cells() must only name what gets built and parsed: the loader checks this with line numbers.
        List<String> names = scenarios.stream().map(ScenarioSpec::name).toList();
        scenarioRepetitions.forEach((name, n) -> {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("repetitions for scenario '" + name + "', not in the spec");
            }
            requirePositive("repetitions of " + name, n);
        });
        for (ExplicitCell c : explicitCells) {
            if (!kernels.contains(c.kernel()) || !scenarios.contains(c.scenario())) {
                throw new IllegalArgumentException("cell " + c.kernel().label() + "." + c.scenario().name()
                        + " names a kernel or scenario the spec does not have");
            }
        }
    }

    /** Every scenario on every kernel; scenarios and cells repeat {@code repetitions} times. */
    public Spec(Path file, List<KernelSpec> kernels, List<ScenarioSpec> scenarios, int repetitions,
                GuestSpec guest, List<TopologySpec> topologies) {
        this(file, kernels, scenarios, repetitions, guest, topologies, Map.of(), List.of());
    }

    /** With only the built-in topologies, sized by {@code guest}. */
    public Spec(Path file, List<KernelSpec> kernels, List<ScenarioSpec> scenarios, int repetitions, GuestSpec guest) {
        this(file, kernels, scenarios, repetitions, guest,
                TopologySpec.builtIns(Objects.requireNonNull(guest, "guest")));
    }

    /** How often {@code scenario} runs per kernel in the cross product, and by default in a listed cell. */
    public int repetitionsOf(ScenarioSpec scenario) {
        return scenarioRepetitions.getOrDefault(scenario.name(), repetitions);
    }

    /**
     * What the run executes, in order: the {@code cells:} list as listed, or kernels × scenarios
     * (kernel-major, scenarios in spec order); each followed by its repetitions 1..n.
     */
    public List<CellSpec> cells() {
        List<CellSpec> cells = new ArrayList<>();
        if (explicitCells.isEmpty()) {
            for (KernelSpec k : kernels) {
                for (ScenarioSpec s : scenarios) {
                    addRepetitions(cells, k, s, repetitionsOf(s));
                }
            }
        } else {
            for (ExplicitCell c : explicitCells) {
                addRepetitions(cells, c.kernel(), c.scenario(), c.repetitions());
            }
        }
        return List.copyOf(cells);
    }

    private static void addRepetitions(List<CellSpec> cells, KernelSpec kernel, ScenarioSpec scenario, int n) {
        for (int rep = 1; rep <= n; rep++) {
            cells.add(new CellSpec(kernel, scenario, rep));
        }
    }

    /** This spec with every scenario and listed cell run {@code n} times: a quick smoke run of a big spec. */
    public Spec withRepetitions(int n) {
        requirePositive("repetitions", n);
        List<ExplicitCell> cells = explicitCells.stream()
                .map(c -> new ExplicitCell(c.kernel(), c.scenario(), n)).toList();
        return new Spec(file, kernels, scenarios, n, guest, topologies, Map.of(), cells);
    }

    /**
     * This spec restricted to the kernels labelled {@code labels} (in the spec's order): one developer's
     * kernel out of the nightly. A label the spec does not have is a {@link dev.kfit.error.BadInputException}.
     */
    public Spec withKernels(List<String> labels) {
        List<String> known = kernels.stream().map(KernelSpec::label).toList();
        for (String l : labels) {
            if (!known.contains(l)) {
                throw new dev.kfit.error.BadInputException(file + ": no kernel labelled '" + l + "' (the spec has: "
                        + String.join(", ", known) + ")");
            }
        }
        List<KernelSpec> kept = kernels.stream().filter(k -> labels.contains(k.label())).toList();
        List<ExplicitCell> cells = explicitCells.stream().filter(c -> kept.contains(c.kernel())).toList();
        if (!explicitCells.isEmpty() && cells.isEmpty()) {
            throw new dev.kfit.error.BadInputException(file + ": no cell of 'cells:' runs on " + String.join(", ", labels));
        }
        return new Spec(file, kept, scenarios, repetitions, guest, topologies, scenarioRepetitions, cells);
    }

    /** The topology called {@code name}, or null. */
    public TopologySpec topology(String name) {
        return topologies.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    /** The topology {@code scenario} runs in. */
    public TopologySpec topologyOf(ScenarioSpec scenario) {
        TopologySpec t = topology(scenario.topology());
        if (t == null) {
            throw new IllegalStateException("scenario '" + scenario.name() + "' names topology '"
                    + scenario.topology() + "', which the spec does not have");
        }
        return t;
    }

    private static void requirePositive(String what, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + n);
        }
    }
}
