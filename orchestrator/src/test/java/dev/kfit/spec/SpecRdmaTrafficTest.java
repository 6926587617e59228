package dev.kfit.spec;

import dev.kfit.scenario.traffic.RdmaTraffic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecRdmaTrafficTest {
    @TempDir
    Path dir;

    /** Lines 1-5; tests append scenario keys from line 6 on. */
    static final String MINIMAL = """
            kernels:
              - label: a
                source: debian:linux-source-6.12
            scenarios:
              - name: rdma-traffic
            """;

    /** A pair without the link, for link-down; append after the scenario. */
    static final String UNLINKED = """
            topologies:
              - name: unlinked
                guests: [{name: target, cmb: 64M}, {name: initiator}]
            """;

    static final String FAULTS_LINE_6 = "    faults:\n";

    @Test
    void defaults() {
        RdmaTraffic r = only(MINIMAL);
        assertThat(r).isEqualTo(new RdmaTraffic("rdma-traffic", "pair", "kfit-writer", Duration.ofSeconds(30),
                64 * 1024, 2 * 1024 * 1024, "target", "initiator", Duration.ofSeconds(5), Duration.ofSeconds(30),
                List.of()));
        assertThat(r.type()).isEqualTo("rdma-traffic");
        assertThat(only(MINIMAL + "    faults: []\n").faults()).isEmpty();
    }

    @Test
    void everySetting() {
        RdmaTraffic r = only("""
                kernels:
                  - label: a
                    source: debian:linux-source-6.12
                scenarios:
                  - name: reverse
                    type: rdma-traffic
                    topology: duo
                    workload: kfit-writer
                    duration: 2m
                    size: 4M
                    pin_size: 8M
                    server: b
                    client: a
                    hung_task_timeout: 10s
                    grace: 1m
                    faults:
                      - type: pci-remove
                        at: 0
                        heal_after: 0s
                      - type: link-down
                        guest: b
                        at: 1.5s
                topologies:
                  - name: duo
                    guests: [{name: a, cmb: 16M}, {name: b, cmb: 32M}]
                    links: [[a, b]]
                """);
        assertThat(r).isEqualTo(new RdmaTraffic("reverse", "duo", "kfit-writer", Duration.ofMinutes(2),
                4L << 20, 8L << 20, "b", "a", Duration.ofSeconds(10), Duration.ofMinutes(1), List.of(
                        new FaultSpec("pci-remove", "b", Duration.ZERO, Duration.ZERO, 17),
                        new FaultSpec("link-down", "b", Duration.ofMillis(1500), Duration.ofSeconds(5), 20))));
        assertThatThrownBy(() -> r.faults().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void everyWorkload() {
        assertThat(only(MINIMAL + "    workload: kfit-writer\n").workload()).isEqualTo("kfit-writer");
        assertThat(only(MINIMAL + "    workload: ib_write_bw\n").workload()).isEqualTo("ib_write_bw");
        assertThat(only(MINIMAL + "    workload: ib_read_bw\n").workload()).isEqualTo("ib_read_bw");
        assertError(MINIMAL + "    workload: ib_send_bw\n", 6,
                "unknown workload 'ib_send_bw' (known: kfit-writer, ib_write_bw, ib_read_bw)");
    }

    // ---- faults

    @Test
    void faultGuestDefaultsToServerOrClientByType() {
        StringBuilder yaml = new StringBuilder(MINIMAL + FAULTS_LINE_6);
        List<FaultType> guestFaults = Arrays.stream(FaultType.values()).filter(t -> t != FaultType.NETEM).toList();
        for (FaultType t : guestFaults) {
            yaml.append("      - type: ").append(t.yamlName()).append("\n        at: 1s\n");
        }
        List<FaultSpec> faults = only(yaml.toString()).faults();
        assertThat(faults).extracting(FaultSpec::type).containsExactly(
                "unbind", "pci-remove", "hot-unplug", "kill-pin-holder", "link-down", "rdma-link-delete", "partition",
                "host-crash");
        // a link fault without link: is on the server's link to the client, reported against its first guest
        assertThat(faults).extracting(FaultSpec::guest).containsExactly(
                "target", "target", "target", "target", "initiator", "initiator", "target", "target");
        assertThat(faults).extracting(FaultSpec::line).containsExactly(7, 9, 11, 13, 15, 17, 19, 21);
        assertThat(faults).extracting(FaultSpec::healAfter).containsOnly(Duration.ofSeconds(5));
        assertThat(faults).extracting(FaultSpec::at).containsOnly(Duration.ofSeconds(1));
        assertThat(faults).extracting(FaultSpec::kind).containsExactlyElementsOf(guestFaults);
        assertThat(faults.get(6).link()).isEqualTo(new LinkSpec("target", "initiator"));
    }

    @Test
    void faultDefaultsFollowServerAndClient() {
        List<FaultSpec> faults = only(MINIMAL + "    topology: duo\n    server: b\n    client: a\n"
                + "    faults:\n      - {type: unbind, at: 1s}\n      - {type: rdma-link-delete, at: 1s}\n"
                + "topologies:\n  - name: duo\n    guests: [{name: a}, {name: b, cmb: 64M}]\n").faults();
        assertThat(faults).extracting(FaultSpec::guest).containsExactly("b", "a");
    }

    @Test
    void faultTypesAreOneList() {
        assertThat(Arrays.stream(FaultType.values()).filter(FaultType::needsNvme))
                .containsExactly(FaultType.UNBIND, FaultType.PCI_REMOVE, FaultType.HOT_UNPLUG);
        assertThat(Arrays.stream(FaultType.values()).filter(FaultType::needsLink)).containsExactly(FaultType.LINK_DOWN);
        for (FaultType t : FaultType.values()) {
            assertThat(FaultType.byName(t.yamlName())).isSameAs(t);
        }
        assertThat(FaultType.byName("UNBIND")).isNull();
    }

    @Test
    void faultTypeRequiredAndKnown() {
        assertError(MINIMAL + FAULTS_LINE_6 + "      - at: 1s\n", 7, "fault is missing required key 'type'");
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: reboot\n        at: 1s\n", 7,
                "unknown fault type 'reboot' (known: unbind, pci-remove, hot-unplug, kill-pin-holder, link-down,"
                        + " rdma-link-delete, partition, netem, host-crash)");
    }

    @Test
    void faultAtRequiredAndWithinTheWorkload() {
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: unbind\n", 7, "fault is missing required key 'at'");
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: unbind\n        at: 30s\n", 8,
                "fault at (30s) must be less than duration (30s)");
        assertError(MINIMAL + "    duration: 5s\n" + "    faults:\n      - type: unbind\n        at: 1m\n", 9,
                "fault at (60s) must be less than duration (5s)");
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: unbind\n        at: -1s\n", 8, "negative duration '-1s'");
        assertThat(only(MINIMAL + FAULTS_LINE_6 + "      - type: unbind\n        at: 29.999s\n").faults()).hasSize(1);
    }

    @Test
    void faultHealAfter() {
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: unbind\n        at: 1s\n        heal_after: -5s\n", 9,
                "negative duration '-5s'");
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: unbind\n        at: 1s\n        heal_after: soon\n", 9,
                "malformed duration 'soon'");
    }

    @Test
    void faultGuestMustBeInTheTopology() {
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: kill-pin-holder\n        guest: relay\n        at: 1s\n",
                8, "fault names guest 'relay' which topology 'pair' does not have (guests: target, initiator)");
    }

    @Test
    void nvmeFaultsNeedACmb() {
        for (String type : List.of("unbind", "pci-remove", "hot-unplug")) {
            assertError(MINIMAL + FAULTS_LINE_6 + "      - type: " + type + "\n        guest: initiator\n"
                            + "        at: 1s\n", 8, "fault '" + type + "' needs an NVMe device, but guest 'initiator'"
                            + " has cmb 0 in topology 'pair'");
        }
        // the others may hit a guest without NVMe
        assertThat(only(MINIMAL + FAULTS_LINE_6 + "      - {type: kill-pin-holder, guest: initiator, at: 1s}\n")
                .faults()).hasSize(1);
    }

    @Test
    void linkDownNeedsALink() {
        // defaulted guest: blamed on the type
        assertError(MINIMAL + "    topology: unlinked\n    faults:\n      - type: link-down\n        at: 1s\n"
                + UNLINKED, 8, "fault 'link-down' needs a link, but guest 'initiator' has none in topology 'unlinked'");
        assertError(MINIMAL + "    topology: unlinked\n    faults:\n      - type: link-down\n        guest: target\n"
                + "        at: 1s\n" + UNLINKED, 9, "fault 'link-down' needs a link, but guest 'target' has none");
        // rdma-link-delete removes the rxe device, not a network link
        assertThat(only(MINIMAL + "    topology: unlinked\n    faults: [{type: rdma-link-delete, at: 1s}]\n"
                + UNLINKED).faults()).extracting(FaultSpec::guest).containsExactly("initiator");
    }

    @Test
    void faultShapeAndKeys() {
        assertError(MINIMAL + FAULTS_LINE_6 + "      - unbind\n", 7, "fault must be a mapping, got a string");
        assertError(MINIMAL + FAULTS_LINE_6 + "      - type: unbind\n        at: 1s\n        when: 2s\n", 9,
                "unknown key 'when' in fault (allowed: type, guest, link, at, heal_after, delay, jitter, loss,"
                        + " duplicate, reorder)");
        assertError(MINIMAL + "    faults: unbind\n", 6, "'faults' must be a list, got a string");
    }

    // ---- scenario parameters

    @Test
    void unknownKeyListsTheAllowedOnes() {
        assertError(MINIMAL + "    hold: 5s\n", 6, "unknown key 'hold' in scenario (allowed: name, type,"
                + " repetitions, topology, workload, duration, size, pin_size, server, client, hung_task_timeout, grace, faults)");
    }

    @Test
    void durationAndGraceArePositive() {
        assertError(MINIMAL + "    duration: 0s\n", 6, "duration must be greater than 0");
        assertError(MINIMAL + "    grace: 0\n", 6, "grace must be greater than 0");
    }

    @Test
    void sizeIsPositiveAndFitsThePin() {
        assertError(MINIMAL + "    size: 0\n", 6, "size must be greater than 0");
        assertError(MINIMAL + "    size: 4M\n", 6, "size (4M) must be at most pin_size (2M)");
        // with the default size the culprit is pin_size
        assertError(MINIMAL + "    pin_size: 32K\n", 6, "size (64K) must be at most pin_size (32K)");
        assertError(MINIMAL + "    size: 5000\n    pin_size: 4096\n", 6, "size (5000) must be at most pin_size (4K)");
        assertThat(only(MINIMAL + "    size: 2M\n").sizeBytes()).isEqualTo(2 << 20);
        assertThat(only(MINIMAL + "    size: 100\n").sizeBytes()).isEqualTo(100);
    }

    @Test
    void pinSizeIsAMultipleOfThePage() {
        assertError(MINIMAL + "    pin_size: 3000\n", 6, "pin_size must be a positive multiple of 4096, got '3000'");
        assertError(MINIMAL + "    pin_size: 0\n", 6, "pin_size must be a positive multiple of 4096, got '0'");
    }

    @Test
    void hungTaskTimeoutIsWholeSeconds() {
        assertError(MINIMAL + "    hung_task_timeout: 500ms\n", 6, "hung_task_timeout must be at least 1s, got 500ms");
        assertError(MINIMAL + "    hung_task_timeout: 1.5s\n", 6, "hung_task_timeout must be whole seconds");
    }

    @Test
    void serverMustHoldP2pMemory() {
        assertError(MINIMAL + "    server: relay\n", 6,
                "server 'relay' is not a guest of topology 'pair' (guests: target, initiator)");
        assertError(MINIMAL + "    server: initiator\n    client: target\n", 6,
                "server 'initiator' has no NVMe device (cmb 0 in topology 'pair'), but the server holds the P2P memory");
        // defaulted server: blamed on the topology
        assertError(MINIMAL + "    topology: duo\n"
                        + "topologies:\n  - name: duo\n    guests: [{name: a, cmb: 64M}, {name: initiator}]\n", 6,
                "server 'target' is not a guest of topology 'duo' (guests: a, initiator)");
    }

    @Test
    void clientMustExistAndDifferFromServer() {
        assertError(MINIMAL + "    client: relay\n", 6,
                "client 'relay' is not a guest of topology 'pair' (guests: target, initiator)");
        assertError(MINIMAL + "    topology: single\n", 6,
                "client 'initiator' is not a guest of topology 'single' (guests: target)");
        assertError(MINIMAL + "    client: target\n", 6,
                "client and server are both 'target': RDMA traffic needs two guests");
        assertError(MINIMAL + "    server: target\n    client: target\n", 7, "client and server are both 'target'");
    }

    private RdmaTraffic only(String yaml) {
        List<ScenarioSpec> scenarios = SpecLoader.parse(yaml, dir.resolve("spec.yaml")).scenarios();
        assertThat(scenarios).hasSize(1);
        return (RdmaTraffic) scenarios.get(0);
    }

    /** The error must be one line, {@code FILE:LINE: problem}, with {@code problem} starting as given. */
    private void assertError(String yaml, int line, String problem) {
        assertThatThrownBy(() -> SpecLoader.parse(yaml, dir.resolve("spec.yaml")))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(dir.resolve("spec.yaml") + ":" + line + ": " + problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
