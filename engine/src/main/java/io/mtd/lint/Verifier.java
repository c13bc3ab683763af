package io.mtd.lint;

import io.mtd.flyway.DatabaseAccess;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Applies a release's pending SQL to a throwaway PostgreSQL that holds the schema before it, as Flyway applies it: each
 * script in its own transaction (none for a script Flyway runs outside one), stopping at the first script that fails.
 * Per statement it records what really happened: the locks it took on relations that existed before the release and
 * those its transaction already held (from {@code pg_locks}), tables rewritten (their {@code relfilenode} changed), and
 * columns dropped, added, renamed or retyped. Static findings are then confirmed, disproved, or (without evidence) not
 * measured, and what was observed but not predicted becomes a finding of its own.
 */
public final class Verifier {

    private static final String RELATIONS = "SELECT c.oid, c.relname, c.relfilenode, c.relkind FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'i', 'v', 'm', 'S')"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";
    private static final String COLUMNS = "SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull"
            + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";
    private static final String LOCKS = "SELECT l.relation, l.mode FROM pg_locks l WHERE l.pid = pg_backend_pid()"
            + " AND l.locktype = 'relation' AND l.granted";
    private static final Set<Rule> REWRITES = Set.of(Rule.CHANGING_COLUMN_TYPE, Rule.ADDING_FIELD_WITH_DEFAULT, Rule.TABLE_REWRITE,
            Rule.ADDING_SERIAL_PRIMARY_KEY_FIELD);

    private Verifier() {}

    private record Column(String table, int attnum, String name, String type, boolean notNull) {}

    private record Relation(String name, long relfilenode, boolean table) {}

    private record Lock(long relation, LockMode mode) {}

    /** The state a statement is observed in, before and after it. */
    private record Observation(Set<Lock> locks, Map<Long, Relation> relations, Map<String, Column> columns, String lockTimeout) {}

    /**
     * Runs {@code pending} on database {@code database} of {@code server} (which holds the schema before the release).
     *
     * @param linter the release's linter, for the acknowledgements of findings the run adds
     * @return {@code report} with each statement's observations, its findings marked, and those the run adds
     */
    public static LintReport verify(LintReport report, List<SqlSource> pending, ThrowawayServer server, String database, Linter linter)
            throws SQLException {
        DatabaseAccess access = server.database(database);
        Map<Long, String> existing = new LinkedHashMap<>();
        String on;
        try (Connection c = connect(access)) {
            relations(c).forEach((oid, r) -> existing.put(oid, r.name()));
            on = "PostgreSQL " + show(c, "server_version") + ", time zone " + show(c, "TimeZone")
                    + ", each script in its own transaction as Flyway runs it";
        }
        List<VerifiedStatement> observed = new ArrayList<>();
        String stoppedBy = null;
        for (SqlSource source : pending) {
            List<PgStatement> statements = SqlLexer.split(source.sql(), source.name()).stream().map(PgStatement::of).toList();
            if (stoppedBy != null) {
                for (PgStatement st : statements) {
                    observed.add(VerifiedStatement.notRun(source.name(), st.source(), "not run: " + stoppedBy
                            + " failed before it, and Flyway stops at the first migration that fails"));
                }
                continue;
            }
            if (!script(access, source, statements, existing, observed)) {
                stoppedBy = source.name();
            }
        }
        return judged(report, pending, observed, linter, on);
    }

