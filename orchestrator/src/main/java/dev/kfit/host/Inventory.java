package dev.kfit.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kfit.error.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads the hosts of an Ansible inventory. Ansible itself parses the file ({@code ansible-inventory --list}),
 * so every format and plugin it knows works and kfit agrees with the playbooks that provisioned the hosts.
 *
 * <p>Variables per host: {@code ansible_host} (default: the inventory name), {@code ansible_port} (22),
 * {@code ansible_user} (root), {@code ansible_ssh_private_key_file} (required), {@code kfit_known_hosts}
 * (~/.ssh/known_hosts), {@code kfit_link_address} (ansible_host), {@code kfit_cores}, {@code kfit_memory_mb}.
 * Relative paths are relative to the inventory file's directory.
 */
public final class Inventory {
    public static final String DEFAULT_GROUP = "kfit_hosts";
    static final Duration ANSIBLE_TIMEOUT = Duration.ofSeconds(60);
    private static final String ANSIBLE_INVENTORY = "ansible-inventory";

    private Inventory() {
    }

    /** The hosts of group {@value #DEFAULT_GROUP}. */
    public static List<HostEntry> read(Path inventory) {
        return read(inventory, DEFAULT_GROUP);
    }

    /** The hosts of {@code group} and of its child groups, in inventory order. */
    public static List<HostEntry> read(Path inventory, String group) {
        if (!Files.isRegularFile(inventory) || !Files.isReadable(inventory)) {
            throw new BadInputException("inventory " + inventory + ": no such readable file");
        }
        JsonNode list = list(inventory);
        Set<String> names = new LinkedHashSet<>();
        collect(list, group, names, new LinkedHashSet<>());
        if (names.isEmpty()) {
            throw new BadInputException("inventory " + inventory + ": no hosts in group " + group);
        }
        Path base = inventory.toAbsolutePath().getParent();
        JsonNode hostvars = list.path("_meta").path("hostvars");
        List<HostEntry> entries = new ArrayList<>();
        for (String name : names) {
            entries.add(entry(inventory, base, name, hostvars.path(name)));
        }
        return List.copyOf(entries);
    }

    private static HostEntry entry(Path inventory, Path base, String name, JsonNode vars) {
        String where = "inventory " + inventory + ": host " + name + ": ";
        String address = text(vars, "ansible_host", name);
        int port = number(where, vars, "ansible_port", 22L).intValue();
        String user = text(vars, "ansible_user", "root");
        String key = text(vars, "ansible_ssh_private_key_file", null);
        if (key == null) {
            throw new BadInputException(where + "ansible_ssh_private_key_file is required (kfit logs in with keys only)");
        }
        Path privateKey = resolve(base, key);
        if (!Files.isRegularFile(privateKey) || !Files.isReadable(privateKey)) {
            throw new BadInputException(where + "private key file " + privateKey + " is missing or unreadable");
        }
        Path knownHosts = resolve(base, text(vars, "kfit_known_hosts",
                Path.of(System.getProperty("user.home"), ".ssh", "known_hosts").toString()));
        if (!Files.isRegularFile(knownHosts) || !Files.isReadable(knownHosts)) {
            throw new BadInputException(where + "known_hosts file " + knownHosts
                    + " is missing or unreadable (set kfit_known_hosts, or ssh-keyscan the host into it)");
        }
        Long cores = number(where, vars, "kfit_cores", null);
        Long memoryMb = number(where, vars, "kfit_memory_mb", null);
        try {
            return new HostEntry(name, address, port, user, privateKey, knownHosts,
                    text(vars, "kfit_link_address", address), cores == null ? null : Math.toIntExact(cores), memoryMb);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new BadInputException("inventory " + inventory + ": " + e.getMessage(), e);
        }
    }

    /** Group membership is inherited: a child group's hosts belong to the parent too. */
    private static void collect(JsonNode list, String group, Set<String> hosts, Set<String> seen) {
        if (!seen.add(group)) {
            return;
        }
        JsonNode g = list.path(group);
        g.path("hosts").forEach(h -> hosts.add(h.asText()));
        g.path("children").forEach(c -> collect(list, c.asText(), hosts, seen));
    }

    private static JsonNode list(Path inventory) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("kfit-inventory-", ".json");
            err = Files.createTempFile("kfit-inventory-", ".err");
            ProcessBuilder pb = new ProcessBuilder(ANSIBLE_INVENTORY, "-i", inventory.toString(), "--list")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            // By default a file Ansible cannot parse is a warning and an empty inventory: make it an error.
            pb.environment().putAll(Map.of("ANSIBLE_INVENTORY_UNPARSED_FAILED", "True",
                    "ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "True", "ANSIBLE_NOCOLOR", "True"));
            Process p = pb.start();
            if (!p.waitFor(ANSIBLE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LocalHost.killTree(p.toHandle());
                throw new BadInputException("inventory " + inventory + ": ansible-inventory did not finish within "
                        + ANSIBLE_TIMEOUT.toSeconds() + " s");
            }
            if (p.exitValue() != 0) {
                throw new BadInputException("inventory " + inventory + ": ansible-inventory failed (exit status "
                        + p.exitValue() + "): " + oneLine(LocalHost.tail(err, 2000)));
            }
            return new ObjectMapper().readTree(out.toFile());
        } catch (IOException e) {
            throw new BadInputException("inventory " + inventory + ": cannot run ansible-inventory (is Ansible installed?): "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadInputException("inventory " + inventory + ": interrupted while reading it", e);
        } finally {
            for (Path f : new Path[] {out, err}) {
                if (f != null) {
                    try {
                        Files.deleteIfExists(f);
                    } catch (IOException ignored) {
                        // a leftover temp file is harmless
                    }
                }
            }
        }
    }

    private static String text(JsonNode vars, String key, String dflt) {
        JsonNode v = vars.get(key);
        return v == null || v.isNull() || v.asText().isBlank() ? dflt : v.asText().strip();
    }

    /** INI values arrive as numbers, YAML ones may be quoted strings: accept both. */
    private static Long number(String where, JsonNode vars, String key, Long dflt) {
        JsonNode v = vars.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        try {
            return Long.parseLong(v.asText().strip());
        } catch (NumberFormatException e) {
            throw new BadInputException(where + key + " is not a whole number: " + v.asText());
        }
    }

    private static Path resolve(Path base, String path) {
        String p = path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
        return base.resolve(p).normalize();
    }

    private static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\n\\s*", " | ");
    }
}
