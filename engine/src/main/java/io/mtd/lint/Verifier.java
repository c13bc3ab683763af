package io.mtd.lint;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies a release's pending SQL to a throwaway PostgreSQL that holds the current schema, inside one transaction that
 * is rolled back, and records per statement what really happened: the lock modes taken on tables that existed before
 * (from {@code pg_locks}), tables rewritten (their {@code relfilenode} changed) and columns dropped, added, renamed or
 * retyped. Static findings are then marked confirmed or disproved.
 */
public final class Verifier {

    /** Lock modes that block writes (INSERT, UPDATE, DELETE) on the table. */
    private static final Set<String> BLOCKS_WRITES = Set.of("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock");

    private static final String TABLES = "SELECT c.oid, c.relname, c.relfilenode FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";
    private static final String COLUMNS = "SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull"
            + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";
    private static final String LOCKS = "SELECT l.relation, l.mode FROM pg_locks l WHERE l.pid = pg_backend_pid()"
            + " AND l.locktype = 'relation' AND l.granted";

    private Verifier() {}

    private record Column(String table, int attnum, String name, String type, boolean notNull) {}

    /**
     * Runs {@code pending} on {@code db} (which holds the schema before the release) and rolls everything back.
     *
     * @return {@code report} with each statement's observations and its findings marked
     */
    public static LintReport verify(LintReport report, List<SqlSource> pending, Connection db) throws SQLException {
        boolean autoCommit = db.getAutoCommit();
        db.setAutoCommit(false);
        List<VerifiedStatement> observed = new ArrayList<>();
        try {
            Map<Long, String> existing = new LinkedHashMap<>();
            tables(db).forEach((oid, t) -> existing.put(oid, t.name));
            for (SqlSource source : pending) {
                for (SqlStatement s : SqlLexer.split(source.sql(), source.name())) {
                    observed.add(run(db, source, s, existing));
                }
            }
        } finally {
            db.rollback();
            db.setAutoCommit(autoCommit);
        }
        List<Finding> marked = new ArrayList<>();
        for (Finding f : report.findings()) {
            VerifiedStatement v = observed.stream().filter(o -> o.source().equals(f.source()) && o.line() == f.line()).findFirst().orElse(null);
            marked.add(v == null || v.error() != null ? f : mark(f, v));
        }
        return report.withVerify(marked, observed);
    }

    private record TableState(String name, long relfilenode) {}

    private static VerifiedStatement run(Connection db, SqlSource source, SqlStatement s, Map<Long, String> existing) throws SQLException {
        PgStatement parsed = PgStatement.of(s);
        if (parsed.ddl() instanceof Ddl.Transaction) {
            return new VerifiedStatement(source.name(), s.line(), s.excerpt(120), List.of(), List.of(), List.of(), null,
                    "transaction control: the verification runs everything in one transaction of its own");
        }
        if (parsed.concurrent()) {
            return new VerifiedStatement(source.name(), s.line(), s.excerpt(120), List.of(), List.of(), List.of(), null,
                    "not run: CONCURRENTLY cannot run in the verification's transaction (it takes a SHARE UPDATE"
                            + " EXCLUSIVE lock, which does not block reads or writes)");
        }
        Map<Long, TableState> before = tables(db);
        Map<String, Column> columnsBefore = columns(db);
        Set<String> locksBefore = locks(db, existing);
        Savepoint sp = db.setSavepoint();
        try (Statement st = db.createStatement()) {
            st.execute(s.raw());
        } catch (SQLException e) {
            db.rollback(sp);
            return new VerifiedStatement(source.name(), s.line(), s.excerpt(120), List.of(), List.of(), List.of(),
                    PgStatement.firstLine(e.getMessage(), "failed"));
        }
        db.releaseSavepoint(sp);
        Set<String> locks = new TreeSet<>(locks(db, existing));
        locks.removeAll(locksBefore);
        List<String> rewritten = new ArrayList<>();
        Map<Long, TableState> after = tables(db);
        before.forEach((oid, t) -> {
            TableState now = after.get(oid);
            if (existing.containsKey(oid) && now != null && now.relfilenode != t.relfilenode) {
                rewritten.add(t.name);
            }
        });
        return new VerifiedStatement(source.name(), s.line(), s.excerpt(120), List.copyOf(locks), rewritten,
                schemaChanges(columnsBefore, columns(db), existing), null);
    }

