package dev.kfit.store;

import dev.kfit.error.BadInputException;
import dev.kfit.report.CellResult;
import dev.kfit.report.Results;
import dev.kfit.run.RunLayout;
import dev.kfit.verdict.Measurement;
import dev.kfit.verdict.Verdict;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The results store: every finished run, its cells, their measurements and splats, in an SQLite file
 * or on a PostgreSQL server (see {@link StoreLocation}), through one schema ({@link Schema}).
 * Recording a run replaces what the store held for it, in one transaction: recording the same run
 * twice (at its end, then by {@code kfit import}; or a resumed run) never duplicates it.
 *
 * <pre>
 * try (ResultsStore store = ResultsStore.open(StoreLocation.resolve(null, runs))) {
 *     store.record(new RunLayout(runDir));
 *     Trend t = store.trend(new ResultsStore.Query(null, "6.12", null));
 * }
 * </pre>
 */
public final class ResultsStore implements AutoCloseable {
    /** Bound on connecting to a server and on any one statement's wait for the network. */
    static final int CONNECT_TIMEOUT_S = 10;
    static final int SOCKET_TIMEOUT_S = 120;
    /** How long SQLite waits for another kfit's write to end. */
    static final int SQLITE_BUSY_TIMEOUT_MS = 30_000;

    private final Connection db;
    private final StoreLocation where;

    private ResultsStore(Connection db, StoreLocation where) {
        this.db = db;
        this.where = where;
    }

    /** A filter on what {@link #trend} reads; null fields do not filter. */
    public record Query(String since, String kernel, String scenario) {
        /** {@code since} must be a date (YYYY-MM-DD) or an ISO-8601 instant. */
        public Query {
            if (since != null) {
                try {
                    if (since.length() == 10) {
                        LocalDate.parse(since);
                    } else {
                        since = Instant.parse(since).toString();
                    }
                } catch (DateTimeParseException e) {
                    throw new BadInputException("--since " + since + ": expected a date, YYYY-MM-DD (or an ISO-8601 UTC time)");
                }
            }
        }

        public static Query all() {
            return new Query(null, null, null);
        }
    }

    /** A recorded run as the store knows it. {@code dir} is a path on the machine {@code recordedOn}. */
    public record StoredRun(String runKey, String dir, String recordedOn, String startedAt, String specSha256, int cells) {
    }

    /** Which earlier runs are the same nightly: those of the same spec text, or of the same nightly name (null: none). */
    public record Lineage(String specSha256, String nightly) {
    }

    /** What {@link #record} wrote. */
    public record Recorded(String runKey, int cells, int measurements, int splats, boolean replaced) {
    }

