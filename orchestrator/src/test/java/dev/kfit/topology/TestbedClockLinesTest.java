package dev.kfit.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestbedClockLinesTest {
    @TempDir
    Path tmp;

    @Test
    void theClockErrorQuotesTheGuestsCalibration() throws Exception {
        Path console = tmp.resolve("console-initiator.log");
        Files.writeString(console, """
                [    0.000000] Linux version 6.12.117 (kfit@builder)
                [    0.000000] tsc: Fast TSC calibration failed
                [    0.000000] tsc: PIT calibration deviates from HPET: 49205 2594759
                [    0.000000] tsc: Using PIT calibration value
                [    0.000000] tsc: Detected 49.205 MHz processor
                [    0.912000] clocksource: Switched to clocksource tsc-early
                [    1.210000] nvme nvme0: pci function 0000:00:04.0
                """);
        assertThat(Testbed.clockLines(console))
                .startsWith("; its console: [    0.000000] tsc: Fast TSC calibration failed")
                .contains("tsc: PIT calibration deviates from HPET: 49205 2594759")
                .contains("tsc: Detected 49.205 MHz processor")
                .contains("Switched to clocksource tsc-early")
                .doesNotContain("nvme");
    }

    @Test
    void aMissingConsoleAddsNothing() {
        assertThat(Testbed.clockLines(tmp.resolve("gone.log"))).isEmpty();
        assertThat(Testbed.clockLines(null)).isEmpty();
    }
}
