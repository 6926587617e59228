package dev.kfit.run;

import dev.kfit.cache.Cache;
import dev.kfit.host.LocalHost;
import dev.kfit.vm.qemu.Accel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AccelProbeTest {
    @TempDir
    Path tmp;

    @Test
    void theAnswerOfThisBootIsReusedWithoutProbingAgain() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache"));
        // Whatever this machine's KVM does: an answer on file is taken as it is, no guest is started.
        Files.writeString(AccelProbe.memo(cache), "KVM probe guest booted");
        List<String> said = new ArrayList<>();
        try (LocalHost host = new LocalHost()) {
            Accel a = AccelProbe.choose(host, tmp.resolve("no-such-bzImage"), tmp, cache, said::add);
            assertThat(a).isEqualTo(Accel.KVM);
        }
        assertThat(said).containsExactly("accelerator: KVM (probed earlier since this boot: probe guest booted)");
    }

    @Test
    void aNewAnswerIsKeptForTheNextRun() throws Exception {
        Cache cache = new Cache(tmp.resolve("cache"));
        Path missingKernel = tmp.resolve("no-such-bzImage");
        try (LocalHost host = new LocalHost()) {
            Accel first = AccelProbe.choose(host, missingKernel, tmp, cache, s -> { });
            assertThat(Files.readString(AccelProbe.memo(cache))).startsWith(first.name());
            assertThat(AccelProbe.choose(host, missingKernel, tmp, cache, s -> { })).isEqualTo(first);
        }
    }
}
