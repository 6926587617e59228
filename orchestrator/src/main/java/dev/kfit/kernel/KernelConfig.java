package dev.kfit.kernel;

import dev.kfit.error.BadInputException;
import dev.kfit.error.InfraException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What config fragments require, and the check that the final .config has it:
 * {@code make olddefconfig} silently drops an option whose dependencies are missing.
 */
public final class KernelConfig {
    private static final Pattern SET = Pattern.compile("^(CONFIG_[A-Za-z0-9_]+)=(.*)$");
    private static final Pattern UNSET = Pattern.compile("^# (CONFIG_[A-Za-z0-9_]+) is not set$");

    private KernelConfig() {
    }

    /** option -> required value ("n" for "is not set"), with the fragment that asked for it. */
    public record Requirement(String option, String value, Path fragment, int line) {
    }

    public static List<Requirement> requirements(List<Path> fragments) {
        Map<String, Requirement> out = new LinkedHashMap<>();
        for (Path f : fragments) {
            List<String> lines = read(f);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                Matcher s = SET.matcher(line);
                Matcher u = UNSET.matcher(line);
                if (s.matches()) {
                    out.put(s.group(1), new Requirement(s.group(1), s.group(2), f, i + 1));
                } else if (u.matches()) {
                    out.put(u.group(1), new Requirement(u.group(1), "n", f, i + 1));
                } else if (!line.isEmpty() && !line.startsWith("#")) {
                    throw BadInputException.at(f, i + 1, "not a kernel config line: '" + line + "'");
                }
            }
        }
        return List.copyOf(out.values());
    }

    /** Throws naming every required option the final .config lacks, and the fragment that wanted it. */
    public static void check(Path dotConfig, List<Requirement> required) {
        Map<String, String> actual = new LinkedHashMap<>();
        for (String line : read(dotConfig)) {
            Matcher s = SET.matcher(line);
            if (s.matches()) {
                actual.put(s.group(1), s.group(2));
            }
        }
        List<String> missing = new ArrayList<>();
        for (Requirement r : required) {
            String have = actual.getOrDefault(r.option(), "n");
            if (!have.equals(r.value())) {
                missing.add(r.option() + "=" + r.value() + " (" + r.fragment().getFileName() + ":" + r.line()
                        + ", final .config has " + (have.equals("n") ? "it unset" : have) + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new BadInputException("kernel config: olddefconfig dropped required options, probably for a missing"
                    + " dependency: " + String.join("; ", missing));
        }
    }

    private static List<String> read(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (IOException e) {
            throw new InfraException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