    /** Runs one script as Flyway does; returns whether it succeeded. */
    private static boolean script(DatabaseAccess access, SqlSource source, List<PgStatement> statements, Map<Long, String> existing,
            List<VerifiedStatement> observed) throws SQLException {
        // Flyway runs a script whose statements all must run outside a transaction without one
        boolean transactional = source.transactional() && !statements.stream().allMatch(PgStatement::concurrent);
        try (Connection c = connect(access)) {
            c.setAutoCommit(!transactional);
            boolean inBlock = false;
            Integer failedAt = null;
            for (PgStatement st : statements) {
                SqlStatement s = st.source();
                if (failedAt != null) {
                    observed.add(VerifiedStatement.notRun(source.name(), s, "not run: line " + failedAt + " failed, and Flyway "
                            + (transactional ? "rolls the whole script back" : "stops there (this script runs outside a transaction,"
                            + " so what ran before it stays)")));
                    continue;
                }
                boolean inTransaction = transactional || inBlock;
                // outside a transaction a statement's locks end with it: run it in one of its own to read them
                boolean wrap = !inTransaction && !st.concurrent() && !(st.ddl() instanceof Ddl.Transaction);
                if (st.concurrent() && !inTransaction) {
                    observed.add(concurrently(c, source, s, existing));
                    continue;
                }
                if (wrap) {
                    execute(c, "BEGIN");
                }
                Observation before = observe(c, existing);
                try {
                    execute(c, s.raw());
                } catch (SQLException e) {
                    failedAt = s.line();
                    observed.add(new VerifiedStatement(source.name(), s.line(), s.endLine(), s.excerpt(120), List.of(),
                            names(before.locks(), existing), List.of(), List.of(), before.lockTimeout(),
                            PgStatement.firstLine(e.getMessage(), "failed"), null));
                    if (wrap || inBlock) {
                        execute(c, "ROLLBACK");
                    }
                    continue;
                }
                Observation after = observe(c, existing);
                if (wrap) {
                    execute(c, "COMMIT");
                }
                if (st.ddl() instanceof Ddl.Transaction t) {
                    inBlock = t.begins();
                }
                Set<Lock> taken = new LinkedHashSet<>(after.locks());
                taken.removeAll(before.locks());
                observed.add(new VerifiedStatement(source.name(), s.line(), s.endLine(), s.excerpt(120), names(taken, existing),
                        names(before.locks(), existing), rewritten(before, after, existing), schemaChanges(before.columns(),
                        after.columns(), existing), before.lockTimeout(), null, null));
            }
            if (inBlock) {
                execute(c, "ROLLBACK");
            }
            if (transactional) {
                if (failedAt == null) {
                    c.commit();
                } else {
                    c.rollback();
                }
            }
            return failedAt == null;
        }
    }

    /** CONCURRENTLY outside a transaction: it runs, but its lock ends with it, so only its effects can be read. */
    private static VerifiedStatement concurrently(Connection c, SqlSource source, SqlStatement s, Map<Long, String> existing)
            throws SQLException {
        Observation before = observe(c, existing);
        try {
            execute(c, s.raw());
        } catch (SQLException e) {
            return new VerifiedStatement(source.name(), s.line(), s.endLine(), s.excerpt(120), List.of(), List.of(), List.of(),
                    List.of(), before.lockTimeout(), PgStatement.firstLine(e.getMessage(), "failed"), null);
        }
        Observation after = observe(c, existing);
        return new VerifiedStatement(source.name(), s.line(), s.endLine(), s.excerpt(120), List.of(), List.of(),
                rewritten(before, after, existing), schemaChanges(before.columns(), after.columns(), existing), before.lockTimeout(),
                null, "ran outside a transaction (CONCURRENTLY): its SHARE UPDATE EXCLUSIVE lock, which blocks no reads or writes,"
                + " ended with it");
    }

