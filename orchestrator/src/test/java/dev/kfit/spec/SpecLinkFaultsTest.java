package dev.kfit.spec;

import dev.kfit.scenario.traffic.RdmaTraffic;
import static dev.kfit.spec.SpecRdmaTrafficTest.MINIMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** partition, netem and host-crash in an rdma-traffic scenario: shape, defaults and every refusal at its line. */
class SpecLinkFaultsTest {
    @TempDir
    Path dir;

    /** Fault keys start on line 7; a three-guest topology with links a-b and b-c follows when asked. */
    static final String FAULT = MINIMAL + "    faults:\n      - ";
    static final String TRIO = "topologies:\n  - name: trio\n    guests: [{name: a, cmb: 64M}, {name: b}, {name: c}]\n"
            + "    links: [[a, b], [b, c]]\n";
    static final String IN_TRIO = MINIMAL + "    topology: trio\n    server: a\n    client: b\n    faults:\n      - ";

    @Test
    void partitionOnANamedLink() {
        FaultSpec f = one(FAULT + "type: partition\n        link: [initiator, target]\n        at: 8s\n"
                + "        heal_after: 5s\n");
        assertThat(f).isEqualTo(new FaultSpec("partition", "initiator", new LinkSpec("initiator", "target"), null,
                Duration.ofSeconds(8), Duration.ofSeconds(5), 7));
        assertThat(f.kind()).isEqualTo(FaultType.PARTITION);
        // any link of the topology, not only the server's
        assertThat(one(IN_TRIO + "{type: partition, link: [c, b], at: 1s}\n" + TRIO).link()).isEqualTo(new LinkSpec("c", "b"));
    }

    @Test
    void netemWithEveryImpairment() {
        FaultSpec f = one(FAULT + "type: netem\n        link: [target, initiator]\n        delay: 50ms\n"
                + "        jitter: 10ms\n        loss: 5%\n        duplicate: 1%\n        reorder: 2.5%\n        at: 8s\n");
        assertThat(f.netem()).isEqualTo(new Netem(Duration.ofMillis(50), Duration.ofMillis(10), 5, 1, 2.5));
        assertThat(f.netem().command()).isEqualTo(
                "netem delay_us=50000 jitter_us=10000 loss_ppm=50000 dup_ppm=10000 reorder_ppm=25000");
        assertThat(f.netem().describe()).isEqualTo("delay 50ms jitter 10ms loss 5% duplicate 1% reorder 2.5%");
        assertThat(one(FAULT + "{type: netem, loss: 100%, at: 1s}\n").netem())
                .isEqualTo(new Netem(Duration.ZERO, Duration.ZERO, 100, 0, 0));
    }

    @Test
    void netemValuesOutOfRangeAreErrorsAtTheirLine() {
        String head = FAULT + "type: netem\n        at: 1s\n";
        assertError(head + "        delay: 61s\n", 9, "delay must be at most 60s, got 61s");
        assertError(head + "        delay: -5ms\n", 9, "negative duration '-5ms'");
        assertError(head + "        delay: 10ms\n        jitter: 20ms\n", 10, "jitter (20ms) must be at most the delay (10ms)");
        assertError(head + "        jitter: 1ms\n", 9, "jitter (1ms) must be at most the delay (0s)");
        assertError(head + "        loss: 101%\n", 9, "loss must be between 0% and 100%, got 101%");
        assertError(head + "        loss: -1%\n", 9, "loss must be between 0% and 100%, got -1%");
        assertError(head + "        duplicate: 0.05\n", 9, "malformed percentage '0.05' for duplicate (expected e.g. 5%, 0.5%)");
        assertError(head + "        loss: five%\n", 9, "malformed percentage 'five%'");
        assertError(head + "        reorder: 5%\n", 9, "reorder needs a delay: only delayed frames can be overtaken");
        assertError(head, 7, "fault 'netem' needs at least one impairment: delay, loss, duplicate or reorder");
        assertError(head + "        loss: 0%\n", 7, "fault 'netem' needs at least one impairment");
    }

