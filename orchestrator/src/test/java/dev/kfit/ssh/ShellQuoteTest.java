package dev.kfit.ssh;

import dev.kfit.testing.Processes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ShellQuoteTest {
    static final List<String> TRICKY = List.of(
            "plain", "with space", "it's", "''", "\"double\"", "$HOME", "`id`", "$(id)", "a\nb", "",
            "back\\slash", "*", "~", "#x", "a;b", "a|b", "tab\there", "ünïcode", "-n", "!bang", "%s", "{a,b}");

    @Test
    void plainWordsStayUnquoted() {
        assertThat(ShellQuote.quote("/sys/kernel/debug/fail_page_alloc/probability")).isEqualTo(
                "/sys/kernel/debug/fail_page_alloc/probability");
        assertThat(ShellQuote.quote("user@host:1,2=3+4%5_6-7")).isEqualTo("user@host:1,2=3+4%5_6-7");
    }

    @Test
    void everythingElseIsSingleQuoted() {
        assertThat(ShellQuote.quote("")).isEqualTo("''");
        assertThat(ShellQuote.quote("a b")).isEqualTo("'a b'");
        assertThat(ShellQuote.quote("it's")).isEqualTo("'it'\\''s'");
        assertThat(ShellQuote.quote("$HOME")).isEqualTo("'$HOME'");
        assertThat(ShellQuote.quote("a\nb")).isEqualTo("'a\nb'");
        assertThat(ShellQuote.join(List.of("echo", "a b", ""))).isEqualTo("echo 'a b' ''");
    }

    @Test
    void realShellParsesJoinBackToArgv() throws Exception {
        // Both shells are on every kfit host (Debian essential packages): a missing one is a failure.
        for (String sh : List.of("/bin/sh", "/bin/bash")) {
            assertThat(Path.of(sh)).isExecutable();
            List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
            argv.addAll(TRICKY);
            // printf's format is itself a shell word here, so it goes through quoting too.
            Processes.Output r = Processes.run(java.time.Duration.ofSeconds(30), null, List.of(sh, "-c", ShellQuote.join(argv)));
            assertThat(r.status()).as(r.stderr()).isZero();
            assertThat(splitNul(r.stdout())).as(sh).containsExactlyElementsOf(TRICKY);
        }
    }

    static List<String> splitNul(String s) {
        List<String> parts = new ArrayList<>(Arrays.asList(s.split("\0", -1)));
        parts.remove(parts.size() - 1); // after the last terminator
        return parts;
    }
}
