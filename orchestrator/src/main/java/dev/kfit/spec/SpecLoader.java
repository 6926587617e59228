package dev.kfit.spec;

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
    static final List<String> TOP_KEYS = List.of("kernels", "scenarios", "repetitions", "guest", "topologies");
    static final List<String> KERNEL_KEYS = List.of("label", "source", "patches", "fragments");

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
        for (YamlNode node : scenarioNodes) {
            SpecMap m = SpecMap.of(file, node, "scenario");
            ScenarioSpec scenario = scenario(m, topologies);
            unique(m, "name", "scenario name", scenario.name(), names);
            scenarios.add(scenario);
        }

        int repetitions = top.value("repetitions", 1, t -> SpecValues.integer("repetitions", t, 1, 1000));

        return new Spec(absolute, kernels, scenarios, repetitions, guest, topologies);
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

    /** {@code name} picks the type unless {@code type:} is given, which frees the name. */
    private static ScenarioSpec scenario(SpecMap m, List<TopologySpec> topologies) {
        String name = m.string("name");
        String typeName = m.has("type") ? m.string("type") : name;
        ScenarioTypes.Type type = ScenarioTypes.find(typeName);
        if (type == null) {
            String problem = "unknown scenario type '" + typeName + "' (known: " + ScenarioTypes.names() + ")";
            if (!m.has("type")) {
                problem += "; to name a scenario freely, give its type with 'type:'";
            }
            throw m.error(m.has("type") ? "type" : "name", problem);
        }
        m.value("name", t -> label("scenario name", t));
        List<String> keys = new ArrayList<>(List.of("name", "type"));
        keys.addAll(type.keys());
        m.allowOnly(keys);
        return type.parser().parse(name, m, topologies);
    }
}
