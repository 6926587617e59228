package dev.kfit.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's tables, the same SQL for SQLite and PostgreSQL. Each migration is a list of
 * statements; {@code kfit_schema} holds how many have been applied. A new migration is a new entry
 * at the end of {@link #MIGRATIONS}, never an edit of an old one.
 *
 * <pre>
 * runs          one per recorded run (run_key: the machine that recorded it and the run directory)
 * cells         one per cell of a run: kernel line, label, version, scenario, verdict
 * measurements  the cell's named measurements (name, unit, value)
 * splats        the cell's console splats (type, normalised title)
 * </pre>
 * Migration 2: {@code runs.nightly} (the nightly a run was a night of), {@code cells.patchset} (KCIDB's
 * patchset hash of the kernel's patches, "" for none) and {@code cells.patches} (their file names, one a
 * line), so that a change of patches on one kernel version shows on the trend.
 */
final class Schema {
    static final List<List<String>> MIGRATIONS = List.of(List.of(
            """
            CREATE TABLE runs (
                run_key      TEXT PRIMARY KEY,
                dir          TEXT NOT NULL,
                recorded_on  TEXT NOT NULL,
                spec_file    TEXT,
                spec_sha256  TEXT,
                started_at   TEXT NOT NULL,
                host         TEXT,
                qemu         TEXT,
                accel        TEXT,
                shard        TEXT,
                recorded_at  TEXT NOT NULL)""",
            "CREATE INDEX runs_by_spec ON runs (spec_sha256, started_at)",
            """
            CREATE TABLE cells (
                run_key        TEXT NOT NULL REFERENCES runs (run_key),
                cell_id        TEXT NOT NULL,
                kernel_line    TEXT NOT NULL,
                kernel         TEXT NOT NULL,
                kernel_version TEXT,
                scenario       TEXT NOT NULL,
                repetition     INTEGER NOT NULL,
                verdict        TEXT NOT NULL,
                started_at     TEXT,
                duration_s     DOUBLE PRECISION,
                attempts       INTEGER,
                error          TEXT,
                PRIMARY KEY (run_key, cell_id))""",
            "CREATE INDEX cells_by_line ON cells (kernel_line, kernel, scenario)",
            """
            CREATE TABLE measurements (
                run_key  TEXT NOT NULL,
                cell_id  TEXT NOT NULL,
                name     TEXT NOT NULL,
                unit     TEXT NOT NULL,
                value    DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (run_key, cell_id, name),
                FOREIGN KEY (run_key, cell_id) REFERENCES cells (run_key, cell_id))""",
            """
            CREATE TABLE splats (
                run_key  TEXT NOT NULL,
                cell_id  TEXT NOT NULL,
                seq      INTEGER NOT NULL,
                type     TEXT NOT NULL,
                title    TEXT NOT NULL,
                guest    TEXT,
                PRIMARY KEY (run_key, cell_id, seq),
                FOREIGN KEY (run_key, cell_id) REFERENCES cells (run_key, cell_id))"""),
            List.of(
                    "ALTER TABLE runs ADD COLUMN nightly TEXT",
                    "CREATE INDEX runs_by_nightly ON runs (nightly, started_at)",
                    "ALTER TABLE cells ADD COLUMN patchset TEXT",
                    "ALTER TABLE cells ADD COLUMN patches TEXT"));

    private Schema() {
    }

    /** The schema version this kfit writes. */
    static int current() {
        return MIGRATIONS.size();
    }

    /**
     * Brings the database to {@link #current()} in one transaction (both databases have
     * transactional DDL); a database newer than this kfit is refused rather than written.
     * Returns the version found before.
     */
    static int migrate(Connection db, String where) throws SQLException {
        boolean auto = db.getAutoCommit();
        db.setAutoCommit(false);
        try (Statement st = db.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS kfit_schema (version INTEGER NOT NULL)");
            int found;
            try (ResultSet rs = st.executeQuery("SELECT MAX(version) FROM kfit_schema")) {
                rs.next();
                found = rs.getInt(1);
            }
            if (found > current()) {
                db.rollback();
                throw new StoreException(where + ": results store schema version " + found
                        + " is newer than this kfit's (" + current() + "); update kfit");
            }
            for (int v = found; v < current(); v++) {
                for (String sql : MIGRATIONS.get(v)) {
                    st.execute(sql);
                }
            }
            if (found < current()) {
                st.execute("DELETE FROM kfit_schema");
                st.execute("INSERT INTO kfit_schema (version) VALUES (" + current() + ")");
            }
            db.commit();
            return found;
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(auto);
        }
    }
}
