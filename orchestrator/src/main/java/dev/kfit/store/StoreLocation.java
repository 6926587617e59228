package dev.kfit.store;

import dev.kfit.error.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where the results store is. In order: {@code --db}, the environment variable {@value #ENV}, the
 * config file ({@code $XDG_CONFIG_HOME/kfit/db.conf}, else {@code ~/.config/kfit/db.conf}), and by
 * default the SQLite file {@value #FILE_NAME} beside the runs (in the parent of the run directory).
 * A value is a JDBC URL ({@code jdbc:postgresql://host:port/db}, {@code jdbc:sqlite:FILE}) or a
 * file path (an SQLite file).
 *
 * @param jdbcUrl  what the driver is given
 * @param user     PostgreSQL user (from the config file), or null (then the URL's, if any)
 * @param password PostgreSQL password (from the config file), or null
 * @param from     where this location was chosen ("--db", "KFIT_DB", the config file, "default")
 */
public record StoreLocation(String jdbcUrl, String user, String password, String from) {
    public static final String FILE_NAME = "kfit-results.db";
    public static final String ENV = "KFIT_DB";
    private static final List<String> CONFIG_KEYS = List.of("url", "user", "password");

    /** The kinds of store: one schema, a few dialect differences. */
    public enum Kind {
        SQLITE, POSTGRES
    }

    /** The store a value names: a JDBC URL of a supported database, or a path to an SQLite file. */
    public static StoreLocation of(String value, String from) {
        if (value == null || value.isBlank()) {
            throw new BadInputException(from + ": empty results store location");
        }
        String v = value.trim();
        if (v.startsWith("jdbc:postgresql:") || v.startsWith("jdbc:sqlite:")) {
            return new StoreLocation(v, null, null, from);
        }
        if (v.startsWith("jdbc:") || v.startsWith("postgres://") || v.startsWith("postgresql://")) {
            throw new BadInputException(from + " " + shown(v) + ": not a supported store (jdbc:postgresql://HOST[:PORT]/DB, jdbc:sqlite:FILE or a file path)");
        }
        return sqliteFile(Path.of(v), from);
    }

    public static StoreLocation sqliteFile(Path file, String from) {
        return new StoreLocation("jdbc:sqlite:" + file.toAbsolutePath().normalize(), null, null, from);
    }

    /**
     * The store for runs kept in {@code runsDir}: {@code option} if given, else {@value #ENV}, else the
     * config file, else {@code runsDir/}{@value #FILE_NAME}.
     */
    public static StoreLocation resolve(String option, Path runsDir) {
        return resolve(option, runsDir, System::getenv, defaultConfigFile());
    }

    static StoreLocation resolve(String option, Path runsDir, Function<String, String> env, Path configFile) {
        if (option != null) {
            return of(option, "--db");
        }
        String fromEnv = env.apply(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return of(fromEnv, ENV);
        }
        if (configFile != null && Files.isRegularFile(configFile)) {
            return readConfig(configFile);
        }
        return sqliteFile(runsDir.resolve(FILE_NAME), "default");
    }

    static Path defaultConfigFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("kfit").resolve("db.conf");
    }

    /**
     * A config file: {@code key = value} lines, {@code #} comments; keys {@code url} (required),
     * {@code user}, {@code password}. Unknown and duplicate keys are errors naming the file and line.
     */
    static StoreLocation readConfig(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String where = file + ":" + (i + 1);
            if (eq < 0) {
                throw new BadInputException(where + ": expected key = value");
            }
            String key = line.substring(0, eq).strip();
            if (!CONFIG_KEYS.contains(key)) {
                throw new BadInputException(where + ": unknown key '" + key + "' (known: " + String.join(", ", CONFIG_KEYS) + ")");
            }
            if (values.putIfAbsent(key, line.substring(eq + 1).strip()) != null) {
                throw new BadInputException(where + ": duplicate key '" + key + "'");
            }
        }
        if (!values.containsKey("url")) {
            throw new BadInputException(file + ": no url = ... line");
        }
        StoreLocation at = of(values.get("url"), file.toString());
        return new StoreLocation(at.jdbcUrl(), values.get("user"), values.get("password"), file.toString());
    }

    public Kind kind() {
        return jdbcUrl.startsWith("jdbc:postgresql:") ? Kind.POSTGRES : Kind.SQLITE;
    }

    /** The SQLite file, or null for a server. */
    public Path file() {
        return kind() == Kind.SQLITE ? Path.of(jdbcUrl.substring("jdbc:sqlite:".length())) : null;
    }

    /** For messages: the URL without a password. */
    @Override
    public String toString() {
        return shown(jdbcUrl);
    }

    private static String shown(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
