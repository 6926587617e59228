package dev.kfit.spec;

import java.util.List;

/** The scenario types the loader knows. A new type: a record implementing ScenarioSpec, plus one line here. */
final class ScenarioTypes {
    private ScenarioTypes() {
    }

    /** Builds a scenario from its name and mapping, checking the parameters against the spec's topologies. */
    @FunctionalInterface
    interface Parser {
        ScenarioSpec parse(String name, SpecMap m, List<TopologySpec> topologies);
    }

    /**
     * @param keys   the type's own parameter keys (besides {@link SpecLoader#SCENARIO_KEYS})
     * @param parser builds the scenario
     */
    record Type(String name, List<String> keys, Parser parser) {
    }

    static final List<Type> ALL = List.of(
            new Type(PinnedUnbind.TYPE, PinnedUnbind.KEYS, PinnedUnbind::parse),
            new Type(RdmaTraffic.TYPE, RdmaTraffic.KEYS, RdmaTraffic::parse));

    static Type find(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    static String names() {
        return String.join(", ", ALL.stream().map(Type::name).toList());
    }
}
