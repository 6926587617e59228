package dev.kfit.spec;

import java.time.Duration;

/**
 * One scenario to run on every kernel. Each scenario type is a record in its own package
 * ({@code dev.kfit.scenario.pinned}, {@code dev.kfit.scenario.traffic}) that also holds the parser
 * for its parameters; {@link dev.kfit.scenario.ScenarioTypes} is the one registry of the types.
 */
public interface ScenarioSpec {
    /** Unique within a spec; results and reports are filed under it. */
    String name();

    /** The scenario type, e.g. {@code pinned-unbind}; equals {@link #name()} unless the spec set {@code type:}. */
    String type();

    /** The {@link TopologySpec} the scenario runs in, by name; it exists in the scenario's {@link Spec}. */
    String topology();

    /** How long its own timeline takes on a healthy kernel (without boots), for the duration model. */
    Duration timeline();

    /**
     * What the cell ran with, as the spec writes it: the type's keys (defaults filled in) to values in
     * the spec's notation ({@code hold: 20s}, {@code pin_size: 2M}), in the type's key order. Stored with
     * every cell, so a reader of the results can tell what a time was measured against.
     */
    java.util.Map<String, String> parameters();
}
