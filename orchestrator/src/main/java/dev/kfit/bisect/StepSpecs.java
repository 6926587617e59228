package dev.kfit.bisect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.kfit.error.InfraException;
import dev.kfit.spec.KernelSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A step's spec: the bisected spec with one kernel (the point's source and patches, every path
 * absolute), one scenario, no {@code cells:}, and the step's repetitions. Everything else (guest,
 * topologies, the scenario's parameters) is the spec's own, so a step runs exactly what the spec runs.
 */
public final class StepSpecs {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    private StepSpecs() {
    }

    /** The YAML text of point {@code p}'s spec, run {@code repetitions} times. */
    public static String render(Path specFile, KernelSpec kernel, String scenario, Points.Point p, String label,
                                int repetitions, String comment) {
        JsonNode root;
        try {
            root = YAML.readTree(specFile.toFile());
        } catch (IOException e) {
            throw new InfraException("cannot read " + specFile + ": " + e.getMessage(), e);
        }
        ObjectNode spec = ((ObjectNode) root).deepCopy();
        ObjectNode k = YAML.createObjectNode();
        k.put("label", label);
        k.put("source", p.source());
        ArrayNode patches = k.putArray("patches");
        p.patches().forEach(f -> patches.add(f.toString()));
        if (patches.isEmpty()) {
            k.remove("patches");
        }
        if (!kernel.fragments().isEmpty()) {
            ArrayNode fragments = k.putArray("fragments");
            kernel.fragments().forEach(f -> fragments.add(f.toString()));
        }
        spec.putArray("kernels").add(k);
        ArrayNode scenarios = spec.putArray("scenarios");
        for (JsonNode s : root.get("scenarios")) {
            if (scenario.equals(s.path("name").asText())) {
                ObjectNode copy = ((ObjectNode) s).deepCopy();
                copy.remove("repetitions");
                scenarios.add(copy);
            }
        }
        spec.remove("cells");
        spec.put("repetitions", repetitions);
        try {
            return "# " + comment + "\n" + YAML.writeValueAsString(spec);
        } catch (IOException e) {
            throw new InfraException("cannot render a step spec: " + e.getMessage(), e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            dev.kfit.report.ReportFiles.writeAtomically(file, text);
        } catch (IOException e) {
            throw new InfraException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
