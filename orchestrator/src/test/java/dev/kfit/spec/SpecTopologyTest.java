package dev.kfit.spec;

import dev.kfit.scenario.pinned.PinnedUnbind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecTopologyTest {
    @TempDir
    Path dir;

    /** Lines 1-5; tests append from line 6 on. */
    static final String MINIMAL = """
            kernels:
              - label: a
                source: debian:linux-source-6.12
            scenarios:
              - name: pinned-unbind
            """;

    /** Lines 6-17: three guests, two links, so a chain target - relay - initiator. */
    static final String CHAIN = """
            topologies:
              - name: chain
                guests:
                  - name: target
                    cmb: 128M
                  - name: initiator
                  - name: relay
                    cmb: 0
                links:
                  - [target, relay]
                  - - relay
                    - initiator
            """;

    // ---- built-ins

    @Test
    void builtInsExistAndFollowGuestCmb() {
        Spec s = parse(MINIMAL);
        assertThat(s.topologies()).extracting(TopologySpec::name).containsExactly("single", "pair");
        assertThat(s.topology("single")).isEqualTo(new TopologySpec("single",
                List.of(new GuestRole("target", 64)), List.of()));
        assertThat(s.topology("pair")).isEqualTo(new TopologySpec("pair",
                List.of(new GuestRole("target", 64), new GuestRole("initiator", 0)),
                List.of(new LinkSpec("target", "initiator"))));
        assertThat(s.topology("nope")).isNull();

        Spec bigger = parse(MINIMAL + "guest:\n  cmb: 256M\n");
        assertThat(bigger.topology("single").find("target").cmbMb()).isEqualTo(256);
        assertThat(bigger.topology("pair").find("target").cmbMb()).isEqualTo(256);
        assertThat(bigger.topology("pair").find("initiator").hasNvme()).isFalse();
    }

    @Test
    void scenariosResolveToTheirTopology() {
        Spec s = parse(MINIMAL + "  - name: rdma-traffic\n");
        assertThat(s.scenarios()).extracting(ScenarioSpec::topology).containsExactly("single", "pair");
        assertThat(s.topologyOf(s.scenarios().get(0))).isSameAs(s.topology("single"));
        assertThat(s.topologyOf(s.scenarios().get(1))).isSameAs(s.topology("pair"));
    }

    @Test
    void findAndHasGuest() {
        TopologySpec pair = TopologySpec.builtIns(GuestSpec.DEFAULT).get(1);
        assertThat(pair.find("initiator")).isEqualTo(new GuestRole("initiator", 0));
        assertThat(pair.find("relay")).isNull();
        assertThat(pair.hasGuest("target")).isTrue();
        assertThat(pair.hasGuest("Target")).isFalse();
        assertThat(pair.linksOf("initiator")).containsExactly(new LinkSpec("target", "initiator"));
    }

    @Test
    void fiveArgumentSpecConstructorSuppliesTheBuiltIns() {
        GuestSpec guest = new GuestSpec(2, 1024, 32);
        Spec s = new Spec(dir.resolve("x.yaml"), List.of(), List.of(), 1, guest);
        assertThat(s.topologies()).isEqualTo(TopologySpec.builtIns(guest));
        assertThat(s.topology("pair").find("target").cmbMb()).isEqualTo(32);
    }

    // ---- custom topologies

    @Test
    void customTopologyWithThreeGuestsAndTwoLinks() {
        Spec s = parse(MINIMAL + CHAIN);
        assertThat(s.topologies()).extracting(TopologySpec::name).containsExactly("single", "pair", "chain");
        TopologySpec chain = s.topology("chain");
        assertThat(chain).isEqualTo(new TopologySpec("chain",
                List.of(new GuestRole("target", 128), new GuestRole("initiator", 0), new GuestRole("relay", 0)),
                List.of(new LinkSpec("target", "relay"), new LinkSpec("relay", "initiator"))));
        assertThat(chain.linksOf("relay")).hasSize(2);
        assertThat(chain.linksOf("target")).containsExactly(new LinkSpec("target", "relay"));
        // the built-ins still follow guest.cmb, not a custom topology's target
        assertThat(s.topology("single").find("target").cmbMb()).isEqualTo(64);
    }

    @Test
    void topologyListsAreImmutable() {
        Spec s = parse(MINIMAL + CHAIN);
        TopologySpec chain = s.topology("chain");
        assertThatThrownBy(() -> s.topologies().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> chain.guests().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> chain.links().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void linksAndTopologiesAreOptionalAndMayBeEmpty() {
        Spec s = parse(MINIMAL + "topologies:\n  - name: alone\n    guests: [{name: target, cmb: 4G}]\n");
        assertThat(s.topology("alone")).isEqualTo(new TopologySpec("alone",
                List.of(new GuestRole("target", 4096)), List.of()));
        assertThat(parse(MINIMAL + "topologies: []\n").topologies()).hasSize(2);
        assertThat(parse(MINIMAL + "topologies:\n  - name: t\n    guests: [{name: g}]\n    links: []\n")
                .topology("t").links()).isEmpty();
    }

    @Test
    void guestCmb() {
        assertThat(cmbOf("0")).isZero();
        assertThat(cmbOf("0M")).isZero();
        assertThat(cmbOf("64M")).isEqualTo(64);
        assertThat(cmbOf("4G")).isEqualTo(4096);
        assertError(MINIMAL + oneGuest("{name: g, cmb: 8G}"), 9, "cmb must be at most 4096M, got '8G'");
        assertError(MINIMAL + oneGuest("{name: g, cmb: 4097M}"), 9, "cmb must be at most 4096M, got '4097M'");
        assertError(MINIMAL + oneGuest("{name: g, cmb: 64}"), 9, "cmb '64' needs a unit (e.g. 512M, 1G)");
        assertError(MINIMAL + oneGuest("{name: g, cmb: 1536K}"), 9, "cmb must be a positive whole number of MiB, got '1536K'");
        assertError(MINIMAL + oneGuest("{name: g, cmb: -1M}"), 9, "malformed size '-1M'");
    }

    @Test
    void guestNames() {
        assertThat(parse(MINIMAL + oneGuest("{name: " + "a".repeat(31) + "}")).topology("t").guests()).hasSize(1);
        assertThat(parse(MINIMAL + oneGuest("{name: nvme-0}")).topology("t").hasGuest("nvme-0")).isTrue();
        for (String bad : List.of("Target", "a_b", "0abc", "a.b", "-a", "a".repeat(32))) {
            assertError(MINIMAL + oneGuest("{name: " + bad + "}"), 9, "invalid guest name '" + bad
                    + "' (must match [a-z][a-z0-9-]{0,30}: it becomes a hostname and a QEMU id)");
        }
    }

    // ---- errors, each at its line

    @Test
    void duplicateTopologyName() {
        assertError(MINIMAL + CHAIN + "  - name: chain\n    guests: [{name: x}]\n", 18,
                "duplicate topology name 'chain' (first at line 7)");
    }

    @Test
    void builtInsCannotBeRedefined() {
        assertError(MINIMAL + "topologies:\n  - name: pair\n    guests: [{name: x}]\n", 7,
                "topology 'pair' is built in");
        assertError(MINIMAL + CHAIN.replace("name: chain", "name: single"), 7, "topology 'single' is built in");
    }

    @Test
    void duplicateGuestName() {
        assertError(MINIMAL + CHAIN.replace("- name: relay", "- name: target"), 12,
                "duplicate guest name 'target' (first at line 9)");
    }

    @Test
    void linkNamingAnUnknownGuest() {
        assertError(MINIMAL + CHAIN.replace("[target, relay]", "[target, relya]"), 15,
                "link names unknown guest 'relya' (guests: target, initiator, relay)");
        // in block style, the line of the wrong end
        assertError(MINIMAL + CHAIN.replace("        - initiator", "        - initator"), 17,
                "link names unknown guest 'initator' (guests: target, initiator, relay)");
    }

    @Test
    void linkFromAGuestToItself() {
        assertError(MINIMAL + CHAIN.replace("[target, relay]", "[relay, relay]"), 15,
                "link from guest 'relay' to itself");
    }

    @Test
    void sameLinkTwiceInEitherOrder() {
        assertError(MINIMAL + CHAIN + "      - [target, relay]\n", 18,
                "duplicate link [target, relay] (first at line 15)");
        assertError(MINIMAL + CHAIN + "      - [initiator, relay]\n", 18,
                "duplicate link [initiator, relay] (first at line 16)");
    }

    @Test
    void linkThatIsNotTwoNames() {
        String expected = "each link must be a two-element list [guest, guest] such as [target, initiator], got ";
        assertError(MINIMAL + CHAIN + "      - target\n", 18, expected + "a string");
        assertError(MINIMAL + CHAIN + "      - {target: relay}\n", 18, expected + "a mapping");
        assertError(MINIMAL + CHAIN + "      - [target]\n", 18, expected + "a list of 1 entries");
        assertError(MINIMAL + CHAIN + "      - [target, relay, initiator]\n", 18, expected + "a list of 3 entries");
        assertError(MINIMAL + CHAIN + "      - [target, [relay]]\n", 18,
                expected + "a list of 2 entries that are not both names");
        assertError(MINIMAL + CHAIN + "      - [target, ~]\n", 18, expected + "a list of 2 entries that are not both names");
        assertError(MINIMAL + CHAIN.replace("    links:\n", "    links: [target, relay]\n")
                .replace("      - [target, relay]\n      - - relay\n        - initiator\n", ""), 14, expected + "a string");
    }

    @Test
    void emptyOrMissingGuests() {
        assertError(MINIMAL + "topologies:\n  - name: t\n    guests: []\n", 8,
                "'guests' is empty: list at least one guest");
        assertError(MINIMAL + "topologies:\n  - name: t\n    links: []\n", 7,
                "topology is missing required key 'guests'");
        assertError(MINIMAL + "topologies:\n  - name: t\n    guests:\n      - cmb: 64M\n", 9,
                "topology guest is missing required key 'name'");
        assertError(MINIMAL + "topologies:\n  - guests: [{name: g}]\n", 7, "topology is missing required key 'name'");
    }

    @Test
    void placementAndHostsAreRead() {
        Spec spec = parse(MINIMAL + "topologies:\n  - name: split\n    placement: spread\n    guests:\n"
                + "      - {name: target, cmb: 64M, host: host1}\n      - {name: initiator}\n    links:\n      - [target, initiator]\n");
        TopologySpec t = spec.topologies().stream().filter(x -> x.name().equals("split")).findFirst().orElseThrow();
        assertThat(t.placement()).isEqualTo(TopologySpec.Placement.SPREAD);
        assertThat(t.find("target").host()).isEqualTo("host1");
        assertThat(t.find("initiator").host()).isNull();
        assertError(MINIMAL + "topologies:\n  - name: t\n    placement: scatter\n    guests: [{name: g}]\n", 8,
                "unknown placement 'scatter' (known: pack, spread)");
    }

    @Test
    void kernelArgsAreReadInOrderAndDefaultToNone() {
        Spec s = parse(MINIMAL + oneGuest("{name: target, cmb: 64M, kernel_args: [nvme.planted_fault=warn, quiet]}"));
        assertThat(s.topology("t").find("target").kernelArgs()).containsExactly("nvme.planted_fault=warn", "quiet");
        assertThat(s.topology("single").find("target").kernelArgs()).isEmpty();
        assertThat(parse(MINIMAL + CHAIN).topology("chain").find("relay").kernelArgs()).isEmpty();
    }

    @Test
    void kernelArgsMustBeSingleWordsThatKfitDoesNotSetItself() {
        assertError(MINIMAL + oneGuest("{name: g, kernel_args: ['a b']}"), 9,
                "kernel argument 'a b' must be one word of");
        assertError(MINIMAL + oneGuest("{name: g, kernel_args: ['x=\"y z\"']}"), 9,
                "kernel argument 'x=\"y z\"' must be one word of");
        assertError(MINIMAL + oneGuest("{name: g, kernel_args: [console=tty0]}"), 9,
                "kernel argument 'console=tty0' is one kfit sets itself");
        assertError(MINIMAL + oneGuest("{name: g, kernel_args: [kfit.hostname=x]}"), 9,
                "kernel argument 'kfit.hostname=x' is one kfit sets itself");
        assertError(MINIMAL + oneGuest("{name: g, kernel_args: nvme.planted_fault=warn}"), 9,
                "'kernel_args' must be a list, got a string");
        // A parameter that merely starts like one of kfit's is the user's.
        assertThat(parse(MINIMAL + oneGuest("{name: g, kernel_args: [rootdelay=1, panic_on_warn=0]}"))
                .topology("t").find("g").kernelArgs()).containsExactly("rootdelay=1", "panic_on_warn=0");
    }

    @Test
    void unknownKeys() {
        assertError(MINIMAL + CHAIN.replace("    links:\n", "    link:\n"), 14,
                "unknown key 'link' in topology (allowed: name, guests, links, placement)");
        assertError(MINIMAL + CHAIN.replace("cmb: 0", "cmb: 0\n        memory: 1G"), 14,
                "unknown key 'memory' in topology guest (allowed: name, cmb, host, iommu, kernel_args)");
    }

    @Test
    void wrongShapes() {
        assertError(MINIMAL + "topologies: pair\n", 6, "'topologies' must be a list, got a string");
        assertError(MINIMAL + "topologies:\n  - pair\n", 7, "topology must be a mapping, got a string");
        assertError(MINIMAL + "topologies:\n  - name: t\n    guests: [g]\n", 8,
                "topology guest must be a mapping, got a string");
        assertError(MINIMAL + "topologies:\n  - name: t/u\n    guests: [{name: g}]\n", 7,
                "invalid topology name 't/u' (must match");
    }

    // ---- scenarios naming a topology

    @Test
    void pinnedUnbindInPair() {
        Spec s = parse(MINIMAL + "    topology: pair\n");
        assertThat(s.scenarios()).containsExactly(new PinnedUnbind("pinned-unbind", Duration.ofSeconds(20),
                Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(30), 2 * 1024 * 1024, "pair"));
        assertThat(parse(MINIMAL + "    topology: chain\n" + CHAIN).scenarios().get(0).topology()).isEqualTo("chain");
    }

    @Test
    void unknownTopologyListsTheKnownOnes() {
        assertError(MINIMAL + "    topology: chian\n" + CHAIN, 6,
                "unknown topology 'chian' (known: single, pair, chain)");
        assertError(MINIMAL + "  - name: rdma-traffic\n    topology: trio\n", 7,
                "unknown topology 'trio' (known: single, pair)");
        assertError(MINIMAL + "    topology: [pair]\n", 6, "'topology' must be a single value, got a list");
    }

    @Test
    void pinnedUnbindNeedsATargetWithCmb() {
        assertError(MINIMAL + "    topology: chain\n" + CHAIN.replace("cmb: 128M", "cmb: 0"), 6,
                "pinned-unbind needs guest 'target' to have an NVMe device (cmb > 0),"
                        + " but its cmb is 0 in topology 'chain'");
        assertError(MINIMAL + "    topology: chain\n" + CHAIN.replace("        cmb: 128M\n", ""), 6,
                "pinned-unbind needs guest 'target' to have an NVMe device");
        assertError(MINIMAL + "    topology: duo\n"
                        + "topologies:\n  - name: duo\n    guests: [{name: server, cmb: 64M}, {name: client}]\n", 6,
                "pinned-unbind runs on guest 'target', which topology 'duo' does not have (guests: server, client)");
    }

    private int cmbOf(String cmb) {
        return parse(MINIMAL + oneGuest("{name: g, cmb: " + cmb + "}")).topology("t").find("g").cmbMb();
    }

    /** Lines 6-9: a topology {@code t} whose only guest (line 9) is {@code guest}. */
    private static String oneGuest(String guest) {
        return "topologies:\n  - name: t\n    guests:\n      - " + guest + "\n";
    }

    private Spec parse(String yaml) {
        return SpecLoader.parse(yaml, dir.resolve("spec.yaml"));
    }

    /** The error must be one line, {@code FILE:LINE: problem}, with {@code problem} starting as given. */
    private void assertError(String yaml, int line, String problem) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(dir.resolve("spec.yaml") + ":" + line + ": " + problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
