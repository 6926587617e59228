package dev.kfit.spec;

import java.util.List;
import java.util.function.BiFunction;

/** The scenario types the loader knows. A new type: a record implementing ScenarioSpec, plus one line here. */
final class ScenarioTypes {
    private ScenarioTypes() {
    }

    /**
     * @param keys   the type's own parameter keys (besides {@code name} and {@code type})
     * @param parser builds the scenario from its name and mapping, checking the parameters
     */
    record Type(String name, List<String> keys, BiFunction<String, SpecMap, ScenarioSpec> parser) {
    }

    static final List<Type> ALL = List.of(
            new Type(PinnedUnbind.TYPE, PinnedUnbind.KEYS, PinnedUnbind::parse));

    static Type find(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    static String names() {
        return String.join(", ", ALL.stream().map(Type::name).toList());
    }
}
