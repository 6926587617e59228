package dev.kfit.scenario;

import dev.kfit.scenario.dmabuf.DmabufUnbind;
import dev.kfit.scenario.dmabuf.DmabufUnbindScenario;
import dev.kfit.scenario.odp.OdpUnbind;
import dev.kfit.scenario.odp.OdpUnbindScenario;
import dev.kfit.scenario.pinned.PinnedUnbind;
import dev.kfit.scenario.pinned.PinnedUnbindScenario;
import dev.kfit.scenario.traffic.RdmaTraffic;
import dev.kfit.scenario.traffic.RdmaTrafficScenario;
import dev.kfit.scenario.vfio.VfioUnbind;
import dev.kfit.scenario.vfio.VfioUnbindScenario;
import dev.kfit.spec.ScenarioSpec;
import dev.kfit.spec.SpecMap;
import dev.kfit.spec.TopologySpec;

import java.util.List;
import java.util.function.Function;

/**
 * The one registry of scenario types: each entry says a type's name, its spec keys, how its spec is
 * parsed and how its spec becomes a runnable {@link Scenario} (which brings its own checker). A new
 * type is a package under {@code dev.kfit.scenario} and one entry in {@link #ALL}.
 */
public final class ScenarioTypes {
    private ScenarioTypes() {
    }

    /** Builds a scenario spec from its name and mapping, checking the parameters against the spec's topologies. */
    @FunctionalInterface
    public interface Parser {
        ScenarioSpec parse(String name, SpecMap m, List<TopologySpec> topologies);
    }

    /**
     * One scenario type.
     *
     * @param name     what a spec's {@code type:} says
     * @param keys     the type's own parameter keys (besides the loader's common scenario keys)
     * @param specType the spec record the parser makes
     * @param parser   builds the spec record
     * @param factory  makes the runnable scenario of a spec record of {@code specType}
     */
    public record Type<S extends ScenarioSpec>(String name, List<String> keys, Class<S> specType, Parser parser,
                                                Function<S, Scenario> factory) {
        public Type {
            keys = List.copyOf(keys);
        }

        Scenario scenario(ScenarioSpec spec) {
            return factory.apply(specType.cast(spec));
        }
    }

    public static final List<Type<?>> ALL = List.of(
            new Type<>(PinnedUnbind.TYPE, PinnedUnbind.KEYS, PinnedUnbind.class, PinnedUnbind::parse,
                    PinnedUnbindScenario::new),
            new Type<>(RdmaTraffic.TYPE, RdmaTraffic.KEYS, RdmaTraffic.class, RdmaTraffic::parse,
                    RdmaTrafficScenario::new),
            new Type<>(OdpUnbind.TYPE, OdpUnbind.KEYS, OdpUnbind.class, OdpUnbind::parse, OdpUnbindScenario::new),
            new Type<>(VfioUnbind.TYPE, VfioUnbind.KEYS, VfioUnbind.class, VfioUnbind::parse, VfioUnbindScenario::new),
            new Type<>(DmabufUnbind.TYPE, DmabufUnbind.KEYS, DmabufUnbind.class, DmabufUnbind::parse,
                    DmabufUnbindScenario::new));

    /** The type of that name, or null. */
    public static Type<?> find(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    /** The known type names, for error messages. */
    public static String names() {
        return String.join(", ", ALL.stream().map(Type::name).toList());
    }

    /** The runnable scenario of a spec, by its type's entry. */
    public static Scenario scenario(ScenarioSpec spec) {
        Type<?> t = find(spec.type());
        if (t == null || !t.specType().isInstance(spec)) {
            throw new IllegalArgumentException("no scenario type registered for " + spec.type());
        }
        return t.scenario(spec);
    }
}
