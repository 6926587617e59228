package dev.kfit.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** kfit-guest.c, guest-images/tools/events.json and {@link GuestEvents} name the same events and fields. */
class GuestEventsSchemaTest {
    private static final Path TOOLS = Path.of("..", "guest-images", "tools");
    /** {@code event("NAME", "..." "..."} or {@code event("NAME", NULL}: the format may be several adjacent literals. */
    private static final Pattern EVENT = Pattern.compile("\\bevent\\(\\s*\"(\\w+)\"\\s*,\\s*((?:\"(?:[^\"\\\\]|\\\\.)*\"\\s*)+|NULL)");
    private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    /** A field in a C format string: {@code \"name\":}. */
    private static final Pattern FIELD = Pattern.compile("\\\\\"(\\w+)\\\\\":");

    /** Each event name the C source prints, with every field any of its calls prints. */
    static Map<String, Set<String>> emitted(String c) {
        Map<String, Set<String>> events = new LinkedHashMap<>();
        Matcher m = EVENT.matcher(c);
        while (m.find()) {
            StringBuilder format = new StringBuilder();
            Matcher lit = LITERAL.matcher(m.group(2));
            while (lit.find()) {
                format.append(lit.group(1));
            }
            Set<String> fields = events.computeIfAbsent(m.group(1), k -> new LinkedHashSet<>());
            Matcher f = FIELD.matcher(format);
            while (f.find()) {
                fields.add(f.group(1));
            }
        }
        return events;
    }

    static Map<String, Set<String>> schema() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TOOLS.resolve("events.json").toFile());
        Map<String, Set<String>> events = new LinkedHashMap<>();
        root.get("events").fields().forEachRemaining(e -> {
            Set<String> fields = new LinkedHashSet<>();
            e.getValue().get("fields").fieldNames().forEachRemaining(fields::add);
            events.put(e.getKey(), fields);
        });
        return events;
    }

    @Test
    void theSchemaListsExactlyTheEventsAndFieldsTheGuestToolPrints() throws IOException {
        Map<String, Set<String>> c = emitted(Files.readString(TOOLS.resolve("kfit-guest.c")));
        Map<String, Set<String>> schema = schema();

        assertThat(c).as("events parsed from kfit-guest.c").isNotEmpty().containsKeys("registered", "wc", "tick");
        assertThat(schema.keySet()).as("event names: events.json against kfit-guest.c")
                .containsExactlyInAnyOrderElementsOf(c.keySet());
        for (String name : c.keySet()) {
            assertThat(schema.get(name)).as("fields of event '%s': events.json against kfit-guest.c", name)
                    .containsExactlyInAnyOrderElementsOf(c.get(name));
        }
    }

    @Test
    void theJavaConstantsAreTheSchemasNames() throws IOException, IllegalAccessException {
        List<String> constants = new ArrayList<>();
        for (Field f : GuestEvents.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String value = (String) f.get(null);
                assertThat(f.getName()).as("constant of '%s'", value).isEqualTo(value.toUpperCase(java.util.Locale.ROOT));
                constants.add(value);
            }
        }
        assertThat(constants).containsExactlyInAnyOrderElementsOf(schema().keySet());
        assertThat(GuestEvents.ALL).containsExactlyElementsOf(schema().keySet());
    }

    @Test
    void theParserSeesFormatsSplitOverLinesAndEventsWithoutFields() {
        String c = "event(\"qp_ready\", \"\\\"qpn\\\":%u,\"\n\t\t\"\\\"peer_gid\\\":\\\"%s\\\"\", qpn, gid);\n"
                + "event(\"now\", NULL);";
        assertThat(emitted(c)).containsEntry("qp_ready", Set.of("qpn", "peer_gid")).containsEntry("now", Set.of());
    }
}
