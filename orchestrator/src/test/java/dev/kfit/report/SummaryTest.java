package dev.kfit.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kfit.error.BadInputException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SummaryTest {
    /** The kfit checkout (tests run in orchestrator/): its examples/ and patches are the reproducer's. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** A real `./kfit reproduce` of 7.2 (tests/…/Reproduce72IT, 2026-11-30): results.json and spec.yaml. */
    private static final Path RUN = Path.of("src/test/resources/summary/reproduce-7.2");

    /**
     * The expected text names the shipped patches' sha256: after a change to them (or to the summary),
     * look at the new text and rewrite it with -Dkfit.updateExpected=true.
     */
    @Test
    void aReproduceRunReadsAsExpected() throws IOException {
        String text = Summary.of(RUN, null, ROOT);
        Path expected = RUN.resolveSibling("reproduce-7.2.expected");
        if (Boolean.getBoolean("kfit.updateExpected")) {
            Files.writeString(expected, text);
        }
        assertThat(text).isEqualTo(Files.readString(expected));
    }

    @Test
    void isPlainTextOfAtMost72Columns() {
        for (String cell : List.of("7.2.pinned-unbind.r1", "7.2-series.pinned-unbind.r1")) {
            String text = Summary.of(RUN, cell, ROOT);
            assertThat(text.lines()).allSatisfy(l -> {
                assertThat(l.length()).as(l).isLessThanOrEqualTo(Summary.WIDTH);
                assertThat(l).doesNotContain("\t").doesNotContain("<TASK>").doesNotContain("**").doesNotContain("```");
                assertThat(l.chars().allMatch(ch -> ch < 128)).as(l).isTrue();
            });
        }
    }

    @Test
    void theUnpatchedCellHasNoTraceAndNoPatches() {
        String text = Summary.of(RUN, "7.2.pinned-unbind.r1", ROOT);
        assertThat(text).contains("kfit result: 7.2, pinned-unbind: PIN_REFUSED")
                .contains("  patches   none")
                .contains("  pin       refused, errno 14")
                .contains("    ./kfit run examples/reproduce-7.2.yaml --kernels 7.2")
                .doesNotContain("Call Trace");
    }

    @Test
    void anUnknownCellIsNamedWithTheKnownOnes() {
        assertThatThrownBy(() -> Summary.of(RUN, "nope", ROOT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("no cell 'nope' (it has: 7.2.pinned-unbind.r1, 7.2-series.pinned-unbind.r1)");
    }

    @Test
    void theTraceKeepsTheFirstLineAndTheCallTraceWithoutAddresses() {
        String excerpt = String.join("\n",
                "[   16.900575] BUG: unable to handle page fault for address: ffffc90000123000",
                "[   16.901149] RIP: 0010:memunmap_pages+0x3a/0x17b",
                "[   16.902134] Call Trace:",
                "[   16.902612]  <TASK>",
                "[   16.902860]  ? __die+0x1f/0x60",
                "[   16.903944]  memunmap_pages+0x3a/0x17b",
                "[   16.904154]  devm_action_release+0x10/0x20 [nvme]",
                "[   16.904229]  </TASK>",
                "[   16.904315] RAX: ffffffffffffffda RBX: 0000000000000003");
        assertThat(Summary.trace(excerpt)).containsExactly(
                "BUG: unable to handle page fault for address: ADDR",
                "Call Trace:", " memunmap_pages", " devm_action_release");
    }

    @Test
    void longSpecLinesFoldAndStillReadTheSame() throws IOException {
        String spec = String.join("\n",
                "# The P2PDMA unbind hang, reproduced: Debian's 7.2 kernel as it is, and with the series applied on top",
                "kernels:",
                "  - label: bisect-step",
                "    source: git:/very/long/path/to/a/kernel/repository/linux@0123456789abcdef0123456789abcdef01234567",
                "    patches:",
                "      - /work/main/guest-images/patches/p2pdma-userspace-rdma-v5/linux-6.12/0003-mm-gup-allow-longterm-p2pdma.patch",
                "      - short.patch",
                "      - \"/work/main/guest-images/patches/p2pdma-userspace-rdma-v5/linux-6.12/0002-kernfs-drop-page_mkwrite.patch\"",
                "    note: \"a value in quotes that is long enough to need folding, with spaces in it, and more\"",
                "    fragments: [a.config]",
                "") + "\n";
        List<String> folded = new ArrayList<>();
        spec.lines().forEach(l -> folded.addAll(Summary.foldYaml("    ", l)));
        assertThat(folded).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(72));
        StringBuilder back = new StringBuilder();
        folded.forEach(l -> back.append(l.substring(4)).append('\n'));
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        assertThat(yaml.readTree(back.toString())).isEqualTo(yaml.readTree(spec));
        assertThat(folded.get(0)).startsWith("    # The P2PDMA");
        assertThat(folded.get(1)).startsWith("    # ");
    }

    @Test
    void aBisectionSaysItsStepsAndResultThenSummarisesTheFirstBadStep(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path round = Files.createDirectories(dir.resolve("steps/p5/round-1"));
        Files.copy(RUN.resolve("results.json"), round.resolve("results.json"));
        Files.copy(RUN.resolve("spec.yaml"), round.resolve("spec.yaml"));
        dev.kfit.bisect.BisectLog.StepInfo good = new dev.kfit.bisect.BisectLog.StepInfo(0, "p0", "without the series", "GOOD",
                2, 2, 0, false, "the good end", List.of(), "steps/p0");
        dev.kfit.bisect.BisectLog.StepInfo bad = new dev.kfit.bisect.BisectLog.StepInfo(5, "p5",
                "0001-rdma-umem-let-virt-dma-devices-pin-p2pdma.patch", "BAD", 2, 2, 2, false, "2 of 2 valid runs changed",
                List.of("verdict BLOCKED_UNTIL_RELEASE"), "steps/p5");
        dev.kfit.bisect.BisectLog.StepInfo p2 = new dev.kfit.bisect.BisectLog.StepInfo(2, "p2", "0002-kernfs-drop-page_mkwrite.patch",
                "GOOD", 2, 2, 0, false, "0 of 2 valid runs changed", List.of(), "steps/p2");
        dev.kfit.bisect.BisectLog.StepInfo p3 = new dev.kfit.bisect.BisectLog.StepInfo(3, "p3", "0003-mm-gup-allow-longterm-p2pdma.patch",
                "SKIP", 0, 0, 0, false, "untestable: patch does not apply", List.of(), "steps/p3");
        new dev.kfit.bisect.BisectLog(ROOT.resolve("examples/reproduce-7.2.yaml").toString(), "7.2-series", "pinned-unbind",
                "series", "r", java.util.stream.IntStream.rangeClosed(0, 5).mapToObj(i -> new dev.kfit.bisect.BisectLog.PointInfo(i, "p" + i,
                "", "", List.of())).toList(), new dev.kfit.bisect.BisectLog.Ends("good end: PIN_REFUSED x2, no splat\nbad end:  BLOCKED_UNTIL_RELEASE x2",
                good, bad), List.of(p2, p3), new dev.kfit.bisect.BisectLog.ResultInfo("p5 0001-rdma-umem-let-virt-dma-devices-pin-p2pdma.patch",
                "p2 0002-kernfs-drop-page_mkwrite.patch", List.of("p3 0003-mm-gup-allow-longterm-p2pdma.patch",
                "p4 0004-rdma-umem-pin-p2pdma-pages.patch", "p5 0001-rdma-umem-let-virt-dma-devices-pin-p2pdma.patch"),
                false, 1.0, false, null)).write(dir);
        String text = Summary.of(dir, null, ROOT);
        assertThat(text).startsWith("kfit bisection: 7.2-series, scenario pinned-unbind, over 5 patches\n")
                .contains("  p3 skip, untestable: patch does not apply:\n      0003-mm-gup-allow-longterm-p2pdma.patch")
                .contains("  first bad: one of (steps next to it could not be tested)\n    p3 0003-mm-gup-allow-longterm-p2pdma.patch\n")
                .contains("  confidence 1.00\n")
                .contains("kfit result: 7.2-series, pinned-unbind: BLOCKED_UNTIL_RELEASE")
                .contains("./kfit bisect examples/reproduce-7.2.yaml --kernel 7.2-series");
        assertThat(text.lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(Summary.WIDTH));
    }
}