    /** Opens (creating an SQLite file and its directory if needed) and migrates the store. */
    public static ResultsStore open(StoreLocation where) {
        Connection c = null;
        try {
            if (where.kind() == StoreLocation.Kind.SQLITE) {
                Files.createDirectories(where.file().toAbsolutePath().getParent());
                Properties p = new Properties();
                // Every transaction takes the write lock when it begins, so two kfits recording at
                // once queue (up to the busy timeout) instead of one failing half way.
                p.setProperty("transaction_mode", "IMMEDIATE");
                p.setProperty("busy_timeout", Integer.toString(SQLITE_BUSY_TIMEOUT_MS));
                p.setProperty("foreign_keys", "true");
                c = DriverManager.getConnection(where.jdbcUrl(), p);
            } else {
                DriverManager.setLoginTimeout(CONNECT_TIMEOUT_S);
                Properties p = new Properties();
                if (where.user() != null) {
                    p.setProperty("user", where.user());
                }
                if (where.password() != null) {
                    p.setProperty("password", where.password());
                }
                p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_S));
                p.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_S));
                p.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_S));
                p.setProperty("ApplicationName", "kfit");
                c = DriverManager.getConnection(where.jdbcUrl(), p);
            }
            try {
                Schema.migrate(c, where.toString());
            } catch (SQLException first) {
                // Another kfit may have created the tables at the same moment: once more, now finding them.
                Schema.migrate(c, where.toString());
            }
            return new ResultsStore(c, where);
        } catch (SQLException | IOException | RuntimeException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("results store " + where + " (" + where.from() + "): cannot open: " + e.getMessage(), e);
        }
    }

    public StoreLocation location() {
        return where;
    }

    /** The key a run directory is recorded under: this machine's name and the directory's absolute path. */
    public static String runKey(Path dir) {
        return runKey(machine(), dir.toAbsolutePath().normalize().toString());
    }

    static String runKey(String machine, String dir) {
        return machine + ":" + dir;
    }

    static String machine() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "localhost" : env;
        }
    }

    /** SHA-256 of a spec's text: runs of the same spec.yaml share it. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records a run directory (its results.json and spec.yaml). */
    public Recorded record(RunLayout run) {
        Results results = run.readResults();
        String spec = null;
        try {
            if (Files.isRegularFile(run.spec())) {
                spec = Files.readString(run.spec());
            }
        } catch (IOException e) {
            throw new StoreException("cannot read " + run.spec() + ": " + e.getMessage(), e);
        }
        return record(machine(), run.dir().toAbsolutePath().normalize().toString(), spec, results);
    }

    /**
     * Records {@code results} of the run in {@code dir} on {@code machine}, replacing whatever was
     * recorded for that directory of that machine before.
     */
    public Recorded record(String machine, String dir, String specText, Results results) {
        String runKey = runKey(machine, dir);
        Results.RunInfo info = results.run();
        if (info == null || info.startedAt() == null) {
            throw new BadInputException(dir + "/results.json: no run.started_at; not a finished kfit run");
        }
        if (info.shard() != null) {
            // Its cells come back in the merged run: recording both would count them twice.
            throw new BadInputException(dir + ": shard " + info.shard() + " of a run; record the run kfit merge made of the shards");
        }
        Map<String, Results.KernelInfo> kernels = new HashMap<>();
        if (info.kernels() != null) {
            info.kernels().forEach(k -> kernels.put(k.label(), k));
        }
        return inTransaction(() -> {
            boolean replaced;
            try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM runs WHERE run_key = ?")) {
                q.setString(1, runKey);
                try (ResultSet rs = q.executeQuery()) {
                    replaced = rs.next();
                }
            }
            for (String table : List.of("measurements", "splats", "cells", "runs")) {
                try (PreparedStatement d = db.prepareStatement("DELETE FROM " + table + " WHERE run_key = ?")) {
                    d.setString(1, runKey);
                    d.executeUpdate();
                }
            }
            try (PreparedStatement r = db.prepareStatement("INSERT INTO runs (run_key, dir, recorded_on, spec_file, spec_sha256,"
                    + " started_at, host, qemu, accel, shard, recorded_at, nightly) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = 0;
                r.setString(++i, runKey);
                r.setString(++i, dir);
                r.setString(++i, machine);
                r.setString(++i, info.spec());
                r.setString(++i, specText == null ? null : sha256(specText));
                r.setString(++i, info.startedAt());
                r.setString(++i, info.host());
                r.setString(++i, info.qemu());
                r.setString(++i, info.accel());
                r.setString(++i, info.shard());
                r.setString(++i, Instant.now().toString());
                r.setString(++i, info.nightly());
                r.executeUpdate();
            }
            int nm = 0;
            int ns = 0;
            try (PreparedStatement ci = db.prepareStatement("INSERT INTO cells (run_key, cell_id, kernel_line, kernel, kernel_version,"
                    + " scenario, repetition, verdict, started_at, duration_s, attempts, error, patchset, patches)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                 PreparedStatement mi = db.prepareStatement("INSERT INTO measurements (run_key, cell_id, name, unit, value) VALUES (?, ?, ?, ?, ?)");
                 PreparedStatement si = db.prepareStatement("INSERT INTO splats (run_key, cell_id, seq, type, title, guest) VALUES (?, ?, ?, ?, ?, ?)")) {
                for (CellResult c : results.cells()) {
                    Results.KernelInfo k = kernels.get(c.kernel());
                    int i = 0;
                    ci.setString(++i, runKey);
                    ci.setString(++i, c.id());
                    ci.setString(++i, kernelLine(c, k));
                    ci.setString(++i, c.kernel());
                    ci.setString(++i, c.kernelVersion() != null ? c.kernelVersion() : k == null ? null : k.kernelVersion());
                    ci.setString(++i, c.scenario());
                    ci.setInt(++i, c.repetition());
                    ci.setString(++i, c.verdict());
                    ci.setString(++i, c.startedAt());
                    ci.setDouble(++i, c.durationS());
                    ci.setInt(++i, c.attempts());
                    ci.setString(++i, c.error());
                    ci.setString(++i, k == null ? null : k.patchsetHash());
                    List<String> names = patchNames(c, k);
                    ci.setString(++i, names == null ? null : String.join("\n", names));
                    ci.addBatch();
                    java.util.Set<String> measured = new java.util.HashSet<>();
                    for (Measurement m : c.measured()) {
                        if (!measured.add(m.name())) {
                            continue; // a name is unique within a cell; a repeated one is not stored twice
                        }
                        mi.setString(1, runKey);
                        mi.setString(2, c.id());
                        mi.setString(3, m.name());
                        mi.setString(4, m.unit());
                        mi.setDouble(5, m.value());
                        mi.addBatch();
                        nm++;
                    }
                    int seq = 0;
                    for (CellResult.SplatResult s : c.splats() == null ? List.<CellResult.SplatResult>of() : c.splats()) {
                        si.setString(1, runKey);
                        si.setString(2, c.id());
                        si.setInt(3, seq++);
                        si.setString(4, s.type());
                        si.setString(5, s.title());
                        si.setString(6, s.guest());
                        si.addBatch();
                        ns++;
                    }
                }
                ci.executeBatch();
                mi.executeBatch();
                si.executeBatch();
            }
            return new Recorded(runKey, results.cells().size(), nm, ns, replaced);
        }, "record run " + dir);
    }

    /**
     * The kernel line of a cell: its kernel's source (debian:linux-source-6.12, dir:…), else its label.
     * A Debian source is recorded with the package version it resolved to
     * (debian:linux-source-6.12=6.12.117-1); the line is the package, so that a new upload is a
     * version change on the line rather than a new line.
     */
    static String kernelLine(CellResult c, Results.KernelInfo k) {
        String source = c.kernelSource() != null && !c.kernelSource().isBlank() ? c.kernelSource()
                : k != null && k.source() != null && !k.source().isBlank() ? k.source() : null;
        if (source == null) {
            return c.kernel();
        }
        int eq = source.indexOf('=');
        return source.startsWith("debian:") && eq > 0 ? source.substring(0, eq) : source;
    }

    /** The file names of the patches the cell's kernel was built with, in order; null when not known. */
    static List<String> patchNames(CellResult c, Results.KernelInfo k) {
        if (k != null && k.patchset() != null) {
            return k.patchset().stream().map(dev.kfit.kernel.KernelBuild.AppliedPatch::name).toList();
        }
        List<String> p = k != null && k.patches() != null ? k.patches() : c.patches();
        return p == null ? null : p.stream().map(n -> Path.of(n).getFileName().toString()).toList();
    }

    /** Every recorded run, oldest first. */
    public List<StoredRun> runs() {
        return query("list runs", "SELECT r.run_key, r.dir, r.recorded_on, r.started_at, r.spec_sha256,"
                + " (SELECT COUNT(*) FROM cells c WHERE c.run_key = r.run_key) FROM runs r ORDER BY r.started_at, r.run_key",
                List.of(), ResultsStore::storedRun);
    }

    /**
     * The newest run of the same spec (same spec.yaml text) that started before {@code before}, has
     * cells and is not {@code excludeKey}: the previous night of a nightly.
     */
    public Optional<StoredRun> previous(String specSha256, String before, String excludeKey) {
        return earlier(new Lineage(specSha256, null), before, excludeKey, 1).stream().findFirst();
    }

    /**
     * Up to {@code limit} runs of the same lineage before {@code before}, newest first: of the same
     * spec text, or nights of the same nightly (whose spec may have changed: a patch added tonight).
     */
    public List<StoredRun> earlier(Lineage lineage, String before, String excludeKey, int limit) {
        // No "nightly = NULL" parameter: PostgreSQL cannot type an untyped null.
        String same = lineage.nightly() == null ? "r.spec_sha256 = ?" : "(r.spec_sha256 = ? OR r.nightly = ?)";
        List<String> args = new ArrayList<>(List.of(lineage.specSha256()));
        if (lineage.nightly() != null) {
            args.add(lineage.nightly());
        }
        args.addAll(List.of(excludeKey, before));
        return query("find earlier runs", "SELECT r.run_key, r.dir, r.recorded_on, r.started_at, r.spec_sha256,"
                        + " (SELECT COUNT(*) FROM cells c WHERE c.run_key = r.run_key) FROM runs r"
                        + " WHERE " + same + " AND r.run_key <> ? AND r.started_at < ?"
                        + " AND EXISTS (SELECT 1 FROM cells c WHERE c.run_key = r.run_key)"
                        + " ORDER BY r.started_at DESC, r.run_key DESC LIMIT " + Math.max(1, limit),
                args, ResultsStore::storedRun);
    }

    private static StoredRun storedRun(ResultSet rs) throws SQLException {
        return new StoredRun(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getInt(6));
    }

    /**
     * A recorded run as Results, from the store alone (for a run whose directory is on another
     * machine): its cells with verdicts, measurements and splats, enough to compare; no consoles,
     * faults or traffic series.
     */
    public Results results(String runKey) {
        List<StoredRun> run = query("read run", "SELECT r.run_key, r.dir, r.recorded_on, r.started_at, r.spec_sha256, 0"
                + " FROM runs r WHERE r.run_key = ?", List.of(runKey), ResultsStore::storedRun);
        if (run.isEmpty()) {
            throw new BadInputException("results store " + where + ": no run " + runKey);
        }
        Map<String, List<Measurement>> measurements = new LinkedHashMap<>();
        query("read measurements", "SELECT cell_id, name, unit, value FROM measurements WHERE run_key = ? ORDER BY cell_id, name",
                List.of(runKey), rs -> measurements.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(new Measurement(rs.getString(2), rs.getDouble(4), rs.getString(3))));
        Map<String, List<CellResult.SplatResult>> splats = new LinkedHashMap<>();
        query("read splats", "SELECT cell_id, type, title, guest FROM splats WHERE run_key = ? ORDER BY cell_id, seq",
                List.of(runKey), rs -> splats.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                        .add(new CellResult.SplatResult(rs.getString(2), rs.getString(3), Double.NaN, null, rs.getString(4))));
        List<CellResult> cells = query("read cells", "SELECT cell_id, kernel, kernel_version, kernel_line, scenario, repetition, verdict,"
                        + " error, started_at, duration_s, attempts FROM cells WHERE run_key = ? ORDER BY started_at, cell_id",
                List.of(runKey), rs -> {
                    String id = rs.getString(1);
                    return CellResult.builder()
                            .id(id).kernel(rs.getString(2)).kernelVersion(rs.getString(3)).kernelSource(rs.getString(4))
                            .patches(List.of()).scenario(rs.getString(5)).repetition(rs.getInt(6))
                            .verdict(rs.getString(7)).splats(splats.getOrDefault(id, List.of())).faults(List.of())
                            .error(rs.getString(8)).startedAt(rs.getString(9)).durationS(rs.getDouble(10))
                            .attempts(rs.getInt(11)).measurements(measurements.getOrDefault(id, List.of()))
                            .build();
                });
        StoredRun r = run.get(0);
        return new Results(new Results.RunInfo(r.dir(), r.startedAt(), r.recordedOn(), null, null, List.of(), null), cells);
    }

    /** The trend of every kernel line, kernel and scenario the query selects. */
    public Trend trend(Query q) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.since() != null) {
            where.append(" AND r.started_at >= ?");
            args.add(q.since());
        }
        if (q.kernel() != null) {
            where.append(" AND (c.kernel_line = ? OR c.kernel = ?)");
            args.add(q.kernel());
            args.add(q.kernel());
        }
        if (q.scenario() != null) {
            where.append(" AND c.scenario = ?");
            args.add(q.scenario());
        }
        String from = " FROM cells c JOIN runs r ON r.run_key = c.run_key";
        String order = " ORDER BY r.started_at, r.run_key";
        List<CellRow> cells = query("read cells for the trend", "SELECT r.run_key, r.started_at, c.kernel_line, c.kernel,"
                + " c.kernel_version, c.scenario, c.verdict, c.patchset, c.patches" + from + where + order + ", c.cell_id", args,
                rs -> new CellRow(rs.getString(1), rs.getString(2), new Trend.Line(rs.getString(3), rs.getString(4), rs.getString(6)),
                        rs.getString(5), rs.getString(7), rs.getString(8), rs.getString(9)));
        List<MeasurementRow> values = query("read measurements for the trend", "SELECT r.run_key, c.kernel_line, c.kernel, c.scenario,"
                        + " c.verdict, m.name, m.unit, m.value FROM measurements m JOIN cells c ON c.run_key = m.run_key AND c.cell_id = m.cell_id"
                        + " JOIN runs r ON r.run_key = c.run_key" + where + order + ", m.name, c.cell_id", args,
                rs -> new MeasurementRow(rs.getString(1), new Trend.Line(rs.getString(2), rs.getString(3), rs.getString(4)),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getDouble(8)));
        List<SplatRow> splats = query("read splats for the trend", "SELECT r.run_key, c.kernel_line, c.kernel, c.scenario, s.type, s.title"
                        + " FROM splats s JOIN cells c ON c.run_key = s.run_key AND c.cell_id = s.cell_id"
                        + " JOIN runs r ON r.run_key = c.run_key" + where + order + ", s.type, s.title", args,
                rs -> new SplatRow(rs.getString(1), new Trend.Line(rs.getString(2), rs.getString(3), rs.getString(4)),
                        rs.getString(5), rs.getString(6)));
        return TrendBuilder.build(cells, values, splats);
    }

    /** @param patches the patch file names, one a line (as stored); null when not recorded */
    record CellRow(String runKey, String startedAt, Trend.Line line, String kernelVersion, String verdict, String patchset,
                   String patches) {
        CellRow(String runKey, String startedAt, Trend.Line line, String kernelVersion, String verdict) {
            this(runKey, startedAt, line, kernelVersion, verdict, null, null);
        }

        /** The kernel build as one string, to count which build most of a run's cells ran. */
        String build() {
            return String.join("\u0001", kernelVersion == null ? "" : kernelVersion, patchset == null ? "\u0002" : patchset,
                    patches == null ? "\u0002" : patches);
        }
    }

    record MeasurementRow(String runKey, Trend.Line line, String verdict, String name, String unit, double value) {
    }

    record SplatRow(String runKey, Trend.Line line, String type, String title) {
    }

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    private interface Work<T> {
        T run() throws SQLException;
    }

    private <T> List<T> query(String what, String sql, List<?> args, Row<T> row) {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                st.setObject(i + 1, args.get(i));
            }
            List<T> out = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(row.read(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("results store " + where + ": cannot " + what + ": " + e.getMessage(), e);
        }
    }

    private <T> T inTransaction(Work<T> work, String what) {
        try {
            db.setAutoCommit(false);
            try {
                T t = work.run();
                db.commit();
                return t;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("results store " + where + ": cannot " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new StoreException("results store " + where + ": cannot close: " + e.getMessage(), e);
        }
    }

    /** Turns the trend queries' rows into a {@link Trend}: distributions, version and verdict changes, splat spans. */
    static final class TrendBuilder {
        private TrendBuilder() {
        }

        static Trend build(List<CellRow> cells, List<MeasurementRow> values, List<SplatRow> splatRows) {
            Comparator<Trend.Line> byLine = Comparator.comparing(Trend.Line::kernelLine).thenComparing(Trend.Line::kernel)
                    .thenComparing(Trend.Line::scenario);
            // Each line's runs, in start order, with the kernel version most of its cells ran.
            Map<Trend.Line, Map<String, Map<String, Integer>>> versions = new TreeMap<>(byLine);
            Map<Trend.Line, Map<String, Map<String, Integer>>> verdicts = new TreeMap<>(byLine);
            Map<String, String> startOf = new HashMap<>();
            for (CellRow c : cells) {
                startOf.put(c.runKey(), c.startedAt());
                versions.computeIfAbsent(c.line(), k -> new LinkedHashMap<>()).computeIfAbsent(c.runKey(), k -> new TreeMap<>())
                        .merge(c.build(), 1, Integer::sum);
                verdicts.computeIfAbsent(c.line(), k -> new LinkedHashMap<>()).computeIfAbsent(c.runKey(), k -> new TreeMap<>())
                        .merge(c.verdict(), 1, Integer::sum);
            }
            Map<Trend.Line, List<Trend.RunRef>> runsOf = new LinkedHashMap<>();
            versions.forEach((line, byRun) -> runsOf.put(line, byRun.entrySet().stream()
                    .map(e -> runRef(e.getKey(), startOf.get(e.getKey()), mostCommon(e.getValue())))
                    .toList()));

            // Measurements of cells with a kernel verdict (an INFRA_ERROR cell measured nothing about the kernel).
            Map<Trend.Line, Map<List<String>, Map<String, List<Double>>>> measured = new LinkedHashMap<>();
            for (MeasurementRow m : values) {
                if (Verdict.isKfitError(m.verdict())) {
                    continue;
                }
                measured.computeIfAbsent(m.line(), k -> new LinkedHashMap<>())
                        .computeIfAbsent(List.of(m.name(), m.unit()), k -> new LinkedHashMap<>())
                        .computeIfAbsent(m.runKey(), k -> new ArrayList<>()).add(m.value());
            }
            List<Trend.Series> series = new ArrayList<>();
            runsOf.forEach((line, runs) -> measured.getOrDefault(line, Map.of()).forEach((nameUnit, byRun) -> {
                List<Trend.Point> points = new ArrayList<>();
                for (Trend.RunRef r : runs) {
                    List<Double> v = byRun.get(r.runKey());
                    if (v != null && !v.isEmpty()) {
                        points.add(point(r, v));
                    }
                }
                series.add(new Trend.Series(line, nameUnit.get(0), nameUnit.get(1), runs, points));
            }));

            // Version changes per kernel line and kernel: over the union of its scenarios' runs.
            Map<List<String>, Map<String, Trend.RunRef>> kernelRuns = new TreeMap<>(Comparator.comparing((List<String> l) -> l.get(0))
                    .thenComparing(l -> l.get(1)));
            runsOf.forEach((line, runs) -> runs.forEach(r -> kernelRuns.computeIfAbsent(List.of(line.kernelLine(), line.kernel()),
                    k -> new TreeMap<>()).putIfAbsent(r.startedAt() + "\u0000" + r.runKey(), r)));
            List<Trend.VersionChange> versionChanges = new ArrayList<>();
            kernelRuns.forEach((k, runs) -> {
                Trend.RunRef last = null;
                for (Trend.RunRef r : runs.values()) {
                    if (r.kernelVersion() == null) {
                        continue;
                    }
                    if (last != null) {
                        Trend.VersionChange c = change(k.get(0), k.get(1), last, r);
                        if (c != null) {
                            versionChanges.add(c);
                        }
                    }
                    last = r;
                }
            });

            List<Trend.VerdictChange> verdictChanges = new ArrayList<>();
            verdicts.forEach((line, byRun) -> {
                Map<String, Trend.RunRef> refs = runsOf.get(line).stream().collect(Collectors.toMap(Trend.RunRef::runKey, Function.identity()));
                Trend.RunRef before = null;
                Map<String, Integer> was = null;
                for (Map.Entry<String, Map<String, Integer>> e : byRun.entrySet()) {
                    Map<String, Integer> kernelVerdicts = new TreeMap<>(e.getValue());
                    kernelVerdicts.keySet().removeIf(Verdict::isKfitError);
                    if (kernelVerdicts.isEmpty()) {
                        continue; // nothing was learnt about the kernel in this run
                    }
                    if (was != null && !was.keySet().equals(kernelVerdicts.keySet())) {
                        verdictChanges.add(new Trend.VerdictChange(line, before, refs.get(e.getKey()), summary(was), summary(kernelVerdicts)));
                    }
                    was = kernelVerdicts;
                    before = refs.get(e.getKey());
                }
            });

            Map<Trend.Line, Map<List<String>, LinkedHashSet<String>>> seen = new LinkedHashMap<>();
            for (SplatRow s : splatRows) {
                seen.computeIfAbsent(s.line(), k -> new LinkedHashMap<>()).computeIfAbsent(List.of(s.type(), s.title()), k -> new LinkedHashSet<>())
                        .add(s.runKey());
            }
            List<Trend.SplatSpan> spans = new ArrayList<>();
            runsOf.forEach((line, runs) -> seen.getOrDefault(line, Map.of()).forEach((typeTitle, inRuns) -> {
                List<Trend.RunRef> with = runs.stream().filter(r -> inRuns.contains(r.runKey())).toList();
                if (with.isEmpty()) {
                    return;
                }
                Trend.RunRef lastRun = with.get(with.size() - 1);
                spans.add(new Trend.SplatSpan(line, typeTitle.get(0), typeTitle.get(1), with.get(0), lastRun, with.size(),
                        lastRun.equals(runs.get(runs.size() - 1))));
            }));
            return new Trend(series, versionChanges, verdictChanges, spans);
        }

        /** A run's place on the axis from its most common build (see {@link CellRow#build()}). */
        static Trend.RunRef runRef(String runKey, String startedAt, String build) {
            String[] f = build.split("\u0001", -1);
            String patchset = f[1].equals("\u0002") ? null : f[1];
            List<String> patches = f[2].equals("\u0002") ? null : f[2].isEmpty() ? List.of() : List.of(f[2].split("\n"));
            return new Trend.RunRef(runKey, startedAt, emptyToNull(f[0]), patchset, patches);
        }

        /**
         * How the kernel's build changed from {@code a} to {@code b}, or null when it did not: the version,
         * and the patches where both runs recorded them (by their patchset hash, else by their names).
         */
        static Trend.VersionChange change(String kernelLine, String kernel, Trend.RunRef a, Trend.RunRef b) {
            boolean patches = a.patchset() != null && b.patchset() != null ? !a.patchset().equals(b.patchset())
                    : a.patches() != null && b.patches() != null && !a.patches().equals(b.patches());
            if (!patches && a.kernelVersion().equals(b.kernelVersion())) {
                return null;
            }
            List<String> added = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            if (patches && a.patches() != null && b.patches() != null) {
                b.patches().stream().filter(p -> !a.patches().contains(p)).forEach(added::add);
                a.patches().stream().filter(p -> !b.patches().contains(p)).forEach(removed::add);
            }
            return new Trend.VersionChange(kernelLine, kernel, b, a.kernelVersion(), b.kernelVersion(), added, removed, patches);
        }

        static Trend.Point point(Trend.RunRef r, List<Double> values) {
            double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Trend.Point(r, v.length, v[0], quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75), v[v.length - 1]);
        }

        /** Linear interpolation between the closest ranks of sorted {@code v}. */
        static double quantile(double[] v, double p) {
            double pos = p * (v.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = (int) Math.ceil(pos);
            return v[lo] + (v[hi] - v[lo]) * (pos - lo);
        }

        private static String mostCommon(Map<String, Integer> counts) {
            return counts.entrySet().stream().max(Map.Entry.<String, Integer>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder()))).map(Map.Entry::getKey).orElse("");
        }

        private static String emptyToNull(String s) {
            return s == null || s.isEmpty() ? null : s;
        }

        /** "PIN_REFUSED" for one verdict; "BLOCKED_UNTIL_RELEASE 9, HUNG 1", most frequent first, for several. */
        static String summary(Map<String, Integer> counts) {
            if (counts.size() == 1) {
                return counts.keySet().iterator().next();
            }
            return counts.entrySet().stream()
                    .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        }
    }
}
