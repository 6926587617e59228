package dev.kfit.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class DebianSourcesFreshListsTest {
    @TempDir
    Path apt;

    @Test
    void listsUpdatedWithinTheHourAreUsedAsTheyAre() throws Exception {
        Files.writeString(apt.resolve(DebianSources.UPDATED_STAMP), "x\n");
        assertThat(DebianSources.freshLists(apt)).isTrue();
    }

    @Test
    void listsOlderThanAnHourOrNeverUpdatedAreUpdated() throws Exception {
        assertThat(DebianSources.freshLists(apt)).isFalse();
        Path stamp = Files.writeString(apt.resolve(DebianSources.UPDATED_STAMP), "x\n");
        Files.setLastModifiedTime(stamp, FileTime.from(Instant.now().minus(Duration.ofMinutes(61))));
        assertThat(DebianSources.freshLists(apt)).isFalse();
    }
}
