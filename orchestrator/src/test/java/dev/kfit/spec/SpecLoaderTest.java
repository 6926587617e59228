package dev.kfit.spec;

import dev.kfit.scenario.pinned.PinnedUnbind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecLoaderTest {
    @TempDir
    Path dir;
    Path file;

    /** Lines 1-5; error tests append to it or replace a line, so the line numbers stay easy to see. */
    static final String MINIMAL = """
            kernels:
              - label: a
                source: debian:linux-source-6.12
            scenarios:
              - name: pinned-unbind
            """;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("spec.yaml");
        Files.createDirectories(dir.resolve("patches/series"));
        Files.writeString(dir.resolve("patches/series/0002-second.patch"), "");
        Files.writeString(dir.resolve("patches/series/0001-first.patch"), "");
        Files.writeString(dir.resolve("patches/series/0003-third.diff"), "");
        Files.writeString(dir.resolve("patches/series/README"), "");
        Files.createDirectories(dir.resolve("patches/series/0000-subdir.patch"));
        Files.writeString(dir.resolve("patches/single.patch"), "");
        Files.createDirectories(dir.resolve("patches/none"));
        Files.writeString(dir.resolve("patches/none/notes.txt"), "");
        Files.writeString(dir.resolve("debug.config"), "CONFIG_DEBUG_INFO=y\n");
        Files.createDirectories(dir.resolve("linux"));
        Files.writeString(dir.resolve("linux/Makefile"), "");
    }

    @Test
    void loadsTheReproduceExample() throws IOException {
        // The example refers to ../guest-images/patches/... from examples/: recreate that layout.
        Path examples = Files.createDirectories(dir.resolve("examples"));
        Path rdma = Files.createDirectories(dir.resolve("guest-images/patches/p2pdma-userspace-rdma-v5/linux-6.12"));
        Path rxe = Files.createDirectories(dir.resolve("guest-images/patches/testbed-rxe-p2pdma/linux-6.12"));
        Files.writeString(rdma.resolve("0002-b.patch"), "");
        Files.writeString(rdma.resolve("0001-a.patch"), "");
        Files.writeString(rxe.resolve("0001-rxe.patch"), "");
        Path spec = examples.resolve("reproduce.yaml");
        try (InputStream in = getClass().getResourceAsStream("/spec/reproduce.yaml")) {
            Files.write(spec, in.readAllBytes());
        }

        Spec s = SpecLoader.load(spec);

        assertThat(s.file()).isEqualTo(spec.toAbsolutePath().normalize());
        assertThat(s.kernels()).extracting(KernelSpec::label).containsExactly("6.12", "6.12-series");
        KernelSpec plain = s.kernels().get(0);
        assertThat(plain.source()).isEqualTo(new KernelSource.DebianPackage("linux-source-6.12", null));
        assertThat(plain.patches()).isEmpty();
        assertThat(plain.fragments()).isEmpty();
        KernelSpec series = s.kernels().get(1);
        assertThat(series.patches()).containsExactly(rdma, rxe);
        assertThat(series.patchFiles()).containsExactly(
                rdma.resolve("0001-a.patch"), rdma.resolve("0002-b.patch"), rxe.resolve("0001-rxe.patch"));
        assertThat(s.scenarios()).containsExactly(new PinnedUnbind("pinned-unbind", Duration.ofSeconds(20),
                Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(30), 2 * 1024 * 1024));
        assertThat(s.repetitions()).isEqualTo(1);
        assertThat(s.guest()).isEqualTo(new GuestSpec(2, 1024, 64));
    }

    @Test
    void appliesDefaults() {
        Spec s = parse(MINIMAL);
        assertThat(s.repetitions()).isEqualTo(1);
        assertThat(s.guest()).isEqualTo(GuestSpec.DEFAULT);
        assertThat(s.scenarios()).containsExactly(new PinnedUnbind("pinned-unbind", Duration.ofSeconds(20),
                Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(30), 2 * 1024 * 1024));
    }

    @Test
    void loadsEverySetting() {
        Spec s = parse("""
                kernels:
                  - label: tree
                    source: dir:linux
                    patches: [patches/series, ./patches/single.patch]
                    fragments:
                      - debug.config
                  - label: 6.10
                    source: debian:linux-source-6.1=6.1.119-1
                scenarios:
                  - name: long-hold
                    type: pinned-unbind
                    hold: 1m
                    unbind_delay: 500ms
                    hung_task_timeout: 10
                    grace: 1.5s
                    pin_size: 4K
                  - name: pinned-unbind
                    pin_size: 1G
                repetitions: 3
                guest:
                  cpus: 4
                  memory: 2G
                  cmb: 128M
                """);
        KernelSpec tree = s.kernels().get(0);
        assertThat(tree.source()).isEqualTo(new KernelSource.LocalTree(dir.resolve("linux")));
        assertThat(tree.patches()).containsExactly(dir.resolve("patches/series"), dir.resolve("patches/single.patch"));
        // sorted by name; README and the directory named like a patch are not patches
        assertThat(tree.patchFiles()).containsExactly(
                dir.resolve("patches/series/0001-first.patch"),
                dir.resolve("patches/series/0002-second.patch"),
                dir.resolve("patches/series/0003-third.diff"),
                dir.resolve("patches/single.patch"));
        assertThat(tree.fragments()).containsExactly(dir.resolve("debug.config"));
        // an unquoted 6.10 is a YAML float, but the label keeps its text
        assertThat(s.kernels().get(1).label()).isEqualTo("6.10");
        assertThat(s.kernels().get(1).source())
                .isEqualTo(new KernelSource.DebianPackage("linux-source-6.1", "6.1.119-1"));
        assertThat(s.scenarios()).containsExactly(
                new PinnedUnbind("long-hold", Duration.ofMinutes(1), Duration.ofMillis(500), Duration.ofSeconds(10),
                        Duration.ofMillis(1500), 4096),
                new PinnedUnbind("pinned-unbind", Duration.ofSeconds(20), Duration.ofSeconds(3),
                        Duration.ofSeconds(5), Duration.ofSeconds(30), 1L << 30));
        assertThat(s.scenarios()).extracting(ScenarioSpec::type).containsOnly("pinned-unbind");
        assertThat(s.repetitions()).isEqualTo(3);
        assertThat(s.guest()).isEqualTo(new GuestSpec(4, 2048, 128));
    }

    @Test
    void duplicateKernelLabelsAreCaughtEvenWhenOneIsQuoted() {
        // "6.10" and 6.10 are the same label once read as text
        assertError("""
                kernels:
                  - label: "6.10"
                    source: debian:linux-source-6.12
                  - label: 6.10
                    source: debian:linux-source-6.12
                scenarios:
                  - name: pinned-unbind
                """, 4, "duplicate kernel label '6.10' (first at line 2)");
    }

    @Test
    void listsAreImmutable() {
        Spec s = parse(MINIMAL);
        assertThatThrownBy(() -> s.kernels().add(s.kernels().get(0))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.scenarios().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    // ---- unknown keys: a typo must not silently fall back to a default

    @Test
    void unknownTopLevelKey() {
        assertError(MINIMAL + "repetition: 2\n", 6,
                "unknown key 'repetition' in the spec (allowed: kernels, scenarios, cells, repetitions, guest,"
                        + " topologies)");
    }

    @Test
    void unknownKernelKey() {
        assertError(MINIMAL.replace("  - label: a\n", "  - label: a\n    patch: x.patch\n"), 3,
                "unknown key 'patch' in kernel (allowed: label, source, patches, fragments)");
    }

    @Test
    void unknownScenarioKey() {
        assertError(MINIMAL + "    holds: 5s\n", 6, "unknown key 'holds' in scenario (allowed: name, type,"
                + " repetitions, hold, unbind_delay, hung_task_timeout, grace, pin_size, topology)");
    }

    @Test
    void unknownGuestKey() {
        assertError(MINIMAL + "guest:\n  cpus: 2\n  cpu: 2\n", 8,
                "unknown key 'cpu' in 'guest' (allowed: cpus, memory, cmb)");
    }

    // ---- duplicate keys

    @Test
    void duplicateKeyInScenario() {
        assertError(MINIMAL + "    hold: 5s\n    hold: 6s\n", 7, "duplicate key 'hold' (first at line 6)");
    }

    @Test
    void duplicateTopLevelKey() {
        assertError(MINIMAL + "repetitions: 1\nrepetitions: 2\n", 7, "duplicate key 'repetitions' (first at line 6)");
    }

    // ---- wrong types

    @Test
    void stringWhereAListIsExpected() {
        assertError("kernels: 6.12\nscenarios: []\n", 1, "'kernels' must be a list, got a number");
    }

    @Test
    void stringWherePatchListIsExpected() {
        assertError(MINIMAL.replace("  - label: a\n", "  - label: a\n    patches: patches/single.patch\n"), 3,
                "'patches' must be a list, got a string");
    }

    @Test
    void kernelThatIsNotAMapping() {
        assertError("kernels:\n  - 6.12\nscenarios: [pinned-unbind]\n", 2, "kernel must be a mapping, got a number");
    }

    @Test
    void listWhereAValueIsExpected() {
        assertError(MINIMAL + "    hold: [1s, 2s]\n", 6, "'hold' must be a single value, got a list");
    }

    @Test
    void emptyValue() {
        assertError(MINIMAL + "    hold:\n", 6, "'hold' must be a single value, got nothing");
    }

    @Test
    void mappingAsPatchEntry() {
        assertError(MINIMAL.replace("  - label: a\n", "  - label: a\n    patches:\n      - file: x\n"), 4,
                "each entry of 'patches' must be a single value, got a mapping");
    }

    @Test
    void guestThatIsNotAMapping() {
        assertError(MINIMAL + "guest: big\n", 6, "'guest' must be a mapping with keys cpus, memory, cmb, got a string");
    }

    @Test
    void topLevelThatIsNotAMapping() {
        assertError("- kernels\n", 1, "the spec must be a mapping, got a list");
    }

    // ---- missing required keys: reported at the line where the mapping starts

    @Test
    void missingKernels() {
        assertError("# a comment\nscenarios:\n  - name: pinned-unbind\n", 2,
                "the spec is missing required key 'kernels'");
    }

    @Test
    void missingScenarios() {
        assertError(MINIMAL.substring(0, MINIMAL.indexOf("scenarios:")), 1,
                "the spec is missing required key 'scenarios'");
    }

    @Test
    void missingKernelSource() {
        assertError("""
                kernels:
                  - label: a
                    source: debian:linux-source-6.12
                  - label: b
                    patches: []
                scenarios:
                  - name: pinned-unbind
                """, 4, "kernel is missing required key 'source'");
    }

    @Test
    void missingKernelLabel() {
        assertError(MINIMAL.replace("  - label: a\n    source:", "  - source:"), 2,
                "kernel is missing required key 'label'");
    }

    @Test
    void missingScenarioName() {
        assertError(MINIMAL.replace("- name: pinned-unbind", "- hold: 5s"), 5,
                "scenario is missing required key 'name'");
    }

    // ---- names

    @Test
    void duplicateScenarioNames() {
        assertError(MINIMAL + "  - name: pinned-unbind\n    hold: 5s\n", 6,
                "duplicate scenario name 'pinned-unbind' (first at line 5)");
    }

    @Test
    void duplicateScenarioNamesAcrossTypes() {
        assertError(MINIMAL + "  - type: pinned-unbind\n    name: pinned-unbind\n", 7,
                "duplicate scenario name 'pinned-unbind' (first at line 5)");
    }

    @Test
    void invalidKernelLabel() {
        assertError(MINIMAL.replace("label: a", "label: 'a b'"), 2,
                "invalid kernel label 'a b' (must match [A-Za-z0-9][A-Za-z0-9._+-]{0,63})");
        assertError(MINIMAL.replace("label: a", "label: .hidden"), 2, "invalid kernel label '.hidden'");
        assertError(MINIMAL.replace("label: a", "label: " + "x".repeat(65)), 2, "invalid kernel label 'xxx");
        assertThat(parse(MINIMAL.replace("label: a", "label: " + "x".repeat(64))).kernels()).hasSize(1);
    }

    @Test
    void invalidScenarioName() {
        assertError(MINIMAL + "  - name: long/hold\n    type: pinned-unbind\n", 6,
                "invalid scenario name 'long/hold' (must match");
    }

    @Test
    void unknownScenarioType() {
        assertError(MINIMAL.replace("- name: pinned-unbind", "- name: long-hold"), 5,
                "unknown scenario type 'long-hold' (known: pinned-unbind, rdma-traffic, odp-unbind, vfio-unbind, dmabuf-unbind); to name a scenario freely,"
                        + " give its type with 'type:'");
        assertError(MINIMAL + "  - name: x\n    type: rdma\n", 7, "unknown scenario type 'rdma' (known: pinned-unbind, rdma-traffic, odp-unbind, vfio-unbind, dmabuf-unbind)");
    }

    // ---- empty lists

    @Test
    void emptyKernels() {
        assertError("kernels: []\nscenarios:\n  - name: pinned-unbind\n", 1, "'kernels' is empty: list at least one kernel");
    }

    @Test
    void emptyScenarios() {
        assertError(MINIMAL.replace("scenarios:\n  - name: pinned-unbind\n", "scenarios: []\n"), 4,
                "'scenarios' is empty: list at least one scenario");
    }

    // ---- files the spec refers to

    @Test
    void missingPatch() {
        assertError(MINIMAL.replace("  - label: a\n", "  - label: a\n    patches:\n      - patches/single.patch\n"
                + "      - patches/../nope.patch\n"), 5, "patch not found: " + dir.resolve("nope.patch"));
    }

    @Test
    void patchDirectoryWithoutPatches() {
        assertError(MINIMAL.replace("  - label: a\n", "  - label: a\n    patches: [patches/none]\n"), 3,
                "no *.patch or *.diff files in patch directory " + dir.resolve("patches/none"));
    }

    @Test
    void missingFragment() {
        assertError(MINIMAL.replace("  - label: a\n", "  - label: a\n    fragments:\n      - nope.config\n"), 4,
                "config fragment not found: " + dir.resolve("nope.config"));
    }

    @Test
    void fragmentThatIsADirectory() {
        assertError(MINIMAL.replace("  - label: a\n", "  - label: a\n    fragments: [patches]\n"), 3,
                "config fragment is a directory, expected a file: " + dir.resolve("patches"));
    }

    @Test
    void badKernelSource() {
        assertError(MINIMAL.replace("debian:linux-source-6.12", "linux-6.12"), 3,
                "unknown kernel source 'linux-6.12' (expected debian:linux-source-X.Y, dir:PATH, tar:PATH or git:PATH[@REF])");
        assertError(MINIMAL.replace("debian:linux-source-6.12", "tar:linux.tar.xz"), 3,
                "kernel tarball not found: " + dir.resolve("linux.tar.xz"));
    }

    // ---- scenario parameters

    @Test
    void negativeDuration() {
        assertError(MINIMAL + "    unbind_delay: -3s\n", 6, "negative duration '-3s'");
    }

    @Test
    void malformedDuration() {
        assertError(MINIMAL + "    grace: abc\n", 6, "malformed duration 'abc' (expected e.g. 20s, 500ms, 2m)");
    }

    @Test
    void zeroHold() {
        assertError(MINIMAL + "    hold: 0s\n", 6, "hold must be greater than 0");
    }

    @Test
    void unbindMustStartWhileThePinIsHeld() {
        assertError(MINIMAL + "    hold: 5s\n    unbind_delay: 5s\n", 7, "unbind_delay (5s) must be less than hold (5s)");
        // with the default unbind_delay (3s) the culprit is hold
        assertError(MINIMAL + "    hold: 2s\n", 6, "unbind_delay (3s) must be less than hold (2s)");
        assertThat(parse(MINIMAL + "    unbind_delay: 0s\n").scenarios()).hasSize(1);
    }

    @Test
    void hungTaskTimeoutIsWholeSecondsOfAtLeastOne() {
        assertError(MINIMAL + "    hung_task_timeout: 500ms\n", 6, "hung_task_timeout must be at least 1s, got 500ms");
        assertError(MINIMAL + "    hung_task_timeout: 1.5s\n", 6,
                "hung_task_timeout must be whole seconds (the kernel's hung_task_timeout_secs), got 1.5s");
        assertThat(parse(MINIMAL + "    hung_task_timeout: 2m\n").scenarios().get(0))
                .extracting(sc -> ((PinnedUnbind) sc).hungTaskTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void zeroGrace() {
        assertError(MINIMAL + "    grace: 0\n", 6, "grace must be greater than 0");
    }

    @Test
    void pinSizeIsAPositiveMultipleOfThePageSize() {
        assertError(MINIMAL + "    pin_size: 3000\n", 6, "pin_size must be a positive multiple of 4096, got '3000'");
        assertError(MINIMAL + "    pin_size: 0\n", 6, "pin_size must be a positive multiple of 4096, got '0'");
        assertError(MINIMAL + "    pin_size: 2MB\n", 6, "malformed size '2MB' (expected e.g. 4096, 2M, 1G)");
    }

    // ---- top-level values

    @Test
    void repetitionsRange() {
        assertError(MINIMAL + "repetitions: 0\n", 6, "repetitions must be between 1 and 1000, got 0");
        assertError(MINIMAL + "repetitions: 1001\n", 6, "repetitions must be between 1 and 1000, got 1001");
        assertError(MINIMAL + "repetitions: many\n", 6, "repetitions must be a whole number, got 'many'");
        assertThat(parse(MINIMAL + "repetitions: 1000\n").repetitions()).isEqualTo(1000);
    }

    @Test
    void guestValues() {
        assertError(MINIMAL + "guest:\n  memory: 1024\n", 7, "memory '1024' needs a unit (e.g. 512M, 1G)");
        assertError(MINIMAL + "guest:\n  cpus: 0\n", 7, "cpus must be between 1 and 256, got 0");
        assertThat(parse(MINIMAL + "guest:\n  cmb: 256M\n").guest()).isEqualTo(new GuestSpec(2, 1024, 256));
    }

    // ---- YAML itself

    @Test
    void malformedYamlIsOneLine() {
        assertError(MINIMAL + "repetitions: [1\nguest: {}\n", 7,
                "YAML syntax error: expected ',' or ']', but got : (while parsing a flow sequence at line 6)");
        assertError(MINIMAL + " repetitions: 1\n", 6, "YAML syntax error: ");
        assertError(MINIMAL.replace("  - label: a", "\t- label: a"), 2, "YAML syntax error: found character '\\t(TAB)'");
    }

    @Test
    void aliasesAreRefused() {
        // Jackson would hand over the anchor's name as the value
        assertError(MINIMAL + "    hold: &h 5s\n    grace: *h\n", 7, "YAML aliases are not supported (*h)");
    }

    @Test
    void onlyOneDocument() {
        assertError(MINIMAL + "---\nrepetitions: 2\n", 7, "only one YAML document allowed");
    }

    @Test
    void emptySpec() {
        assertThatThrownBy(() -> parse("# nothing here\n"))
                .isInstanceOf(BadInputException.class)
                .hasMessage(file + ": spec is empty (expected keys kernels, scenarios, cells, repetitions, guest,"
                        + " topologies)");
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> SpecLoader.load(missing))
                .isInstanceOf(BadInputException.class)
                .hasMessage(missing + ": no such file");
    }

    @Test
    void loadReadsTheFile() throws IOException {
        Files.writeString(file, MINIMAL, StandardCharsets.UTF_8);
        assertThat(SpecLoader.load(file).kernels()).extracting(KernelSpec::label).containsExactly("a");
        Files.writeString(file, MINIMAL + "repetitions: 0\n");
        assertThatThrownBy(() -> SpecLoader.load(file)).hasMessageStartingWith(file + ":6: ");
    }

    private Spec parse(String yaml) {
        return SpecLoader.parse(yaml, file);
    }

    /** The error must be one line, {@code FILE:LINE: problem}, with {@code problem} starting as given. */
    private void assertError(String yaml, int line, String problem) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(file + ":" + line + ": " + problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

}
