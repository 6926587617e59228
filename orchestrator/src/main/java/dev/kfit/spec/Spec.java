package dev.kfit.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A loaded, checked spec: build each kernel, run each scenario on it {@code repetitions} times.
 *
 * @param file       the spec file, absolute (relative paths in it were resolved against its directory)
 * @param topologies the built-in topologies followed by the spec's own; every scenario's topology is here
 */
public record Spec(Path file, List<KernelSpec> kernels, List<ScenarioSpec> scenarios, int repetitions,
                   GuestSpec guest, List<TopologySpec> topologies) {
    public Spec {
        Objects.requireNonNull(file, "file");
        kernels = List.copyOf(kernels);
        scenarios = List.copyOf(scenarios);
        Objects.requireNonNull(guest, "guest");
        topologies = List.copyOf(topologies);
    }

    /** With only the built-in topologies, sized by {@code guest}. */
    public Spec(Path file, List<KernelSpec> kernels, List<ScenarioSpec> scenarios, int repetitions, GuestSpec guest) {
        this(file, kernels, scenarios, repetitions, guest,
                TopologySpec.builtIns(Objects.requireNonNull(guest, "guest")));
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
}
