package dev.kfit.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * KernelCI's KCIDB I/O schema v5.3 as published (kcidb-io, schema/v05_03), written down here as a
 * table: for each kind of object, the fields it may have, which of them it must have, and what
 * each must look like. Every object forbids fields it does not list ("additionalProperties":
 * false), except the free-form {@code misc}. On top of the schema, one rule its description states
 * and this checks everywhere, misc included: no value is null.
 *
 * <p>Our own encoding, for tests: {@link #problems(JsonNode)} lists what a document breaks, empty when it
 * conforms. Formats are checked the way JSON Schema defines them: "uri" an absolute URI, "date-time"
 * RFC 3339, "email" an address with an '@'.
 */
final class KcidbV53Rules {
    static final int MAJOR = 5;
    static final int MINOR = 3;

    private static final Pattern ORIGIN = Pattern.compile("^[a-z0-9_]+$");
    private static final Pattern ORIGIN_ID = Pattern.compile("^[a-z0-9_]+:.*$", Pattern.DOTALL);
    private static final Pattern NO_NUL = Pattern.compile("^[^\\x00]*$");
    private static final Pattern PATH = Pattern.compile("^([a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*)?$");
    private static final Pattern SHA256_OR_EMPTY = Pattern.compile("^$|^[0-9a-f]{64}$");
    private static final Pattern GIT_COMMIT_HASH = Pattern.compile("^[0-9a-f]{40}$");
    private static final Pattern GIT_REPOSITORY_URL = Pattern.compile("^(https|git)://.*$");
    private static final Pattern ARCHITECTURE = Pattern.compile("^[a-z0-9_]*$");
    private static final Pattern RESOURCE_NAME = Pattern.compile("^[^/\\x00]+$");
    private static final Pattern COMPATIBLE = Pattern.compile("^[^ \\x00]+(,[^ \\x00]+)*$");
    static final Set<String> STATUSES = Set.of("FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP");
    private static final int EXCERPT_MAX = 16384;

    /** What one field's value must be. */
    private interface Rule {
        void check(JsonNode value, String where, List<String> problems);
    }

    /** A kind of object: its fields' rules, in the schema's order, and the required ones. */
    private record Kind(String name, Map<String, Rule> fields, Set<String> required) {
    }

    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        Rule id = string(ORIGIN_ID, "an id (origin:...)");
        Rule origin = string(ORIGIN, "an origin ([a-z0-9_]+)");
        Rule text = string(NO_NUL, "text without NUL");
        Rule dateTime = KcidbV53Rules::dateTime;
        Rule uri = KcidbV53Rules::uri;
        Rule excerpt = (v, w, p) -> {
            text.check(v, w, p);
            if (v.isTextual() && v.asText().codePointCount(0, v.asText().length()) > EXCERPT_MAX) {
                p.add(w + ": longer than " + EXCERPT_MAX + " characters");
            }
        };
        Rule status = (v, w, p) -> {
            if (!v.isTextual() || !STATUSES.contains(v.asText())) {
                p.add(w + ": status " + v + " is not one of " + STATUSES);
            }
        };
        Rule resources = arrayOf(kind("resource"));
        Rule misc = object();

        kind("resource", Set.of("name", "url"), Map.of(
                "name", string(RESOURCE_NAME, "a file name"),
                "url", uri));
        kind("checkout", Set.of("id", "origin"), fields(
                "_timestamp", dateTime, "id", id, "origin", origin, "tree_name", text,
                "git_repository_url", all(uri, string(GIT_REPOSITORY_URL, "an https:// or git:// URL")),
                "git_commit_hash", string(GIT_COMMIT_HASH, "a commit hash"), "git_commit_name", text,
                "git_commit_tags", arrayOf(text), "git_commit_message", text, "git_repository_branch", text,
                "git_repository_branch_tip", bool(), "patchset_files", resources,
                "patchset_hash", string(SHA256_OR_EMPTY, "a sha256 or empty"),
                "message_id", (Rule) KcidbV53Rules::email, "comment", text, "start_time", dateTime,
                "origin_builds_finish_time", dateTime, "origin_tests_finish_time", dateTime,
                "log_url", uri, "log_excerpt", excerpt, "valid", bool(), "misc", misc));
        kind("build", Set.of("checkout_id", "id", "origin"), fields(
                "_timestamp", dateTime, "checkout_id", id, "id", id, "origin", origin, "comment", text,
                "start_time", dateTime, "duration", number(), "architecture", string(ARCHITECTURE, "an architecture"),
                "command", text, "compiler", text, "input_files", resources, "output_files", resources,
                "config_name", text, "config_url", uri, "log_url", uri, "log_excerpt", excerpt,
                "status", status, "misc", misc));
        kind("environment", Set.of(), fields(
                "compatible", arrayOf(string(COMPATIBLE, "a compatible string")), "comment", text, "misc", misc));
        kind("number", Set.of("value"), fields(
                "value", number(), "unit", text,
                "prefix", (Rule) (v, w, p) -> {
                    if (!v.isTextual() || !Set.of("metric", "binary").contains(v.asText())) {
                        p.add(w + ": prefix " + v + " is neither metric nor binary");
                    }
                }));
        kind("test", Set.of("build_id", "id", "origin"), fields(
                "_timestamp", dateTime, "build_id", id, "id", id, "origin", origin,
                "environment", kind("environment"), "path", string(PATH, "a dot-separated path"), "comment", text,
                "log_url", uri, "log_excerpt", excerpt, "status", status, "number", kind("number"),
                "start_time", dateTime, "duration", number(), "input_files", resources, "output_files", resources,
                "misc", misc));
        kind("culprit", Set.of(), fields("code", bool(), "tool", bool(), "harness", bool()));
        kind("issue", Set.of("id", "version", "origin"), fields(
                "_timestamp", dateTime, "id", id, "version", integer(0, Integer.MAX_VALUE), "origin", origin,
                "categories", arrayOf(string(PATH, "a dot-separated path")), "report_url", uri,
                "report_subject", text, "culprit", kind("culprit"), "comment", text, "misc", misc));
        kind("incident", Set.of("id", "origin", "issue_id", "issue_version"), fields(
                "_timestamp", dateTime, "id", id, "origin", origin, "issue_id", id,
                "issue_version", integer(0, Integer.MAX_VALUE), "build_id", id, "test_id", id,
                "present", bool(), "comment", text, "misc", misc));
        kind("version", Set.of("major"), fields(
                "major", integer(MAJOR, MAJOR), "minor", integer(0, MINOR)));
        kind("document", Set.of("version"), fields(
                "version", kind("version"), "checkouts", arrayOf(kind("checkout")), "builds", arrayOf(kind("build")),
                "tests", arrayOf(kind("test")), "issues", arrayOf(kind("issue")), "incidents", arrayOf(kind("incident"))));
    }

    private KcidbV53Rules() {
    }

    /** Everything the document breaks, one line each naming where; empty when it conforms. */
    static List<String> problems(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        kind("document").check(doc, "$", problems);
        noNulls(doc, "$", problems);
        return problems;
    }

    /** The fields a kind of object may have, for tests that look at one. */
    static Set<String> allowed(String kind) {
        return KINDS.get(kind).fields().keySet();
    }

    private static void kind(String name, Set<String> required, Map<String, Rule> fields) {
        KINDS.put(name, new Kind(name, fields, required));
    }

    /** A rule checking an object against the kind of that name (looked up when checking, so kinds can refer ahead). */
    private static Rule kind(String name) {
        return (v, w, p) -> {
            Kind k = KINDS.get(name);
            if (!v.isObject()) {
                p.add(w + ": a " + name + " must be an object, not " + v.getNodeType());
                return;
            }
            for (String r : k.required()) {
                if (!v.has(r)) {
                    p.add(w + ": a " + name + " needs '" + r + "'");
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                Rule rule = k.fields().get(f.getKey());
                if (rule == null) {
                    p.add(w + ": '" + f.getKey() + "' is not a field of a " + name + " in KCIDB v5.3");
                } else if (!f.getValue().isNull()) {
                    rule.check(f.getValue(), w + "." + f.getKey(), p);
                }
            }
        };
    }

    private static Map<String, Rule> fields(Object... nameAndRule) {
        Map<String, Rule> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndRule.length; i += 2) {
            m.put((String) nameAndRule[i], (Rule) nameAndRule[i + 1]);
        }
        return m;
    }

    private static Rule string(Pattern pattern, String what) {
        return (v, w, p) -> {
            if (!v.isTextual()) {
                p.add(w + ": must be a string, not " + v.getNodeType());
            } else if (!pattern.matcher(v.asText()).matches()) {
                p.add(w + ": '" + abbreviate(v.asText()) + "' is not " + what);
            }
        };
    }

    private static Rule all(Rule... rules) {
        return (v, w, p) -> {
            for (Rule r : rules) {
                r.check(v, w, p);
            }
        };
    }

    private static Rule arrayOf(Rule item) {
        return (v, w, p) -> {
            if (!v.isArray()) {
                p.add(w + ": must be an array, not " + v.getNodeType());
                return;
            }
            for (int i = 0; i < v.size(); i++) {
                item.check(v.get(i), w + "[" + i + "]", p);
            }
        };
    }

    private static Rule object() {
        return (v, w, p) -> {
            if (!v.isObject()) {
                p.add(w + ": must be an object, not " + v.getNodeType());
            }
        };
    }

    private static Rule bool() {
        return (v, w, p) -> {
            if (!v.isBoolean()) {
                p.add(w + ": must be a boolean, not " + v.getNodeType());
            }
        };
    }

    private static Rule number() {
        return (v, w, p) -> {
            if (!v.isNumber()) {
                p.add(w + ": must be a number, not " + v.getNodeType());
            }
        };
    }

    private static Rule integer(int min, int max) {
        return (v, w, p) -> {
            if (!v.isIntegralNumber()) {
                p.add(w + ": must be an integer, not " + v);
            } else if (v.asLong() < min || v.asLong() > max) {
                p.add(w + ": " + v + " is outside " + min + ".." + max);
            }
        };
    }

    private static void dateTime(JsonNode v, String w, List<String> p) {
        try {
            OffsetDateTime.parse(v.asText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            if (!v.isTextual()) {
                p.add(w + ": a date-time must be a string");
            }
        } catch (DateTimeParseException e) {
            p.add(w + ": '" + v.asText() + "' is not an RFC 3339 date-time");
        }
    }

    private static void uri(JsonNode v, String w, List<String> p) {
        try {
            if (!v.isTextual() || !new URI(v.asText()).isAbsolute()) {
                p.add(w + ": '" + v.asText() + "' is not an absolute URI");
            }
        } catch (URISyntaxException e) {
            p.add(w + ": '" + v.asText() + "' is not a URI: " + e.getMessage());
        }
    }

    private static void email(JsonNode v, String w, List<String> p) {
        if (!v.isTextual() || !v.asText().matches("^[^@\\s]+@[^@\\s]+$")) {
            p.add(w + ": '" + v.asText() + "' is not an e-mail address");
        }
    }

    private static void noNulls(JsonNode v, String w, List<String> p) {
        if (v.isNull()) {
            p.add(w + ": is null (KCIDB: no properties can be null; leave the field out)");
        } else if (v.isObject()) {
            v.fields().forEachRemaining(f -> noNulls(f.getValue(), w + "." + f.getKey(), p));
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                noNulls(v.get(i), w + "[" + i + "]", p);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
