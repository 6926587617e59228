package dev.kfit.e2e;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input through the real launcher: one line naming the file and the problem, exit status 2. */
@Order(11)
class BadInputIT {
    @TempDir
    Path tmp;

    @Test
    void unknownSpecKeyIsOneLineWithFileAndLine() throws Exception {
        Path spec = tmp.resolve("typo.yaml");
        Files.writeString(spec, """
                kernels:
                  - label: a
                    source: debian:linux-source-6.12
                scenarios:
                  - name: pinned-unbind
                    hold: 20s
                    unbind_dealy: 3s
                """);
        Kfit.Result r = Kfit.run(Duration.ofMinutes(5), "run", spec.toString(), "--out", tmp.resolve("run").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().strip().lines().filter(l -> l.startsWith("kfit: " + spec)).toList())
                .as(r.stderr()).singleElement().asString().contains(spec + ":7:").contains("unbind_dealy");
        assertThat(tmp.resolve("run")).doesNotExist();
    }

    @Test
    void anUnreachableHostIsNamedWithTheSshErrorBeforeAnythingIsBuilt() throws Exception {
        Path key = tmp.resolve("id_ed25519");
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
                .redirectErrorStream(true).start();
        assertThat(keygen.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Path inventory = tmp.resolve("hosts.ini");
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        Files.writeString(inventory, "[kfit_hosts]\nrunner-9 ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_private_key_file="
                + key + " kfit_known_hosts=" + tmp.resolve("known_hosts") + "\n");
        Files.writeString(tmp.resolve("known_hosts"), "");
        Kfit.Result r = Kfit.run(Duration.ofMinutes(5), "run", "examples/reproduce.yaml", "--hosts", inventory.toString(),
                "--out", tmp.resolve("run").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines().filter(l -> l.startsWith("kfit: ")).toList()).as(r.stderr())
                .anySatisfy(l -> assertThat(l).contains("runner-9").contains("127.0.0.1:1"));
        assertThat(tmp.resolve("run")).doesNotExist();
    }

    @Test
    void negativeDurationIsRejected() throws Exception {
        Path spec = tmp.resolve("neg.yaml");
        Files.writeString(spec, """
                kernels:
                  - label: a
                    source: debian:linux-source-6.12
                scenarios:
                  - name: pinned-unbind
                    hold: -3s
                """);
        Kfit.Result r = Kfit.run(Duration.ofMinutes(5), "run", spec.toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains(spec + ":6:").contains("-3s");
    }

    @Test
    void patchThatDoesNotApplyNamesPatchHunkAndBaseVersion() throws Exception {
        Path patch = tmp.resolve("0001-bogus.patch");
        Files.writeString(patch, """
                --- a/mm/gup.c
                +++ b/mm/gup.c
                @@ -10,3 +10,3 @@
                 this line is not in mm/gup.c
                -nor is this one
                +so the hunk cannot apply
                 and neither is this
                """);
        Path spec = tmp.resolve("bad-patch.yaml");
        Files.writeString(spec, """
                kernels:
                  - label: bogus
                    source: debian:linux-source-6.12
                    patches: [0001-bogus.patch]
                scenarios:
                  - name: pinned-unbind
                """);
        Kfit.Result r = Kfit.run(Duration.ofMinutes(20), "run", spec.toString(), "--out", tmp.resolve("run").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains(patch.toString()).contains("does not apply to debian:linux-source-6.12 6.12.")
                .contains("hunk #1 FAILED").contains("mm/gup.c");
        // Nothing half-built of this kernel is left in the cache. Its key comes from kfit's own words: other
        // classes build other kernels beside this one (on a fresh machine, the same 6.12 source), and their
        // scratch directories come and go meanwhile.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("kernel bogus: building from .*kernels/([0-9a-f]+)/build\\.log")
                .matcher(r.stderr());
        assertThat(m.find()).as(r.stderr()).isTrue();
        String key = m.group(1);
        assertThat(scratchDirs()).noneMatch(n -> n.startsWith(key + ".tmp-"));
    }

    private static java.util.Set<String> scratchDirs() throws java.io.IOException {
        Path kernels = Path.of(System.getProperty("user.home"), ".cache/kfit/kernels");
        if (!Files.isDirectory(kernels)) {
            return new java.util.HashSet<>();
        }
        try (Stream<Path> s = Files.list(kernels)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-"))
                    .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
        }
    }

    @Test
    void missingSpecFileIsBadInput() throws Exception {
        Kfit.Result r = Kfit.run(Duration.ofMinutes(5), "run", tmp.resolve("nope.yaml").toString());
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("nope.yaml").contains("no such file");
    }
}
