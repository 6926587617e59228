package dev.kfit.spec;

import dev.kfit.scenario.ScenarioTypes;
import dev.kfit.error.BadInputException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a spec YAML strictly: unknown or duplicate keys, wrong types, bad values and missing files are
 * all errors, each a one-line {@code FILE:LINE: problem} {@link BadInputException}, so a typo fails
 * before hours of kernel builds rather than silently running with a default.
 */
public final class SpecLoader {
    private SpecLoader() {
    }

    /** Kernel labels and scenario names end up in file names and report tables. */
    static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
    static final List<String> TOP_KEYS = List.of("kernels", "scenarios", "cells", "repetitions", "guest",
            "topologies");
    static final List<String> KERNEL_KEYS = List.of("label", "source", "patches", "fragments");
    /** Keys every scenario has, whatever its type; the type adds its own parameters. */
    static final List<String> SCENARIO_KEYS = List.of("name", "type", "repetitions");
    static final List<String> CELL_KEYS = List.of("kernel", "scenario", "repetitions");

    public static Spec load(Path file) {
        if (Files.isDirectory(file)) {
            throw BadInputException.at(file, 0, "is a directory, not a spec file");
        }
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw BadInputException.at(file, 0, "no such file");
        } catch (CharacterCodingException e) {
            throw BadInputException.at(file, 0, "not UTF-8 text");
        } catch (IOException e) {
            throw BadInputException.at(file, 0, "cannot read: " + e.getMessage());
        }
        return parse(yaml, file);
    }

    /**
     * Parses {@code yaml} as if read from {@code pretendFile}: errors name it, and relative paths are
     * resolved against its directory (which must hold the patches etc., the file itself need not exist).
     */
    public static Spec parse(String yaml, Path pretendFile) {
        Path file = pretendFile;
        Path absolute = pretendFile.toAbsolutePath().normalize();
        Path baseDir = absolute.getParent() != null ? absolute.getParent() : absolute;

        YamlNode root = YamlNode.read(yaml, file);
        if (root == null) {
            throw BadInputException.at(file, 0, "spec is empty (expected keys " + String.join(", ", TOP_KEYS) + ")");
        }
        SpecMap top = SpecMap.of(file, root, "the spec").allowOnly(TOP_KEYS);

        List<YamlNode> kernelNodes = nonEmptyList(top, "kernels", "kernel");
        List<KernelSpec> kernels = new ArrayList<>();
        Map<String, Integer> labels = new HashMap<>();
        for (YamlNode node : kernelNodes) {
            SpecMap m = SpecMap.of(file, node, "kernel").allowOnly(KERNEL_KEYS);
            KernelSpec kernel = kernel(m, baseDir);
            unique(m, "label", "kernel label", kernel.label(), labels);
            kernels.add(kernel);
        }

        // Scenarios are checked against the topologies, whose built-ins are sized by guest.cmb.
        SpecMap guestMap = top.map("guest", GuestSpec.KEYS);
        GuestSpec guest = guestMap == null ? GuestSpec.DEFAULT : GuestSpec.parse(guestMap);
        List<TopologySpec> topologies = TopologySpec.parseAll(top, guest);

        List<YamlNode> scenarioNodes = nonEmptyList(top, "scenarios", "scenario");
        List<ScenarioSpec> scenarios = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> scenarioRepetitions = new HashMap<>();
        for (YamlNode node : scenarioNodes) {
            SpecMap m = SpecMap.of(file, node, "scenario");
            ScenarioSpec scenario = scenario(m, topologies);
            unique(m, "name", "scenario name", scenario.name(), names);
            scenarios.add(scenario);
            if (m.has("repetitions")) {
                scenarioRepetitions.put(scenario.name(), m.value("repetitions", SpecLoader::repetitions));
            }
        }

        int repetitions = top.value("repetitions", 1, SpecLoader::repetitions);
        Spec crossProduct = new Spec(absolute, kernels, scenarios, repetitions, guest, topologies,
                scenarioRepetitions, List.of());
        if (!top.has("cells")) {
            return crossProduct;
        }
        return new Spec(absolute, kernels, scenarios, repetitions, guest, topologies, scenarioRepetitions,
                cells(top, crossProduct));
    }

    static int repetitions(String text) {
        return SpecValues.integer("repetitions", text, 1, 1000);
    }

    /** The {@code cells:} list, checked against {@code spec}'s kernels and scenarios. */
    private static List<Spec.ExplicitCell> cells(SpecMap top, Spec spec) {
        Path file = top.file();
        List<Spec.ExplicitCell> cells = new ArrayList<>();
        Map<List<String>, Integer> pairs = new HashMap<>();
        String item = "cell (or leave 'cells' out to run every scenario on every kernel)";
        for (YamlNode node : nonEmptyList(top, "cells", item)) {
            SpecMap m = SpecMap.of(file, node, "cell").allowOnly(CELL_KEYS);
            Spec.ExplicitCell cell = cell(m, spec);
            // The pair names the cell's results: listed twice, the second would overwrite the first's.
            Integer first = pairs.putIfAbsent(List.of(cell.kernel().label(), cell.scenario().name()), m.line());
            if (first != null) {
                throw BadInputException.at(file, m.line(), "duplicate cell (kernel '" + cell.kernel().label()
                        + "', scenario '" + cell.scenario().name() + "') (first at line " + first + ")");
            }
            cells.add(cell);
        }
        return cells;
    }

    /** A {@code cells:} entry; its repetitions default to its scenario's. */
    private static Spec.ExplicitCell cell(SpecMap m, Spec spec) {
        List<String> labels = spec.kernels().stream().map(KernelSpec::label).toList();
        KernelSpec kernel = spec.kernels().get(m.value("kernel", t -> known("kernel", t, labels)));
        List<String> names = spec.scenarios().stream().map(ScenarioSpec::name).toList();
        ScenarioSpec scenario = spec.scenarios().get(m.value("scenario", t -> known("scenario", t, names)));
        int repetitions = m.value("repetitions", spec.repetitionsOf(scenario), SpecLoader::repetitions);
        return new Spec.ExplicitCell(kernel, scenario, repetitions);
    }

    /** The index of {@code text} in {@code known}. */
    private static int known(String what, String text, List<String> known) {
        int i = known.indexOf(text);
        if (i < 0) {
            throw new SpecProblem("unknown " + what + " '" + text + "' (known: " + String.join(", ", known) + ")");
        }
        return i;
    }

    private static List<YamlNode> nonEmptyList(SpecMap top, String key, String item) {
        List<YamlNode> items = top.list(key, true);
        if (items.isEmpty()) {
            throw top.error(key, "'" + key + "' is empty: list at least one " + item);
        }
        return items;
    }

    static void unique(SpecMap m, String key, String what, String value, Map<String, Integer> seen) {
        Integer first = seen.putIfAbsent(value, m.lineOf(key));
        if (first != null) {
            throw m.error(key, "duplicate " + what + " '" + value + "' (first at line " + first + ")");
        }
    }

    static String label(String what, String text) {
        if (!LABEL.matcher(text).matches()) {
            throw new SpecProblem("invalid " + what + " '" + text + "' (must match " + LABEL.pattern() + ")");
        }
        return text;
    }

    private static KernelSpec kernel(SpecMap m, Path baseDir) {
        String label = m.value("label", t -> label("kernel label", t));
        KernelSource source = m.value("source", t -> KernelSource.parse(t, baseDir));
        List<Path> patches = new ArrayList<>();
        for (YamlNode item : m.list("patches", false)) {
            patches.add(SpecMap.item(m.file(), "patches", item, t -> patch(baseDir, t)));
        }
        List<Path> fragments = new ArrayList<>();
        for (YamlNode item : m.list("fragments", false)) {
            fragments.add(SpecMap.item(m.file(), "fragments", item, t -> fragment(baseDir, t)));
        }
        return new KernelSpec(label, source, patches, fragments);
    }

    /** A patch file, or a directory that holds at least one (an empty one is almost surely a wrong path). */
    private static Path patch(Path baseDir, String text) {
        Path p = SpecValues.resolve(baseDir, text);
        if (Files.isDirectory(p)) {
            try {
                if (KernelSpec.patchFilesIn(p).isEmpty()) {
                    throw new SpecProblem("no *.patch or *.diff files in patch directory " + p);
                }
            } catch (IOException e) {
                throw new SpecProblem("cannot list patch directory " + p + ": " + e.getMessage());
            }
        } else if (!Files.isRegularFile(p)) {
            throw new SpecProblem("patch not found: " + p);
        }
        return p;
    }

    private static Path fragment(Path baseDir, String text) {
        Path p = SpecValues.resolve(baseDir, text);
        if (Files.isDirectory(p)) {
            throw new SpecProblem("config fragment is a directory, expected a file: " + p);
        }
        if (!Files.isRegularFile(p)) {
            throw new SpecProblem("config fragment not found: " + p);
        }
        return p;
    }

    /**
     * {@code name} picks the type unless {@code type:} is given, which frees the name. The
     * {@link #SCENARIO_KEYS} are allowed for every type; {@code repetitions} is read by the caller.
     */
    private static ScenarioSpec scenario(SpecMap m, List<TopologySpec> topologies) {
        String name = m.string("name");
        String typeName = m.has("type") ? m.string("type") : name;
        ScenarioTypes.Type<?> type = ScenarioTypes.find(typeName);
        if (type == null) {
            String problem = "unknown scenario type '" + typeName + "' (known: " + ScenarioTypes.names() + ")";
            if (!m.has("type")) {
                problem += "; to name a scenario freely, give its type with 'type:'";
            }
            throw m.error(m.has("type") ? "type" : "name", problem);
        }
        m.value("name", t -> label("scenario name", t));
        List<String> keys = new ArrayList<>(SCENARIO_KEYS);
        keys.addAll(type.keys());
        m.allowOnly(keys);
        return type.parser().parse(name, m, topologies);
    }
}
