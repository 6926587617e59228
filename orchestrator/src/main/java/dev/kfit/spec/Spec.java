package dev.kfit.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A loaded, checked spec: build each kernel, run each scenario on it {@code repetitions} times.
 *
 * @param file the spec file, absolute (relative paths in it were resolved against its directory)
 */
public record Spec(Path file, List<KernelSpec> kernels, List<ScenarioSpec> scenarios, int repetitions,
                   GuestSpec guest) {
    public Spec {
        Objects.requireNonNull(file, "file");
        kernels = List.copyOf(kernels);
        scenarios = List.copyOf(scenarios);
        Objects.requireNonNull(guest, "guest");
    }
}