    /** The findings marked by what was observed, and those observed but not predicted, with their acknowledgements. */
    private static LintReport judged(LintReport report, List<SqlSource> pending, List<VerifiedStatement> observed, Linter linter,
            String on) {
        List<Finding> findings = new ArrayList<>();
        for (Finding f : report.findings()) {
            VerifiedStatement v = statementOf(observed, f.source(), f.line());
            findings.add(v == null ? f : mark(f, v));
        }
        List<Allowance> acknowledged = new ArrayList<>();
        Set<String> timeoutAsked = new HashSet<>();
        report.findings().stream().filter(f -> f.rule().equals(Rule.REQUIRE_LOCK_TIMEOUT.id())).forEach(f -> timeoutAsked.add(f.source()));
        for (VerifiedStatement v : observed) {
            SqlSource source = pending.stream().filter(s -> s.name().equals(v.source())).findFirst().orElseThrow();
            List<Finding> added = new ArrayList<>();
            Predicate<Rule> predicted = rule -> report.findings().stream().anyMatch(f -> f.source().equals(v.source())
                    && f.line() >= v.line() && f.line() <= v.endLine() && f.rule().equals(rule.id()));
            for (String change : v.schemaChanges()) {
                Rule rule = change.startsWith("dropped table") ? Rule.BAN_DROP_TABLE : change.startsWith("dropped") ? Rule.BAN_DROP_COLUMN
                        : change.startsWith("renamed") ? Rule.RENAMING_COLUMN : change.startsWith("retyped") ? Rule.CHANGING_COLUMN_TYPE : null;
                if (rule != null && !predicted.test(rule)) {
                    String rewrote = rule == Rule.CHANGING_COLUMN_TYPE && !v.rewritten().isEmpty()
                            ? ", which rewrote " + String.join(", ", v.rewritten()) : "";
                    added.add(observedFinding(rule, source, v, change + rewrote));
                }
            }
            boolean rewriteSaid = REWRITES.stream().anyMatch(predicted)
                    || added.stream().anyMatch(f -> REWRITES.contains(Rule.byId(f.rule()).orElseThrow()));
            if (!v.rewritten().isEmpty() && !rewriteSaid) {
                added.add(observedFinding(Rule.TABLE_REWRITE, source, v, "rewrote " + String.join(", ", v.rewritten())));
            }
            if (!timeoutAsked.contains(v.source()) && isZero(v.lockTimeout())) {
                v.locks().stream().filter(l -> mode(l).blocksWrites()).findFirst().ifPresent(l -> {
                    timeoutAsked.add(v.source());
                    added.add(observedFinding(Rule.REQUIRE_LOCK_TIMEOUT, source, v, "took " + l + " without a lock_timeout"));
                });
            }
            for (Finding f : added) {
                Finding a = linter.acknowledged(f, source);
                if (a.acknowledged() != null) {
                    acknowledged.add(a.acknowledged());
                }
                findings.add(a);
            }
        }
        List<String> order = pending.stream().map(SqlSource::name).toList();
        findings.sort(Comparator.comparingInt((Finding f) -> order.indexOf(f.source())).thenComparingInt(Finding::line));
        return report.withVerify(findings, acknowledged, observed, on);
    }

    private static Finding observedFinding(Rule rule, SqlSource source, VerifiedStatement v, String what) {
        SqlStatement statement = SqlLexer.split(source.sql(), source.name()).stream().filter(s -> s.line() == v.line()).findFirst()
                .orElseThrow();
        return Linter.finding(rule, source, statement, "observed by --verify, not predicted: " + what).verify(Finding.Verification.CONFIRMED);
    }

    private static VerifiedStatement statementOf(List<VerifiedStatement> observed, String source, int line) {
        return observed.stream().filter(o -> o.source().equals(source) && o.line() <= line && line <= o.endLine()).findFirst().orElse(null);
    }

    /** Whether what happened confirms or disproves the finding's claim, or gives no evidence either way. */
    private static Finding mark(Finding f, VerifiedStatement v) {
        Rule rule = Rule.byId(f.rule()).orElse(Rule.NOT_CHECKED);
        if (rule == Rule.BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION) {
            boolean refused = v.error() != null && v.error().contains("cannot run inside a transaction block");
            return f.verify(refused ? Finding.Verification.CONFIRMED : v.error() == null && v.note() == null
                    ? Finding.Verification.DISPROVED : Finding.Verification.NOT_MEASURED);
        }
        Predicate<LockMode> lockClaim = switch (rule) {
            case REQUIRE_CONCURRENT_INDEX_CREATION, ADDING_FOREIGN_KEY_CONSTRAINT, REQUIRE_CONCURRENT_REINDEX -> LockMode::blocksWrites;
            case ADDING_NOT_NULLABLE_FIELD, CONSTRAINT_MISSING_NOT_VALID, DISALLOWED_UNIQUE_CONSTRAINT, ADDING_SERIAL_PRIMARY_KEY_FIELD,
                    REQUIRE_CONCURRENT_INDEX_DELETION, BAN_DROP_TABLE, RENAMING_TABLE -> LockMode::blocksReads;
            default -> null;
        };
        Boolean confirmed;
        if (lockClaim != null) {
            // the statement runs under the locks its transaction already held as much as under those it took
            confirmed = v.locks().stream().anyMatch(l -> lockClaim.test(mode(l))) || v.held().stream().anyMatch(l -> lockClaim.test(mode(l)));
        } else {
            confirmed = switch (rule) {
                case CHANGING_COLUMN_TYPE, ADDING_FIELD_WITH_DEFAULT, TABLE_REWRITE -> !v.rewritten().isEmpty();
                case BAN_DROP_COLUMN -> v.schemaChanges().stream().anyMatch(c -> c.startsWith("dropped") && !c.startsWith("dropped table"));
                case RENAMING_COLUMN -> v.schemaChanges().stream().anyMatch(c -> c.startsWith("renamed"));
                case ADDING_REQUIRED_FIELD -> v.schemaChanges().stream().anyMatch(c -> c.startsWith("added") && c.endsWith("NOT NULL"));
                default -> null;
            };
        }
        if (confirmed == null) {
            return f;
        }
        if (v.error() != null || (v.note() != null && v.locks().isEmpty() && v.rewritten().isEmpty() && v.schemaChanges().isEmpty())) {
            return f.verify(Finding.Verification.NOT_MEASURED); // it failed or did not run: no evidence either way
        }
        return f.verify(confirmed ? Finding.Verification.CONFIRMED : Finding.Verification.DISPROVED);
    }

