package dev.kfit.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SpecValuesTest {

    @ParameterizedTest
    @CsvSource({
            "20s,   20000",
            "500ms, 500",
            "2m,    120000",
            "1h,    3600000",
            "1.5s,  1500",
            "0.25s, 250",
            // a bare number means seconds, so "hold: 20" and "hold: 1.5" work
            "20,    20000",
            "1.5,   1500",
            "0,     0",
            "0s,    0",
    })
    void parsesDurations(String text, long millis) {
        assertThat(SpecValues.duration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-3s", "-1", "-500ms", "-1.5s"})
    void rejectsNegativeDurations(String text) {
        assertThatThrownBy(() -> SpecValues.duration(text))
                .isInstanceOf(SpecProblem.class)
                .hasMessage("negative duration '" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "s", "3 s", "3sec", "1.5.2s", "1e3", ".5s", "5.s", "+3s", "--3s", "3S",
            "0.0000000001s", "99999999999999999h"})
    void rejectsMalformedDurations(String text) {
        assertThatThrownBy(() -> SpecValues.duration(text))
                .isInstanceOf(SpecProblem.class)
                .hasMessage("malformed duration '" + text + "' (expected e.g. 20s, 500ms, 2m)");
    }

    @ParameterizedTest
    @CsvSource({"20s, 20s", "1.5s, 1.5s", "500ms, 500ms", "2m, 120s", "1.25s, 1.25s"})
    void formatsDurationsShortly(String text, String formatted) {
        assertThat(SpecValues.format(SpecValues.duration(text))).isEqualTo(formatted);
    }

    @ParameterizedTest
    @CsvSource({"4096, 4096", "4K, 4096", "2M, 2097152", "2m, 2097152", "1G, 1073741824", "0, 0"})
    void parsesSizes(String text, long bytes) {
        assertThat(SpecValues.size(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2MB", "1.5M", "-1", "", "M", "1T", "2 M"})
    void rejectsMalformedSizes(String text) {
        assertThatThrownBy(() -> SpecValues.size(text))
                .isInstanceOf(SpecProblem.class)
                .hasMessage("malformed size '" + text + "' (expected e.g. 4096, 2M, 1G)");
    }

    @Test
    void rejectsSizesThatOverflow() {
        assertThatThrownBy(() -> SpecValues.size("99999999999G")).hasMessage("size '99999999999G' is too large");
    }

    @Test
    void guestSizesNeedAUnitAndWholeMegabytes() {
        assertThat(SpecValues.sizeMb("memory", "1G")).isEqualTo(1024);
        assertThat(SpecValues.sizeMb("memory", "512M")).isEqualTo(512);
        // bare 1024 could be bytes or MiB: refused instead of guessed
        assertThatThrownBy(() -> SpecValues.sizeMb("memory", "1024"))
                .hasMessage("memory '1024' needs a unit (e.g. 512M, 1G)");
        assertThatThrownBy(() -> SpecValues.sizeMb("cmb", "1536K"))
                .hasMessage("cmb must be a positive whole number of MiB, got '1536K'");
        assertThatThrownBy(() -> SpecValues.sizeMb("cmb", "0M"))
                .hasMessage("cmb must be a positive whole number of MiB, got '0M'");
    }

    @Test
    void integersAreRangeChecked() {
        assertThat(SpecValues.integer("repetitions", "7", 1, 1000)).isEqualTo(7);
        assertThatThrownBy(() -> SpecValues.integer("repetitions", "0", 1, 1000))
                .hasMessage("repetitions must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> SpecValues.integer("repetitions", "1.5", 1, 1000))
                .hasMessage("repetitions must be a whole number, got '1.5'");
        assertThatThrownBy(() -> SpecValues.integer("repetitions", "99999999999", 1, 1000))
                .hasMessage("repetitions must be a whole number, got '99999999999'");
    }

    @ParameterizedTest
    @CsvSource({"65536, 64K", "2097152, 2M", "1073741824, 1G", "4096, 4K", "5000, 5000", "0, 0", "1536, 1536"})
    void formatsSizesShortly(long bytes, String formatted) {
        assertThat(SpecValues.formatSize(bytes)).isEqualTo(formatted);
    }
}
