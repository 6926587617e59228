package dev.kfit.kernel;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A cache entry's record: what a cache hit reads back, so a cached build keeps its own start time. */
class KernelBuildRecordTest {
    @TempDir
    Path tmp;

    @Test
    void patchsetHashIsKcidbsShaOverTheNewlineTerminatedPatchShas() throws Exception {
        Path a = Files.writeString(tmp.resolve("0001-a.patch"), "a\n");
        Path b = Files.writeString(tmp.resolve("0002-b.patch"), "b\n");
        KernelBuild k = build(null, List.of(KernelBuild.AppliedPatch.of(a), KernelBuild.AppliedPatch.of(b)));
        // sha256sum 0001-a.patch 0002-b.patch | cut -c-64 | sha256sum | cut -c-64
        assertThat(k.patchsetHash()).isEqualTo("7b77b1b66500ed66bdb3e5f10e78f55ab6d4b404fa676ec1bee2ab5b31346a80");
        assertThat(k.patchset().get(0).sha256()).isEqualTo("87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7");
        assertThat(k.patchset().get(0).path()).isEqualTo(a.toAbsolutePath().toString());
        assertThat(build(null, List.of()).patchsetHash()).isEmpty();
        assertThat(build(null, null).patchsetHash()).isNull();
    }

    @Test
    void aCacheHitKeepsTheBuildsStartTime() throws Exception {
        Path entry = Files.createDirectories(tmp.resolve("kernels/abc"));
        Files.writeString(entry.resolve("bzImage"), "kernel");
        Path p = Files.writeString(tmp.resolve("0001-a.patch"), "a\n");
        KernelBuild made = build("2026-11-30T10:00:00.123Z", List.of(KernelBuild.AppliedPatch.of(p)));
        new ObjectMapper().writeValue(entry.resolve("build.json").toFile(), made); // as KernelBuilder writes them
        Files.writeString(entry.resolve(KernelBuilder.STARTED_AT), made.builtAt() + "\n");

        KernelBuild first = KernelBuilder.readEntry(entry).asCached();
        KernelBuild second = KernelBuilder.readEntry(entry).asCached();
        assertThat(first.builtAt()).isEqualTo("2026-11-30T10:00:00.123Z").isEqualTo(second.builtAt());
        assertThat(first.cached()).isTrue();
        assertThat(first.bzImage()).isEqualTo(entry.resolve("bzImage"));
    }

    @Test
    void buildJsonKeepsTheFieldsAnOlderKfitReadsStrictlyFromTheSharedCache() throws Exception {
        Path p = Files.writeString(tmp.resolve("0001-a.patch"), "a\n");
        KernelBuild made = build("2026-11-30T10:00:00.123Z", List.of(KernelBuild.AppliedPatch.of(p)));
        List<String> fields = new java.util.ArrayList<>();
        new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(made)).fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("label", "cacheKey", "kernelVersion", "source", "patches", "compiler",
                "bzImage", "config", "buildLog", "cached", "buildSeconds");
    }

    @Test
    void anEntryWrittenBeforeBuiltAtExistedStartsItsDurationBeforeBuildJsonWasWritten() throws Exception {
        Path entry = Files.createDirectories(tmp.resolve("kernels/old"));
        Files.writeString(entry.resolve("bzImage"), "kernel");
        Files.writeString(entry.resolve("build.json"), """
                {"label":"6.12","cacheKey":"old","kernelVersion":"6.12.117","source":"debian:linux-source-6.12",
                 "patches":[],"compiler":"gcc","bzImage":null,"config":null,"buildLog":null,"cached":false,
                 "buildSeconds":240.4}
                """);
        Files.setLastModifiedTime(entry.resolve("build.json"), FileTime.from(Instant.parse("2026-11-01T12:04:00Z")));
        KernelBuild b = KernelBuilder.readEntry(entry);
        assertThat(b.builtAt()).isEqualTo("2026-11-01T11:59:59Z"); // 240.4 s before, to the second
        assertThat(KernelBuilder.readEntry(entry).builtAt()).isEqualTo(b.builtAt());
        assertThat(b.patchset()).isNull();
    }

    private static KernelBuild build(String builtAt, List<KernelBuild.AppliedPatch> patchset) {
        return new KernelBuild("6.12-series", "abc", "6.12.117", "debian:linux-source-6.12=6.12.117-1~deb12u1",
                patchset == null ? List.of() : patchset.stream().map(KernelBuild.AppliedPatch::name).toList(), "gcc",
                null, null, null, false, 240.4, builtAt, patchset);
    }
}
