package dev.kfit.run;

import dev.kfit.report.Results;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A nightly finds the night before: the newest other run of the same spec beside it. */
class RunLayoutTest {
    @TempDir
    Path runs;

    private RunLayout run(String name, String spec, String startedAt) throws Exception {
        RunLayout l = RunLayout.create(runs.resolve(name));
        Files.writeString(l.spec(), spec);
        if (startedAt != null) {
            new Results(new Results.RunInfo("spec.yaml", startedAt, "h", "q", "TCG", List.of(), "i"), List.of()).write(l.results());
        }
        return l;
    }

    @Test
    void previousIsTheNewestOtherRunOfTheSameSpecWithResults() throws Exception {
        run("mon", "nightly", "2026-11-23T01:00:00Z");
        RunLayout tue = run("tue", "nightly", "2026-11-24T01:00:00Z");
        run("other-spec", "reproduce", "2026-11-24T12:00:00Z");
        run("killed-before-results", "nightly", null);
        RunLayout wed = run("wed", "nightly", "2026-11-25T01:00:00Z");

        assertThat(wed.previousOfSameSpec().orElseThrow().dir()).isEqualTo(tue.dir());
    }

    @Test
    void theFirstNightHasNothingToCompareWith() throws Exception {
        run("other", "reproduce", "2026-11-24T12:00:00Z");
        RunLayout first = run("first", "nightly", "2026-11-25T01:00:00Z");
        assertThat(first.previousOfSameSpec()).isEmpty();
    }
}
