package dev.kfit.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code DIR/NAME.log} must give exactly the splats listed in {@code DIR/NAME.expected}, after
 * {@link ConsoleParser#distinct}: one line per splat, in console order,
 * {@code TYPE<TAB>title[<TAB>count=N][<TAB>corrupted]}; without {@code count=} the splat was printed
 * once, without {@code corrupted} it is whole. An empty file means "no splat"; blank lines and lines
 * starting with '#' are ignored.
 *
 * <p>{@code console/} holds consoles from kfit runs (real ones are named {@code real-*}) and
 * hand-made ones of the first kinds; {@code console-kinds/} one console per kind of report in the
 * formats 6.12's and 7.2's sources print (lib/bug.c, kernel/panic.c, kernel/hung_task.c,
 * kernel/locking/lockdep.c, lib/ubsan.c, mm/kasan/report.c, mm/kfence/report.c,
 * arch/x86/kernel/dumpstack.c), with cut and interleaved reports and hung-task repeats.
 * Real consoles are added as they come.
 */
class ConsoleCorpusTest {

    static final List<String> DIRS = List.of("console", "console-kinds");

    private static final Pattern PRINTK_PREFIX = Pattern.compile("^\\[\\s*\\d+\\.\\d+\\] ");

    static Stream<String> logs() throws IOException {
        List<String> names = new ArrayList<>();
        for (String dir : DIRS) {
            try (Stream<Path> files = Files.list(corpus(dir))) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted()
                        .forEach(n -> names.add(dir + "/" + n));
            }
        }
        return names.stream();
    }

    @Test
    void corpusIsNotEmpty() throws IOException {
        for (String dir : DIRS) {
            assertThat(logs().filter(n -> n.startsWith(dir + "/"))).as(dir).isNotEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("logs")
    void logGivesExpectedSplats(String name) throws IOException {
        Path log = resource(name);
        Path expectedFile = resource(name.replaceFirst("\\.log$", ".expected"));
        assertThat(expectedFile).as("every corpus log needs its .expected").exists();
        List<String> expected = Files.readAllLines(expectedFile, StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .map(ConsoleCorpusTest::canonical)
                .toList();

        List<Splat> splats = ConsoleParser.distinct(ConsoleParser.parse(log, 0));

        assertThat(splats).extracting(ConsoleCorpusTest::describe).containsExactlyElementsOf(expected);
        for (Splat s : splats) {
            assertThat(s.excerpt().lines().count()).isBetween(1L, (long) ConsoleParser.MAX_EXCERPT_LINES);
            assertThat(s.excerpt()).doesNotContain("\r");
        }
    }

    /** Together the corpus and {@link ConsoleParserTest#ROW_EXAMPLES} start a report of every row of the table. */
    @Test
    void everyRowOfTheTableIsExercised() throws IOException {
        Set<String> hit = new TreeSet<>();
        for (String name : logs().toList()) {
            for (String line : Files.readAllLines(resource(name), StandardCharsets.UTF_8)) {
                Matcher m = PRINTK_PREFIX.matcher(line);
                ReportKind.Head head = m.find() ? ReportKind.detect(line.substring(m.end())) : null;
                if (head != null) {
                    hit.add(head.kind().name());
                }
            }
        }
        for (String[] example : ConsoleParserTest.ROW_EXAMPLES) {
            hit.add(ReportKind.detect(example[0]).kind().name());
        }
        assertThat(hit).containsExactlyInAnyOrderElementsOf(
                ReportKind.TABLE.stream().map(ReportKind::name).toList());
    }

    private static String describe(Splat s) {
        return s.type() + "\t" + s.title() + (s.count() == 1 ? "" : "\tcount=" + s.count())
                + (s.corrupted() ? "\tcorrupted" : "");
    }

    /** An expected line with "count=1" dropped, so that it reads like {@link #describe}. */
    private static String canonical(String line) {
        return line.replace("\tcount=1\t", "\t").replaceAll("\tcount=1$", "");
    }

    private static Path resource(String name) {
        String[] parts = name.split("/", 2);
        return corpus(parts[0]).resolve(parts[1]);
    }

    private static Path corpus(String dir) {
        URL url = ConsoleCorpusTest.class.getClassLoader().getResource(dir);
        assertThat(url).as("test resource directory " + dir + "/").isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
