package dev.kfit.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kfit.error.InfraException;
import dev.kfit.verdict.Verdict;

import java.nio.file.Path;

/**
 * A KernelCI KCIDB (schema v4) document of the run: one checkout and one build per kernel, one
 * test per cell, so results can be submitted to a shared kernel results database. IDs are
 * "kfit:" + the kernel's cache key (a build is its content) and + run/cell for tests.
 * Status: a finding FAIL, kfit's own error (INFRA_ERROR, CHECKER_ERROR) ERROR, the rest PASS (see {@link Verdict}).
 */
public final class KcidbExport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private KcidbExport() {
    }

    public static ObjectNode render(Results results) {
        ObjectNode doc = JSON.createObjectNode();
        doc.putObject("version").put("major", 4).put("minor", 3);
        ArrayNode checkouts = doc.putArray("checkouts");
        ArrayNode builds = doc.putArray("builds");
        ArrayNode tests = doc.putArray("tests");
        String run = "kfit:" + results.run().startedAt().replaceAll("[^0-9A-Za-z]", "");
        for (Results.KernelInfo k : results.run().kernels()) {
            String id = "kfit:" + k.cacheKey();
            ObjectNode c = checkouts.addObject().put("id", id).put("origin", "kfit").put("valid", true)
                    .put("tree_name", k.source()).put("start_time", results.run().startedAt());
            ArrayNode patches = c.putObject("misc").put("kernel_version", k.kernelVersion()).putArray("patches");
            k.patches().forEach(patches::add);
            builds.addObject().put("id", id).put("checkout_id", id).put("origin", "kfit").put("architecture", "x86_64")
                    .put("compiler", k.compiler()).put("config_name", "tinyconfig+kfit").put("valid", true)
                    .put("duration", k.buildSeconds()).put("start_time", results.run().startedAt())
                    .putObject("misc").put("label", k.label()).put("cached", k.cached());
        }
        for (CellResult c : results.cells()) {
            String build = results.run().kernels().stream().filter(k -> k.label().equals(c.kernel())).findFirst()
                    .map(k -> "kfit:" + k.cacheKey()).orElse("kfit:" + c.kernel());
            ObjectNode t = tests.addObject().put("id", run + ":" + c.id()).put("build_id", build).put("origin", "kfit")
                    .put("path", "kfit." + c.scenario().replace('-', '_')).put("status", status(c.verdict()))
                    .put("start_time", c.startedAt()).put("duration", c.durationS());
            ObjectNode misc = t.putObject("misc").put("verdict", c.verdict()).put("repetition", c.repetition());
            if (c.unbindMs() != null) {
                misc.put("unbind_ms", c.unbindMs());
            }
            ArrayNode splats = misc.putArray("splats");
            c.splats().forEach(s -> splats.add(s.type() + " " + s.title()));
        }
        return doc;
    }

    static String status(String verdict) {
        if (Verdict.isFinding(verdict)) {
            return "FAIL";
        }
        return Verdict.isKfitError(verdict) ? "ERROR" : "PASS";
    }

    public static void write(Results results, Path file) {
        try {
            ReportFiles.writeAtomically(file, JSON.writeValueAsString(render(results)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InfraException("cannot render " + file + ": " + e.getMessage(), e);
        }
    }
}
