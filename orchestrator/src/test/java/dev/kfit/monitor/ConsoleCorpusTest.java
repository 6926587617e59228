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
import java.util.Map;
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
 * arch/x86/kernel/dumpstack.c), with cut and interleaved reports and hung-task repeats;
 * {@code console-planted/} real consoles of kfit runs of tests/specs/planted-faults.yaml, one per fault
 * planted in nvme_remove, checked also against what the console itself says was planted
 * ({@link #eachPlantedConsoleGivesOneSplatNamingThePlantedFunction}). Real consoles are added as they come.
 */
class ConsoleCorpusTest {

    static final List<String> DIRS = List.of("console", "console-kinds", "console-planted");
    /** The guest's own word on which fault it fired (tests/patches/planted-faults): "kfit: planted fault NAME". */
    private static final Pattern PLANTED = Pattern.compile("(?m)\\] nvme \\S+: kfit: planted fault (\\S+)$");
    /** The splat type each planted fault must give. */
    private static final Map<String, SplatType> PLANTED_TYPES = Map.of("warn", SplatType.WARNING,
            "refcount", SplatType.WARNING, "hang", SplatType.HUNG_TASK, "bug", SplatType.BUG,
            "null-deref", SplatType.BUG);

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

    static Stream<String> plantedLogs() throws IOException {
        return logs().filter(n -> n.startsWith("console-planted/"));
    }

    /**
     * Independent of the .expected files: the console names the fault it fired, and its one splat must
     * be of that fault's type, name the function {@code kfit_planted_<fault>} and be whole; the hung task,
     * reported at every check while it waited, must be one splat counting every print.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("plantedLogs")
    void eachPlantedConsoleGivesOneSplatNamingThePlantedFunction(String name) throws IOException {
        String text = Files.readString(resource(name), StandardCharsets.UTF_8);
        Matcher fired = PLANTED.matcher(text);
        assertThat(fired.find()).as("%s says which fault it planted", name).isTrue();
        String fault = fired.group(1);
        assertThat(fired.find()).as("%s fired one fault", name).isFalse();
        assertThat(PLANTED_TYPES).containsKey(fault);

        List<Splat> splats = ConsoleParser.distinct(ConsoleParser.parse(resource(name), 0));

        assertThat(splats).as(name).hasSize(1);
        Splat s = splats.get(0);
        assertThat(s.type()).as(s.title()).isEqualTo(PLANTED_TYPES.get(fault));
        assertThat(s.title()).endsWith(" in kfit_planted_" + fault.replace('-', '_'));
        assertThat(s.corrupted()).as(s.title()).isFalse();
        if (fault.equals("refcount")) {
            assertThat(s.title()).contains("refcount");
        }
        long prints = Pattern.compile("(?m)\\] INFO: task \\S+ blocked for more than").matcher(text).results().count();
        if (fault.equals("hang")) {
            assertThat(prints).as("the detector's prints").isGreaterThan(1);
            assertThat(s.count()).isEqualTo((int) prints);
        } else {
            assertThat(prints).isZero();
            assertThat(s.count()).isEqualTo(1);
        }
    }

    @Test
    void everyPlantedFaultHasAConsole() throws IOException {
        Set<String> faults = new TreeSet<>();
        for (String name : plantedLogs().toList()) {
            Matcher m = PLANTED.matcher(Files.readString(resource(name), StandardCharsets.UTF_8));
            if (m.find()) {
                faults.add(m.group(1));
            }
        }
        assertThat(faults).containsExactlyInAnyOrderElementsOf(PLANTED_TYPES.keySet());
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