    private static List<String> schemaChanges(Map<String, Column> before, Map<String, Column> after, Map<Long, String> existing) {
        Set<String> existingNames = new LinkedHashSet<>(existing.values());
        List<String> changes = new ArrayList<>();
        before.forEach((key, b) -> {
            if (!existingNames.contains(b.table)) {
                return;
            }
            Column a = after.get(key);
            if (a == null) {
                changes.add("dropped " + b.table + "." + b.name);
            } else {
                if (!a.name.equals(b.name)) {
                    changes.add("renamed " + b.table + "." + b.name + " to " + a.name);
                }
                if (!a.type.equals(b.type)) {
                    changes.add("retyped " + b.table + "." + a.name + " from " + b.type + " to " + a.type);
                }
                if (a.notNull && !b.notNull) {
                    changes.add("made " + b.table + "." + a.name + " NOT NULL");
                }
            }
        });
        after.forEach((key, a) -> {
            if (!before.containsKey(key) && existingNames.contains(a.table)) {
                changes.add("added " + a.table + "." + a.name + " " + a.type + (a.notNull ? " NOT NULL" : ""));
            }
        });
        return changes;
    }

    private static Map<Long, TableState> tables(Connection db) throws SQLException {
        Map<Long, TableState> out = new LinkedHashMap<>();
        try (PreparedStatement ps = db.prepareStatement(TABLES); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getLong(1), new TableState(rs.getString(2), rs.getLong(3)));
            }
        }
        return out;
    }

    /** Columns keyed by table and attribute number, which a rename keeps. */
    private static Map<String, Column> columns(Connection db) throws SQLException {
        Map<String, Column> out = new LinkedHashMap<>();
        try (PreparedStatement ps = db.prepareStatement(COLUMNS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Column c = new Column(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getBoolean(5));
                out.put(c.table + "#" + c.attnum, c);
            }
        }
        return out;
    }

    /** "table: Mode" for the locks this session holds on tables that existed before the release. */
    private static Set<String> locks(Connection db, Map<Long, String> existing) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (PreparedStatement ps = db.prepareStatement(LOCKS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String table = existing.get(rs.getLong(1));
                if (table != null) {
                    out.add(table + ": " + rs.getString(2));
                }
            }
        }
        return out;
    }

    /** Whether what happened confirms or disproves the finding's claim. */
    private static Finding mark(Finding f, VerifiedStatement v) {
        boolean blocksWrites = v.locks().stream().anyMatch(l -> BLOCKS_WRITES.contains(l.substring(l.indexOf(": ") + 2)));
        boolean exclusive = v.locks().stream().anyMatch(l -> l.endsWith(": AccessExclusiveLock"));
        boolean rewrote = !v.rewritten().isEmpty();
        Boolean confirmed = switch (Rule.byId(f.rule()).orElse(Rule.NOT_CHECKED)) {
            case CHANGING_COLUMN_TYPE, ADDING_FIELD_WITH_DEFAULT -> rewrote;
            case BAN_DROP_COLUMN -> v.schemaChanges().stream().anyMatch(c -> c.startsWith("dropped"));
            case RENAMING_COLUMN -> v.schemaChanges().stream().anyMatch(c -> c.startsWith("renamed"));
            case REQUIRE_CONCURRENT_INDEX_CREATION, ADDING_FOREIGN_KEY_CONSTRAINT -> blocksWrites;
            case ADDING_NOT_NULLABLE_FIELD, CONSTRAINT_MISSING_NOT_VALID, DISALLOWED_UNIQUE_CONSTRAINT, ADDING_SERIAL_PRIMARY_KEY_FIELD,
                    REQUIRE_CONCURRENT_INDEX_DELETION, BAN_DROP_TABLE, RENAMING_TABLE -> exclusive;
            default -> null;
        };
        return confirmed == null ? f : f.verify(confirmed ? Finding.Verification.CONFIRMED : Finding.Verification.DISPROVED);
    }
}
