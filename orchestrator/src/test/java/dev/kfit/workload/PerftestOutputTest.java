package dev.kfit.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PerftestOutput on real output of Debian bookworm's perftest 4.5+0.17-1 in kfit guests
 * (resources perftest/): pt*.cli/pt*.srv are raw captures (pt2.cli stamped per line, in seconds, by a
 * line reader on a fully buffered pipe: the lagged shape); *.jsonl are what kfit's wrapper writes
 * (stdbuf -oL, every line stamped with the guest's clock in ns).
 */
class PerftestOutputTest {

    static String resource(String name) throws IOException {
        try (InputStream in = PerftestOutputTest.class.getClassLoader().getResourceAsStream("perftest/" + name)) {
            assertThat(in).as("test resource perftest/" + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Stamped lines of a file, as PerftestWorkload.lines takes them from the history (JSON lines skipped). */
    static List<PerftestOutput.Line> stamped(String text) {
        List<PerftestOutput.Line> out = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (!l.startsWith("{")) {
                out.add(PerftestOutput.Line.stamped(l));
            }
        }
        return out;
    }

    @Test
    void durationRunFinalResultOnBothSides() throws IOException {
        PerftestOutput cli = PerftestOutput.parseText(resource("pt1.cli"));
        assertThat(cli.results()).hasSize(1);
        PerftestOutput.Result r = cli.results().get(0);
        assertThat(r.bytes()).isEqualTo(65536);
        assertThat(r.iterations()).isEqualTo(1104);
        assertThat(r.bwPeak()).isEqualTo(0.00);
        assertThat(r.bwAverage()).isEqualTo(6.89);
        assertThat(r.msgRateMpps()).isEqualTo(0.000110);
        assertThat(r.totalBytes()).isEqualTo(65536L * 1104);
        // perftest's "MB/sec" is MiB/s: 1104 x 64 KiB at 6.89 MiB/s is a 10.01 s measuring window.
        assertThat(r.seconds()).isCloseTo(10.0145, within(1e-3));
        assertThat(cli.megabytesPerSecond(r)).isCloseTo(6.89 * 1.048576, within(1e-9));
        assertThat(r.seenNs()).isNull();
        assertThat(r.endNs()).isNull();
        assertThat(cli.errors()).isEmpty();
        assertThat(cli.header()).isPresent();
        assertThat(cli.unitBytes()).isEqualTo(PerftestOutput.MIB);

        PerftestOutput srv = PerftestOutput.parseText(resource("pt1.srv"));
        assertThat(srv.mapped()).map(PerftestOutput.Line::text)
                .contains("allocated mmap buffer of size 131072 at 0x7fc282750000");
        assertThat(srv.registered()).map(l -> l.text().strip())
                .contains("local address: LID 0000 QPN 0x0017 PSN 0xc4464c RKey 0x000951 VAddr 0x007fc282760000");
        assertThat(srv.results()).extracting(PerftestOutput.Result::iterations).containsExactly(1104L);
        assertThat(srv.errors()).isEmpty();
    }

    @Test
    void headerAndBannerLinesAreNotResultsOrErrors() throws IOException {
        for (String f : List.of("pt1.cli", "pt1.srv", "pt3.cli")) {
            PerftestOutput out = PerftestOutput.parseText(resource(f));
            assertThat(out.errors()).as(f).isEmpty();
            assertThat(out.results()).as(f).allMatch(r -> r.bytes() == 65536);
        }
        // "Device not recognized to implement inline feature. Disabling it" (ib_read_bw on rxe) is no error.
        PerftestOutput read = PerftestOutput.parse(stamped(resource("read-server.jsonl")), PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(read.lines()).anyMatch(l -> l.text().startsWith("Device not recognized"));
        assertThat(read.errors()).extracting(PerftestOutput.Problem::text).containsExactly(
                "ethernet_read_keys: Couldn't read remote address",
                "Unable to read to socket/rdma_cm",
                "Failed to exchange data between server and clients");
        assertThat(read.errors()).allMatch(p -> p.afterHeader() && !p.completion());
    }

    @Test
    void lastLineWithoutNewlineCounts() throws IOException {
        String text = resource("pt3.cli");
        assertThat(text).doesNotEndWith("\n");
        PerftestOutput out = PerftestOutput.parseText(text);
        assertThat(out.results()).extracting(PerftestOutput.Result::iterations).containsExactly(89L, 118L, 123L, 117L);
        assertThat(out.results().get(3).msgRateMpps()).isEqualTo(0.000116);
    }

    @Test
    void serverThatLostItsClientPrintsStderrFirst() throws IOException {
        // Killed client: the server's stderr (unbuffered) precedes its stdout, flushed only at exit.
        PerftestOutput srv = PerftestOutput.parseText(resource("pt2.srv"));
        assertThat(srv.errors()).extracting(PerftestOutput.Problem::text).containsExactly(
                "ethernet_read_keys: Couldn't read remote address",
                "Unable to read to socket/rdma_cm",
                "Failed to exchange data between server and clients");
        assertThat(srv.errors()).noneMatch(PerftestOutput.Problem::completion);
        assertThat(srv.registered()).isPresent();
        assertThat(srv.results()).isEmpty();
        assertThat(srv.completionErrors()).isZero();
    }

    @Test
    void flushedLinesAttributeEachWindowToThePreviousPrint() throws IOException {
        PerftestOutput out = PerftestOutput.parse(stamped(resource("write-client.jsonl")),
                PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(out.header()).map(PerftestOutput.Line::seenNs).contains(44_980_000_000L);
        assertThat(out.results()).extracting(PerftestOutput.Result::iterations)
                .containsExactly(142L, 169L, 144L, 139L, 138L);
        assertThat(out.results()).extracting(PerftestOutput.Result::seenNs).containsExactly(
                46_620_000_000L, 48_200_000_000L, 49_820_000_000L, 51_440_000_000L, 53_070_000_000L);
        // Window 1 starts at the header, lasts what perftest measured (~1.0 s), and ends well before
        // its line is printed: the handler first re-measures the CPU clock (dead time ~0.6 s).
        PerftestOutput.Result first = out.results().get(0);
        assertThat(first.startNs()).isEqualTo(44_980_000_000L);
        assertThat(first.seconds()).isCloseTo(1.00169, within(1e-4));
        assertThat(first.endNs()).isEqualTo(44_980_000_000L + Math.round(first.seconds() * 1e9));
        // Window k starts when line k-1 was printed.
        PerftestOutput.Result second = out.results().get(1);
        assertThat(second.startNs()).isEqualTo(46_620_000_000L);
        assertThat(second.seconds()).isCloseTo(1.00691, within(1e-4));
        for (PerftestOutput.Result r : out.results()) {
            assertThat(r.endNs()).isLessThanOrEqualTo(r.seenNs());
            assertThat(r.seenNs() - r.endNs()).as("dead time").isBetween(200_000_000L, 1_000_000_000L);
            assertThat(r.seconds()).isBetween(0.99, 1.02);
        }
        assertThat(out.errors()).isEmpty();
        assertThat(out.results().stream().mapToLong(PerftestOutput.Result::iterations).sum()).isEqualTo(732);
    }

    @Test
    void laggedLinesAreAttributedOneLineEarlier() throws IOException {
        // pt2.cli: a line reader on perftest's fully buffered stdout, stamps in seconds. Each result's
        // newline left with the next report, so the line before a result was completed when it was printed.
        List<PerftestOutput.Line> lines = stamped(resource("pt2.cli"));
        assertThat(lines.get(0).seenNs()).isEqualTo(1_795_607_121_652_000_000L);
        PerftestOutput out = PerftestOutput.parse(lines, PerftestOutput.Timing.LAGGED, 1.0);
        assertThat(out.results()).extracting(PerftestOutput.Result::iterations)
                .containsExactly(80L, 162L, 119L, 120L, 104L, 108L);
        PerftestOutput.Result first = out.results().get(0);
        // Printed when the header line was completed; where its window began is not known.
        assertThat(first.startNs()).isNull();
        assertThat(first.endNs()).isEqualTo(1_795_607_121_755_000_000L);
        PerftestOutput.Result second = out.results().get(1);
        assertThat(second.startNs()).isEqualTo(1_795_607_121_755_000_000L);
        assertThat(second.endNs()).isEqualTo(1_795_607_121_755_000_000L + Math.round(second.seconds() * 1e9));
        assertThat(second.seconds()).isCloseTo(1.00546, within(1e-4));
        PerftestOutput.Result last = out.results().get(5);
        assertThat(last.startNs()).isEqualTo(1_795_607_128_171_000_000L);
        assertThat(last.seenNs()).isEqualTo(1_795_607_131_612_000_000L);
        // Its window ended before the previous line was completed (= when it was printed).
        for (int i = 1; i < out.results().size(); i++) {
            assertThat(out.results().get(i).endNs()).isLessThan(out.results().get(i - 1).seenNs());
        }
        // Read as flushed instead, every window would sit one report later.
        PerftestOutput flushed = PerftestOutput.parse(lines, PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(flushed.results().get(1).startNs()).isEqualTo(1_795_607_123_291_000_000L);
    }

    @Test
    void resultsWithoutTrafficUseTheNominalInterval() throws IOException {
        // The server was SIGKILLed 7 s in: the client's windows go to 0 iterations, no error in 10 s.
        PerftestOutput out = PerftestOutput.parse(stamped(resource("killed-server-client.jsonl")),
                PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(out.results()).hasSize(13);
        assertThat(out.results()).filteredOn(r -> r.iterations() == 0).hasSize(8)
                .allSatisfy(r -> {
                    assertThat(r.bwAverage()).isZero();
                    assertThat(r.seconds()).isEqualTo(1.0);
                    assertThat(r.endNs()).isEqualTo(r.startNs() + 1_000_000_000L);
                });
        assertThat(out.completionErrors()).isZero();
        assertThat(out.firstTrafficError()).isEmpty();
    }

    @Test
    void completionErrorIsTheFirstTrafficError() throws IOException {
        // Real run, then perftest 4.5's NOTIFY_COMP_ERROR_SEND and run_infinitely's abort appended
        // (synthetic: not captured; the format is perftest_resources.h's).
        List<PerftestOutput.Line> lines = new ArrayList<>(stamped(resource("write-client.jsonl")));
        lines.add(new PerftestOutput.Line(53_500_000_000L, " Completion with error at client"));
        lines.add(new PerftestOutput.Line(53_500_000_000L, " Failed status 12: wr_id 0 syndrom 0x81"));
        lines.add(new PerftestOutput.Line(53_510_000_000L, "scnt=128, ccnt=0"));
        lines.add(new PerftestOutput.Line(53_510_000_000L, " Error occured while running infinitely! aborting ..."));
        PerftestOutput out = PerftestOutput.parse(lines, PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(out.results()).hasSize(5);
        assertThat(out.completionErrors()).isEqualTo(1);
        assertThat(out.errors()).extracting(PerftestOutput.Problem::text).containsExactly(
                "Completion with error at client", "Failed status 12: wr_id 0 syndrom 0x81",
                "Error occured while running infinitely! aborting ...");
        assertThat(out.firstTrafficError()).hasValueSatisfying(p -> {
            assertThat(p.text()).isEqualTo("Failed status 12: wr_id 0 syndrom 0x81");
            assertThat(p.seenNs()).isEqualTo(53_500_000_000L);
        });
    }

    @Test
    void refusedRegistrationIsAnErrorBeforeAnyLocalAddress() throws IOException {
        // Unpatched 6.12: ibv_reg_mr of the P2P mapping fails (EFAULT); perftest names no errno.
        PerftestOutput srv = PerftestOutput.parse(stamped(resource("refused-server.jsonl")),
                PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(srv.mapped()).isPresent();
        assertThat(srv.registered()).isEmpty();
        assertThat(srv.errors()).extracting(PerftestOutput.Problem::text).containsExactly(
                "Couldn't allocate MR", "failed to create mr", "Failed to create MR", "Couldn't create IB resources");
        assertThat(srv.errors()).noneMatch(p -> p.afterHeader() || p.completion());
        assertThat(srv.errors().get(0).seenNs()).isEqualTo(10_380_000_000L);
        // Its client saw the handshake fail before any traffic.
        PerftestOutput cli = PerftestOutput.parse(stamped(resource("refused-client.jsonl")),
                PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(cli.header()).isEmpty();
        assertThat(cli.results()).isEmpty();
        assertThat(cli.errors()).hasSize(3);
        assertThat(cli.completionErrors()).isZero();
        assertThat(cli.firstTrafficError()).isEmpty();
    }

    @Test
    void trafficThroughAnUnbindThatWaitedForTheRelease() throws IOException {
        // 6.12 with the series: unbind 10 s into 20 s of ib_write_bw, blocked until the server exited.
        PerftestOutput cli = PerftestOutput.parse(stamped(resource("unbind-client.jsonl")),
                PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(cli.header()).map(PerftestOutput.Line::seenNs).contains(13_000_000_000L);
        assertThat(cli.results()).hasSize(13);
        assertThat(cli.results().stream().mapToLong(PerftestOutput.Result::iterations).sum()).isEqualTo(1034);
        assertThat(cli.results().get(0).endNs()).isEqualTo(13_000_000_000L
                + Math.round(62 * 65536 / (3.86 * PerftestOutput.MIB) * 1e9));
        assertThat(cli.megabytesPerSecond(cli.results().get(0))).isCloseTo(4.0475, within(1e-4));
        for (int i = 1; i < cli.results().size(); i++) {
            assertThat(cli.results().get(i).startNs()).isEqualTo(cli.results().get(i - 1).seenNs());
        }
        assertThat(cli.errors()).isEmpty();
        PerftestOutput srv = PerftestOutput.parse(stamped(resource("unbind-server.jsonl")),
                PerftestOutput.Timing.FLUSHED, 1.0);
        assertThat(srv.firstLineAfterResults()).map(PerftestOutput.Line::seenNs).contains(32_460_000_000L);
    }

    @Test
    void stampsInNanosecondsOrSeconds() {
        assertThat(PerftestOutput.Line.stamped("44980000000  #bytes x"))
                .isEqualTo(new PerftestOutput.Line(44_980_000_000L, " #bytes x"));
        assertThat(PerftestOutput.Line.stamped("12.5 text")).isEqualTo(new PerftestOutput.Line(12_500_000_000L, "text"));
        assertThat(PerftestOutput.Line.stamped("41470000000 ")).isEqualTo(new PerftestOutput.Line(41_470_000_000L, ""));
        assertThat(PerftestOutput.Line.stamped(" 65536 1 0.00 1.00 0.000001").seenNs()).isNull();
    }

    @Test
    void gbitReports() {
        PerftestOutput out = PerftestOutput.parseText(String.join("\n",
                " #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]",
                " 65536      1000           0.00               0.08               0.000152", ""));
        assertThat(out.unitBytes()).isEqualTo(PerftestOutput.GBIT);
        assertThat(out.megabytesPerSecond(out.results().get(0))).isCloseTo(10.0, within(1e-9));
    }
}
