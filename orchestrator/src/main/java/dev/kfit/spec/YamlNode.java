package dev.kfit.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.kfit.error.BadInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML document as a small tree in which every node knows its line. Built from Jackson's
 * streaming YAML parser because databind trees drop locations, and every spec error must name a line.
 */
public sealed interface YamlNode {
    /** 1-based line where the node starts. */
    int line();

    /** "a list", "a mapping", "a string", ...: for "must be X, got Y" messages. */
    String describe();

    /** A scalar keeps its source text: {@code label: 6.10} must stay "6.10", not become the float 6.1. */
    record Scalar(String text, Kind kind, int line) implements YamlNode {
        enum Kind { STRING, NUMBER, BOOLEAN, NULL }

        /** {@code key:} with nothing after it, or {@code ~}/{@code null}. */
        boolean isEmpty() {
            return kind == Kind.NULL || text.isEmpty();
        }

        @Override
        public String describe() {
            if (isEmpty()) {
                return "nothing";
            }
            return switch (kind) {
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                default -> "a string";
            };
        }
    }

    record Seq(List<YamlNode> items, int line) implements YamlNode {
        @Override
        public String describe() {
            return "a list";
        }
    }

    record Entry(String key, int keyLine, YamlNode value) {
    }

    record Mapping(Map<String, Entry> entries, int line) implements YamlNode {
        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** Parses one YAML document; {@code null} if it holds nothing (empty or only comments). */
    static YamlNode read(String yaml, Path file) {
        YAMLFactory factory = YAMLFactory.builder().build();
        try (YAMLParser p = (YAMLParser) factory.createParser(yaml)) {
            if (p.nextToken() == null) {
                return null;
            }
            YamlNode root = Reader.value(p, file);
            if (p.nextToken() != null) {
                throw BadInputException.at(file, Reader.line(p), "only one YAML document allowed (found a second one)");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw Reader.syntaxError(file, e);
        } catch (IOException e) {
            // Reading from a String: only here if Jackson reports a problem as a plain IOException.
            throw BadInputException.at(file, 0, "cannot parse YAML: " + Reader.oneLine(e.getMessage()));
        }
    }

    final class Reader {
        private Reader() {
        }

        static int line(JsonParser p) {
            return p.currentTokenLocation().getLineNr();
        }

        /** Reads the value at the current token, leaving the parser on its last token. */
        static YamlNode value(YAMLParser p, Path file) throws IOException {
            int line = line(p);
            JsonToken t = p.currentToken();
            switch (t) {
                case START_OBJECT -> {
                    Map<String, Entry> entries = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        int keyLine = line(p);
                        Entry first = entries.get(key);
                        if (first != null) {
                            throw BadInputException.at(file, keyLine,
                                    "duplicate key '" + key + "' (first at line " + first.keyLine() + ")");
                        }
                        p.nextToken();
                        entries.put(key, new Entry(key, keyLine, value(p, file)));
                    }
                    return new Mapping(Collections.unmodifiableMap(entries), line);
                }
                case START_ARRAY -> {
                    List<YamlNode> items = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        items.add(value(p, file));
                    }
                    return new Seq(List.copyOf(items), line);
                }
                default -> {
                    // Jackson hands an alias (*x) over as a string holding the anchor's name:
                    // silently wrong, so refuse it.
                    if (p.isCurrentAlias()) {
                        throw BadInputException.at(file, line, "YAML aliases are not supported (*" + p.getText() + ")");
                    }
                    Scalar.Kind kind = switch (t) {
                        case VALUE_STRING -> Scalar.Kind.STRING;
                        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Scalar.Kind.NUMBER;
                        case VALUE_TRUE, VALUE_FALSE -> Scalar.Kind.BOOLEAN;
                        case VALUE_NULL -> Scalar.Kind.NULL;
                        default -> throw BadInputException.at(file, line, "unsupported YAML content (" + t + ")");
                    };
                    String text = p.getText();
                    return new Scalar(text == null ? "" : text, kind, line);
                }
            }
        }

        /** SnakeYAML's messages span several lines with a caret drawing; the spec errors are one line. */
        static BadInputException syntaxError(Path file, JsonProcessingException e) {
            if (e.getCause() instanceof MarkedYAMLException m && m.getProblem() != null) {
                Mark problemMark = m.getProblemMark();
                Mark contextMark = m.getContextMark();
                int line = problemMark != null ? problemMark.getLine() + 1
                        : contextMark != null ? contextMark.getLine() + 1 : 0;
                StringBuilder msg = new StringBuilder(m.getProblem());
                if (m.getContext() != null) {
                    msg.append(" (").append(m.getContext());
                    if (contextMark != null && contextMark.getLine() + 1 != line) {
                        msg.append(" at line ").append(contextMark.getLine() + 1);
                    }
                    msg.append(')');
                }
                return BadInputException.at(file, line, "YAML syntax error: " + oneLine(msg.toString()));
            }
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : 0;
            String msg = e.getOriginalMessage() != null ? e.getOriginalMessage() : String.valueOf(e.getMessage());
            return BadInputException.at(file, Math.max(line, 0), "YAML syntax error: " + oneLine(msg));
        }

        static String oneLine(String s) {
            return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
        }
    }
}
