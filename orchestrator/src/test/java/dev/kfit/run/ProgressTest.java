package dev.kfit.run;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
        p.cells(4, 1);
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

    @Test
    void onATerminalTheStatusBlockIsRedrawnInPlaceUnderTheLog() {
        Progress p = progress(true);
        p.cells(10, 0);
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
        p.cells(1, 0);
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
