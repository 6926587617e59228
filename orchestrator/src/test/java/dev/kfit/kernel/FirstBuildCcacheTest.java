package dev.kfit.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The machine's first build from scratch skips an empty ccache, once; every other build goes through it. */
class FirstBuildCcacheTest {
    @TempDir
    Path ccache;

    @Test
    void anEmptyCcacheIsSkippedOnceThenUsed() throws Exception {
        Files.writeString(ccache.resolve("ccache.conf"), "max_size = 5G\n"); // what Ansible leaves there
        assertThat(KernelBuilder.throughCcache(ccache)).isFalse();
        assertThat(ccache.resolve(KernelBuilder.FIRST_BUILD_MARK)).exists();
        assertThat(KernelBuilder.throughCcache(ccache)).as("the second build from scratch stores into it").isTrue();
    }

    @Test
    void aCcacheWithResultsIsUsedAtOnce() throws Exception {
        Files.createDirectories(ccache.resolve("7"));
        assertThat(KernelBuilder.throughCcache(ccache)).isTrue();
        assertThat(ccache.resolve(KernelBuilder.FIRST_BUILD_MARK)).doesNotExist();
    }

    @Test
    void otherDirectoriesAreNotResults() throws Exception {
        Files.createDirectories(ccache.resolve("tmp"));
        assertThat(KernelBuilder.throughCcache(ccache)).isFalse();
    }
}
