package dev.kfit.spec;

/**
 * One scenario to run on every kernel. Each type is a record in its own file that also holds the
 * parser for its parameters; {@link ScenarioTypes} lists the types the loader knows.
 */
public sealed interface ScenarioSpec permits PinnedUnbind, RdmaTraffic {
    /** Unique within a spec; results and reports are filed under it. */
    String name();

    /** The scenario type, e.g. {@code pinned-unbind}; equals {@link #name()} unless the spec set {@code type:}. */
    String type();

    /** The {@link TopologySpec} the scenario runs in, by name; it exists in the scenario's {@link Spec}. */
    String topology();
}
