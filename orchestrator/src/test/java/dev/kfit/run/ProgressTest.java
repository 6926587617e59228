package dev.kfit.run;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicLong clock = new AtomicLong();

    private Progress progress(boolean tty) {
        return new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), tty, 80, clock::get);
    }

    private String out() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void advanceSeconds(long s) {
        clock.addAndGet(s * 1_000_000_000L);
    }

    @Test
    void withoutATerminalEveryChangeIsOneLineWithCountsElapsedAndEstimate() {
        Progress p = progress(false);
        p.phase("kernel 6.12", "building");
        p.end("kernel 6.12");
        p.cells(4, 1, List.of(planned("6.12.u.r2"), planned("6.12.u.r3"), planned("6.12.u.r4")));
        p.phase("6.12.u.r2", "booting 6.12.117");
        advanceSeconds(120);
        p.done("6.12.u.r2", "PROMPT");
        p.phase("6.12.u.r3", "running pinned-unbind");

        assertThat(out()).doesNotContain("\033[");
        assertThat(out().lines()).containsExactly(
                "kfit: kernel 6.12: building",
                "kfit: 1 of 4 cells finished in an earlier run of this directory, kept",
                "kfit: 6.12.u.r2: booting 6.12.117 (1/4 cells, elapsed 0 s)",
                // one cell run here in 2 min, two left: about 4 min
                "kfit: 6.12.u.r2: PROMPT (2/4 cells, elapsed 2 min, about 4 min left)",
                "kfit: 6.12.u.r3: running pinned-unbind (2/4 cells, elapsed 2 min, about 4 min left)");
    }

    private static Progress.Planned planned(String id) {
        String[] p = id.split("\\.");
        return new Progress.Planned(id, p[0], p[1]);
    }

    @Test
    void theEstimateKnowsThatCellsOfAnotherKernelOrScenarioTakeTheirOwnTime() {
        Progress p = progress(false);
        // Unpatched cells end quickly (the pin is refused), patched ones wait for the release.
        p.cells(6, 0, List.of(planned("plain.u.r1"), planned("plain.u.r2"), planned("series.u.r1"),
                planned("series.u.r2"), planned("series.t.r1"), planned("plain.t.r1")));
        p.phase("plain.u.r1", "booting");
        advanceSeconds(10);
        p.done("plain.u.r1", "PIN_REFUSED");
        p.phase("series.u.r1", "booting");
        advanceSeconds(30);
        p.done("series.u.r1", "BLOCKED_UNTIL_RELEASE");
        // Left: plain.u 10 s, series.u 30 s; scenario t never ran: the mean of all, 20 s, twice: 80 s.
        assertThat(p.summary()).isEqualTo(" (2/6 cells, elapsed 40 s, about 1 min left)");
        // Finished here in parallel: 40 cell-seconds in 20 s of wall time halve the estimate.
        Progress q = progress(false);
        q.cells(4, 0, List.of(planned("a.u.r1"), planned("a.u.r2"), planned("a.u.r3"), planned("a.u.r4")));
        q.phase("a.u.r1", "booting");
        q.phase("a.u.r2", "booting");
        advanceSeconds(20);
        q.done("a.u.r1", "PROMPT");
        q.done("a.u.r2", "PROMPT");
        assertThat(q.summary()).isEqualTo(" (2/4 cells, elapsed 20 s, about 20 s left)");
        // A running cell counts only with what it has still to do: r3 5 s in, 15 + 20 cell-seconds at 1.6 side by side.
        q.phase("a.u.r3", "booting");
        advanceSeconds(5);
        assertThat(q.summary()).isEqualTo(" (2/4 cells, elapsed 25 s, about 22 s left)");
    }

    @Test
    void onATerminalTheStatusBlockIsRedrawnInPlaceUnderTheLog() {
        Progress p = progress(true);
        p.cells(10, 0, List.of());
        p.phase("a.r1", "booting");
        p.phase("b.r1", "running");
        String beforeLog = out();
        p.log("kernel built");
        String afterLog = out().substring(beforeLog.length());

        // The two cell lines and the header are wiped (cursor up 3, clear), the log line printed, the block redrawn.
        assertThat(afterLog).startsWith("\r\033[3A\033[J" + "kfit: kernel built\n");
        assertThat(afterLog).contains("kfit: (0/10 cells, elapsed 0 s)\n", "  a.r1: booting (0 s)\n", "  b.r1: running (0 s)\n");

        p.done("a.r1", "PROMPT");
        p.close();
        String end = out();
        // After close only the log lines remain visible: the last thing written wipes the block.
        assertThat(end).endsWith("\r\033[2A\033[J");
        assertThat(end).contains("kfit: a.r1: PROMPT (1/10 cells");
    }

    @Test
    void longLinesAreCutSoTheLineCountStaysRight() {
        Progress p = progress(true);
        p.cells(1, 0, List.of());
        p.phase("x".repeat(200), "booting");
        assertThat(out().lines().filter(l -> l.startsWith("  x")).findFirst().orElseThrow()).hasSizeLessThan(80);
    }

    @Test
    void durationsReadLikeAPersonWouldSayThem() {
        assertThat(Progress.duration(42)).isEqualTo("42 s");
        assertThat(Progress.duration(90)).isEqualTo("2 min");
        assertThat(Progress.duration(3 * 3600 + 5 * 60)).isEqualTo("3 h 05 min");
    }
}
