package dev.kfit.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code console/NAME.log} must give exactly the splats listed in {@code console/NAME.expected}:
 * one {@code TYPE<TAB>title} per line, in console order, after {@link ConsoleParser#distinct}.
 * An empty file means "no splat"; blank lines and lines starting with '#' are ignored. Real
 * console logs from kfit runs are added here as they come.
 */
class ConsoleCorpusTest {

    static Stream<String> logs() throws IOException {
        try (Stream<Path> files = Files.list(corpus())) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".log")).sorted().toList();
            return names.stream();
        }
    }

    @Test
    void corpusIsNotEmpty() throws IOException {
        assertThat(logs()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("logs")
    void logGivesExpectedSplats(String name) throws IOException {
        Path log = corpus().resolve(name);
        Path expectedFile = corpus().resolve(name.replaceFirst("\\.log$", ".expected"));
        assertThat(expectedFile).as("every corpus log needs its .expected").exists();
        List<String> expected = Files.readAllLines(expectedFile, StandardCharsets.UTF_8).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();

        List<Splat> splats = ConsoleParser.distinct(ConsoleParser.parse(log, 0));

        assertThat(splats).extracting(s -> s.type() + "\t" + s.title()).containsExactlyElementsOf(expected);
        for (Splat s : splats) {
            assertThat(s.excerpt().lines().count()).isBetween(1L, (long) ConsoleParser.MAX_EXCERPT_LINES);
            assertThat(s.excerpt()).doesNotContain("\r");
        }
    }

    private static Path corpus() {
        URL url = ConsoleCorpusTest.class.getClassLoader().getResource("console");
        assertThat(url).as("test resource directory console/").isNotNull();
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
