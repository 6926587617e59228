package dev.kfit.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real consoles of known faults give one splat each, of the right type, titled with the function the
 * fault was planted in. tests/specs/planted-faults.yaml builds Debian's 6.12 with
 * tests/patches/planted-faults (five faults in nvme_remove, each in a function of its own, picked by
 * nvme.planted_fault= on the kernel command line) and runs one cell per fault, each cell's guest with
 * its own kernel_args; the scenario's unbind fires the fault. The hung task is reported by the
 * detector several times and must come out as one splat with that count.
 */
@Order(8)
class PlantedFaultsIT {
    /** A scenario of the spec: the fault it plants, the splat type, the function its title must name, the verdict. */
    record Planted(String scenario, String fault, String type, String function, String verdict) {
    }

    private static final Pattern HUNG_PRINT = Pattern.compile("(?m)^\\[[ \\d.]+\\] INFO: task \\S+ blocked for more than \\d+ seconds");

    static final List<Planted> PLANTED = List.of(
            new Planted("warn", "warn", "WARNING", "kfit_planted_warn", "PIN_REFUSED"),
            new Planted("refcount", "refcount", "WARNING", "kfit_planted_refcount", "PIN_REFUSED"),
            new Planted("hang", "hang", "HUNG_TASK", "kfit_planted_hang", "PIN_REFUSED"),
            new Planted("bug", "bug", "BUG", "kfit_planted_bug", "CRASH"),
            new Planted("null-deref", "null-deref", "BUG", "kfit_planted_null_deref", "CRASH"));

    @Test
    void eachPlantedFaultGivesOneSplatNamingItsFunction() throws Exception {
        Path run = Kfit.runDir("planted-faults");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(60), "run", "tests/specs/planted-faults.yaml", "--out", run.toString());
        assertThat(r.exit()).as("every cell has a kernel verdict: exit 0\n%s", r).isZero();

        JsonNode results = Kfit.results(run);
        assertThat(results.get("cells")).hasSize(PLANTED.size());
        List<String> seen = new ArrayList<>();
        for (Planted p : PLANTED) {
            JsonNode cell = Kfit.scenarioCell(results, p.scenario());
            String console = Files.readString(run.resolve(cell.get("console").asText()));
            // The fault was asked for on the command line, and the kernel fired that one.
            assertThat(Pattern.compile("(?m)\\] nvme \\S+: kfit: planted fault " + Pattern.quote(p.fault()) + "\r?$")
                    .matcher(console).find()).as("%s: the fault fired", p.scenario()).isTrue();
            assertThat(cell.get("error").isNull()).as(cell.toPrettyString()).isTrue();
            assertThat(cell.get("verdict").asText()).as(cell.toPrettyString()).isEqualTo(p.verdict());

            JsonNode splats = cell.get("splats");
            assertThat(splats).as("%s: exactly one splat%n%s", p.scenario(), splats.toPrettyString()).hasSize(1);
            JsonNode s = splats.get(0);
            String title = s.get("title").asText();
            assertThat(s.get("type").asText()).as(title).isEqualTo(p.type());
            assertThat(title).as("%s names the planted function", title).contains(p.function());
            assertThat(s.get("corrupted").asBoolean()).as("%s: the report was printed whole", title).isFalse();
            assertThat(s.get("excerpt").asText()).contains(p.function());
            if (p.fault().equals("refcount")) {
                assertThat(title).as("a refcount report keeps its kind").contains("refcount");
            }
            if (p.fault().equals("hang")) {
                // The detector printed the task once per check while it was blocked (8 s, 2 s timeout).
                int printed = (int) HUNG_PRINT.matcher(console).results().count();
                assertThat(printed).as("hung-task prints on the console").isGreaterThan(1);
                assertThat(s.get("count").asInt()).as(title).isEqualTo(printed);
            } else {
                assertThat(s.get("count").asInt()).as(title).isEqualTo(1);
            }
            seen.add(p.scenario() + ": " + s.get("type").asText() + " " + title + " x" + s.get("count").asInt());
        }
        System.out.printf("kfit e2e: planted faults in %d s:%n  %s%n", r.elapsed().toSeconds(), String.join("\n  ", seen));
    }
}
