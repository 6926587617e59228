package dev.kfit.spec;

import dev.kfit.error.BadInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * A YAML mapping from the spec, read key by key: each getter checks the value's type and turns a
 * {@link SpecProblem} into a {@code FILE:LINE: problem} error at that key's line.
 */
/** One mapping of a spec file, read strictly: each problem names the file and line. Public for the scenario types' parsers. */
public final class SpecMap {
    private final Path file;
    private final YamlNode.Mapping node;
    /** What the mapping is, for messages: "kernel", "scenario", "guest", "the spec". */
    private final String what;

    private SpecMap(Path file, YamlNode.Mapping node, String what) {
        this.file = file;
        this.node = node;
        this.what = what;
    }

    /** {@code node} must be a mapping; check its keys with {@link #allowOnly}. */
    public static SpecMap of(Path file, YamlNode node, String what) {
        if (!(node instanceof YamlNode.Mapping mapping)) {
            throw BadInputException.at(file, node.line(), what + " must be a mapping, got " + node.describe());
        }
        return new SpecMap(file, mapping, what);
    }

    /** Runs a value parser on {@code text}; its {@link SpecProblem} becomes an error at {@code line}. */
    static <T> T at(Path file, int line, Function<String, T> parser, String text) {
        try {
            return parser.apply(text);
        } catch (SpecProblem e) {
            throw BadInputException.at(file, line, e.getMessage());
        }
    }

    public Path file() {
        return file;
    }

    int line() {
        return node.line();
    }

    public boolean has(String key) {
        return node.entries().containsKey(key);
    }

    /** Line of {@code key}, or of the mapping if the key is absent (a default value was used). */
    int lineOf(String key) {
        YamlNode.Entry e = node.entries().get(key);
        return e != null ? e.keyLine() : node.line();
    }

    public BadInputException error(String key, String problem) {
        return BadInputException.at(file, lineOf(key), problem);
    }

    /**
     * An error at the first of {@code keys} the mapping has, else at the mapping: for a check between
     * several values, blame the one the user wrote rather than one left at its default.
     */
    public BadInputException errorAtFirst(String problem, String... keys) {
        for (String key : keys) {
            if (has(key)) {
                return error(key, problem);
            }
        }
        return BadInputException.at(file, node.line(), problem);
    }

    /** Rejects the first key not in {@code allowed}: a typo must not silently become a default. */
    public SpecMap allowOnly(List<String> allowed) {
        for (YamlNode.Entry e : node.entries().values()) {
            if (!allowed.contains(e.key())) {
                throw BadInputException.at(file, e.keyLine(),
                        "unknown key '" + e.key() + "' in " + what + " (allowed: " + String.join(", ", allowed) + ")");
            }
        }
        return this;
    }

    private YamlNode required(String key) {
        YamlNode.Entry e = node.entries().get(key);
        if (e == null) {
            throw BadInputException.at(file, node.line(), what + " is missing required key '" + key + "'");
        }
        return e.value();
    }

    /** A non-empty scalar's text; numbers and booleans keep their source text. */
    public String string(String key) {
        YamlNode value = required(key);
        if (!(value instanceof YamlNode.Scalar s) || s.isEmpty()) {
            throw error(key, "'" + key + "' must be a single value, got " + value.describe());
        }
        return s.text();
    }

    public <T> T value(String key, Function<String, T> parser) {
        return at(file, lineOf(key), parser, string(key));
    }

    public <T> T value(String key, T dflt, Function<String, T> parser) {
        return has(key) ? value(key, parser) : dflt;
    }

    public Duration duration(String key, Duration dflt) {
        return value(key, dflt, SpecValues::duration);
    }

    /** The items of a list; an absent optional list is empty. */
    public List<YamlNode> list(String key, boolean required) {
        if (!required && !has(key)) {
            return List.of();
        }
        YamlNode value = required(key);
        if (!(value instanceof YamlNode.Seq seq)) {
            throw error(key, "'" + key + "' must be a list, got " + value.describe());
        }
        return seq.items();
    }

    /** A nested mapping with keys from {@code allowed}, or {@code null} if the optional key is absent. */
    SpecMap map(String key, List<String> allowed) {
        if (!has(key)) {
            return null;
        }
        YamlNode value = required(key);
        if (!(value instanceof YamlNode.Mapping)) {
            throw error(key, "'" + key + "' must be a mapping with keys " + String.join(", ", allowed)
                    + ", got " + value.describe());
        }
        return of(file, value, "'" + key + "'").allowOnly(allowed);
    }

    /** A list item that must be a non-empty scalar (a path, say), parsed at the item's line. */
    static <T> T item(Path file, String key, YamlNode item, Function<String, T> parser) {
        if (!(item instanceof YamlNode.Scalar s) || s.isEmpty()) {
            throw BadInputException.at(file, item.line(),
                    "each entry of '" + key + "' must be a single value, got " + item.describe());
        }
        return at(file, item.line(), parser, s.text());
    }
}