    private static LockMode mode(String lock) {
        return LockMode.ofPgLocks(lock.substring(lock.indexOf(": ") + 2)).orElse(LockMode.ACCESS_SHARE);
    }

    private static boolean isZero(String lockTimeout) {
        return lockTimeout == null || lockTimeout.strip().matches("0+\\s*(ms|s|min)?");
    }

    private static Observation observe(Connection c, Map<Long, String> existing) throws SQLException {
        Set<Lock> locks = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(LOCKS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                long oid = rs.getLong(1);
                if (existing.containsKey(oid)) {
                    LockMode.ofPgLocks(rs.getString(2)).ifPresent(m -> locks.add(new Lock(oid, m)));
                }
            }
        }
        return new Observation(locks, relations(c), columns(c), show(c, "lock_timeout"));
    }

    /** "relation: Mode" for the strongest of {@code locks} on each relation. */
    private static List<String> names(Set<Lock> locks, Map<Long, String> existing) {
        Map<String, LockMode> strongest = new TreeMap<>();
        locks.forEach(l -> strongest.merge(existing.get(l.relation()), l.mode(), LockMode::max));
        List<String> out = new ArrayList<>();
        strongest.forEach((relation, mode) -> out.add(relation + ": " + mode.pgLocks()));
        return out;
    }

    private static List<String> rewritten(Observation before, Observation after, Map<Long, String> existing) {
        List<String> out = new ArrayList<>();
        before.relations().forEach((oid, r) -> {
            Relation now = after.relations().get(oid);
            if (r.table() && existing.containsKey(oid) && now != null && now.relfilenode() != r.relfilenode()) {
                out.add(r.name());
            }
        });
        return out;
    }

    private static List<String> schemaChanges(Map<String, Column> before, Map<String, Column> after, Map<Long, String> existing) {
        Set<String> existingNames = new LinkedHashSet<>(existing.values());
        Set<String> tablesAfter = new HashSet<>();
        after.values().forEach(a -> tablesAfter.add(a.table));
        List<String> changes = new ArrayList<>();
        before.forEach((key, b) -> {
            if (!existingNames.contains(b.table)) {
                return;
            }
            Column a = after.get(key);
            if (!tablesAfter.contains(b.table)) {
                if (!changes.contains("dropped table " + b.table)) {
                    changes.add("dropped table " + b.table);
                }
            } else if (a == null) {
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

    private static Map<Long, Relation> relations(Connection c) throws SQLException {
        Map<Long, Relation> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(RELATIONS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String kind = rs.getString(4);
                out.put(rs.getLong(1), new Relation(rs.getString(2), rs.getLong(3), kind.equals("r") || kind.equals("m")));
            }
        }
        return out;
    }

    /** Columns keyed by table and attribute number, which a rename keeps. */
    private static Map<String, Column> columns(Connection c) throws SQLException {
        Map<String, Column> out = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Column col = new Column(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getBoolean(5));
                out.put(col.table + "#" + col.attnum, col);
            }
        }
        return out;
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Connection connect(DatabaseAccess access) throws SQLException {
        return DriverManager.getConnection(access.url(), access.user(), access.password());
    }
}
