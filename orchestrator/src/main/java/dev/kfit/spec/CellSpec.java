package dev.kfit.spec;

import java.util.Objects;

/**
 * One run of a scenario on a kernel: what the run loop executes and results.json files a cell under.
 *
 * @param repetition 1-based
 */
public record CellSpec(KernelSpec kernel, ScenarioSpec scenario, int repetition) {
    public CellSpec {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(scenario, "scenario");
        if (repetition < 1) {
            throw new IllegalArgumentException("repetition must be at least 1, got " + repetition);
        }
    }

    /** {@code KERNEL.SCENARIO.rN}: the cell's directory under cells/ and its id in results.json. */
    public String id() {
        return kernel.label() + "." + scenario.name() + ".r" + repetition;
    }
}