    @Test
    void linkMustJoinTwoGuestsOfTheTopology() {
        assertError(FAULT + "{type: partition, at: 1s, link: [target, relay]}\n", 7,
                "link names guest 'relay' which topology 'pair' does not have (guests: target, initiator)");
        assertError(FAULT + "{type: partition, at: 1s, link: [target]}\n", 7,
                "link must name two guests, such as [target, initiator], got 1 entries");
        assertError(FAULT + "{type: partition, at: 1s, link: target}\n", 7, "'link' must be a list, got");
        assertError(IN_TRIO + "{type: partition, at: 1s, link: [a, c]}\n" + TRIO, 10,
                "guests 'a' and 'c' are not linked in topology 'trio' (links: [a, b], [b, c])");
        // without link:, the server's link to the client must exist
        assertError(MINIMAL + "    topology: trio\n    server: a\n    client: c\n    faults:\n      - {type: netem, loss: 1%, at: 1s}\n"
                + TRIO, 10, "fault 'netem' needs a link, but topology 'trio' has none between server 'a' and client 'c'");
    }

    @Test
    void linkAndGuestBelongToTheirOwnFaults() {
        assertError(FAULT + "type: partition\n        guest: target\n        at: 1s\n", 8,
                "fault 'partition' acts on a link: name it with link: [a, b], not guest");
        assertError(FAULT + "type: unbind\n        link: [target, initiator]\n        at: 1s\n", 8,
                "'link' is only for the link faults (partition, netem), not 'unbind'");
        assertError(FAULT + "type: partition\n        at: 1s\n        loss: 5%\n", 9,
                "'loss' is only for netem faults, not 'partition'");
    }

    @Test
    void hostCrash() {
        FaultSpec f = one(FAULT + "{type: host-crash, guest: initiator, at: 3s}\n");
        assertThat(f).isEqualTo(new FaultSpec("host-crash", "initiator", Duration.ofSeconds(3), Duration.ofSeconds(5), 7));
        assertThat(f.link()).isNull();
        assertThat(one(FAULT + "{type: host-crash, at: 3s}\n").guest()).isEqualTo("target");
        assertError(FAULT + "{type: host-crash, guest: relay, at: 3s}\n", 7, "fault names guest 'relay'");
        assertError(FAULT + "type: host-crash\n        at: 3s\n        heal_after: 1s\n", 9,
                "fault 'host-crash' has nothing to heal: remove heal_after");
    }

    @Test
    void netemValidatesItself() {
        assertThatThrownBy(() -> new Netem(Duration.ofSeconds(61), Duration.ZERO, 0, 0, 0))
                .hasMessage("delay must be between 0 and 60s, got 61s");
        assertThatThrownBy(() -> new Netem(Duration.ofMillis(-1), Duration.ZERO, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Netem(Duration.ofMillis(5), Duration.ofMillis(6), 0, 0, 0))
                .hasMessage("jitter must be between 0 and the delay (5ms), got 6ms");
        assertThatThrownBy(() -> new Netem(Duration.ZERO, Duration.ZERO, 100.5, 0, 0))
                .hasMessage("loss must be between 0% and 100%, got 100.5%");
        assertThatThrownBy(() -> new Netem(Duration.ZERO, Duration.ZERO, 0, Double.NaN, 0))
                .hasMessageStartingWith("duplicate must be between");
        assertThatThrownBy(() -> new Netem(Duration.ZERO, Duration.ZERO, 0, 0, 1))
                .hasMessageContaining("reorder needs a delay");
        assertThat(Netem.NONE.isNone()).isTrue();
        assertThat(Netem.NONE.describe()).isEqualTo("none");
        // microseconds and parts per million are what kfit-link takes
        assertThat(new Netem(Duration.ofNanos(1_500_999), Duration.ZERO, 0.00005, 0, 0).command())
                .isEqualTo("netem delay_us=1500 jitter_us=0 loss_ppm=1 dup_ppm=0 reorder_ppm=0");
    }

    private FaultSpec one(String yaml) {
        List<FaultSpec> faults = parse(yaml).faults();
        assertThat(faults).hasSize(1);
        return faults.get(0);
    }

    private RdmaTraffic parse(String yaml) {
        return (RdmaTraffic) SpecLoader.parse(yaml, dir.resolve("spec.yaml")).scenarios().get(0);
    }

    private void assertError(String yaml, int line, String message) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("spec.yaml:" + line + ": " + message);
    }
}
