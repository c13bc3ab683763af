package io.mtd.lint;

import io.mtd.plan.Lint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the SQL of a release for changes that break the version still serving traffic or block it with locks.
 *
 * <p>Scripts are read in parallel (reading one needs nothing from another); the rules then run over them in order,
 * because what an earlier script did decides what a later one means: a relation created by the release is new, and
 * nobody reads it yet, so only the rules that matter for new relations apply to it; a function it declares STABLE is
 * not VOLATILE; a CHECK it validated makes SET NOT NULL cheap. Contract changes are allowed in the post-rollout phase.
 */
public final class Linter {

    private final List<Lint.Allow> planAllowances;

    /** A linter with the plan's acknowledgements. */
    public Linter(List<Lint.Allow> planAllowances) {
        this.planAllowances = List.copyOf(planAllowances);
    }

    /** Checks {@code sources}, the pending SQL of one release, in the order they run. */
    public LintReport lint(List<SqlSource> sources, List<String> notChecked) {
        return lint(sources, notChecked, true);
    }

    /**
     * Checks {@code sources} in the order they run; {@code notChecked} lists migrations whose SQL could not be obtained.
     *
     * @param oneRelease whether the sources are one release's pending SQL, so that a table created in one script is new in
     *     the next; when it is not known which scripts are pending (every script is checked), a table is new only in the
     *     script that creates it
     */
    public LintReport lint(List<SqlSource> sources, List<String> notChecked, boolean oneRelease) {
        List<List<PgStatement>> read = sources.parallelStream().map(Linter::read).toList();
        List<Finding> findings = new ArrayList<>();
        List<Allowance> acknowledged = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int statements = 0;
        Release release = new Release();
        for (int k = 0; k < sources.size(); k++) {
            SqlSource source = sources.get(k);
            if (!oneRelease) {
                release = new Release();
            }
            Script script = new Script(source, read.get(k), release);
            for (PgStatement st : script.statements) {
                statements++;
                problems.addAll(st.source().malformedAllowances());
                script.check(st);
            }
            List<SqlStatement> written = script.statements.stream().map(PgStatement::source).toList();
            for (Finding f : script.findings()) {
                Optional<Allowance> allow = allowanceFor(f, source, written);
                if (allow.isPresent()) {
                    acknowledged.add(allow.get());
                    f = f.acknowledge(allow.get());
                }
                findings.add(f);
            }
        }
        return new LintReport(findings, acknowledged, notChecked, problems, sources.size(), statements, rollback(findings, notChecked),
                List.of());
    }

    /**
     * Whether the previous version can run against the schema after the pre-rollout SQL: not when a finding breaks it
     * (acknowledged or not), unknown when some of it was not checked.
     */
    static LintReport.Rollback rollback(List<Finding> findings, List<String> notChecked) {
        List<Finding> pre = findings.stream().filter(f -> f.phase() == Phase.PRE_ROLLOUT).toList();
        if (pre.stream().anyMatch(f -> Rule.byId(f.rule()).map(Rule::breaksOldVersion).orElse(false))) {
            return LintReport.Rollback.UNSAFE;
        }
        boolean unchecked = notChecked.stream().anyMatch(n -> !n.startsWith("post-rollout"))
                || pre.stream().anyMatch(f -> f.rule().equals(Rule.NOT_CHECKED.id()));
        return unchecked ? LintReport.Rollback.UNKNOWN : LintReport.Rollback.SAFE;
    }

    /** {@code f} with the acknowledgement its statement or the plan gives it, if any (for findings --verify adds). */
    Finding acknowledged(Finding f, SqlSource source) {
        return allowanceFor(f, source, SqlLexer.split(source.sql(), source.name())).map(f::acknowledge).orElse(f);
    }

    private static List<PgStatement> read(SqlSource source) {
        return SqlLexer.split(source.sql(), source.name()).stream().map(PgStatement::of).toList();
    }

    /** An acknowledgement of {@code f}: on its statement (for the lock timeout: on any statement of the script), or in the plan. */
    private Optional<Allowance> allowanceFor(Finding f, SqlSource source, List<SqlStatement> statements) {
        List<SqlStatement> where = statements;
        if (!f.rule().equals(Rule.REQUIRE_LOCK_TIMEOUT.id())) {
            // the statement it is on: the last to start on or before its line (a DO block's findings are inside it)
            SqlStatement on = null;
            for (SqlStatement s : statements) {
                if (s.line() > f.line()) {
                    break;
                }
                on = s;
            }
            where = on == null ? List.of() : List.of(on);
        }
        Optional<Allowance> inline = where.stream().flatMap(s -> s.allowances().stream()).filter(a -> a.rule().equals(f.rule())).findFirst();
        if (inline.isPresent()) {
            return inline;
        }
        String name = source.name();
        String file = name.substring(name.lastIndexOf('/') + 1);
        return planAllowances.stream()
                .filter(a -> Rule.byId(a.rule()).map(Rule::id).orElse("").equals(f.rule()) && a.reason() != null && !a.reason().isBlank())
                .filter(a -> a.script() == null || a.script().isBlank() || a.script().equals(file) || a.script().equals(name))
                .findFirst()
                .map(a -> new Allowance(f.rule(), a.reason(), "plan" + (a.script() == null || a.script().isBlank() ? "" : " (" + a.script() + ")")));
    }

    /** What the release's scripts so far did that later scripts depend on. */
    private static final class Release {
        /** Relations (tables, views, indexes) the release created: nobody else uses them yet. */
        final Set<String> created = new HashSet<>();
        /** Functions the release declared, and whether each is VOLATILE. */
        final Map<String, Boolean> functions = new HashMap<>();
        /** {@code CHECK (col IS NOT NULL)} constraints added NOT VALID: name to table.column. */
        final Map<String, String> notNullChecks = new HashMap<>();
        /** table.column pairs with a valid {@code CHECK (col IS NOT NULL)}: SET NOT NULL on them does not scan. */
        final Set<String> validNotNull = new HashSet<>();
        /** Tables with a constraint validated whose definition the release does not show (added by an earlier release). */
        final Set<String> validatedElsewhere = new HashSet<>();

        boolean isNew(String relation) {
            return relation != null && created.contains(relation);
        }
    }

    /** The rules over one script's statements, in order. */
    private static final class Script {
        final SqlSource source;
        final List<PgStatement> statements;
        final Release release;
        final boolean onlyConcurrent;
        final List<Finding> findings = new ArrayList<>();
        /** Constraints added NOT VALID in the open transaction, by name. */
        final Map<String, TableConstraint> addedNotValid = new HashMap<>();
        boolean lockTimeout;
        boolean inBlock;
        /** The first statement that waits for a lock on a table in use without a lock_timeout, and how many more do. */
        PgStatement firstWaiting;
        String firstWaitingWhat;
        int findingIndex;
        int moreWaiting;

        Script(SqlSource source, List<PgStatement> statements, Release release) {
            this.source = source;
            this.statements = statements;
            this.release = release;
            // Flyway runs a script whose statements all must run outside a transaction without one
            this.onlyConcurrent = !statements.isEmpty() && statements.stream().allMatch(PgStatement::concurrent);
        }

        boolean inTransaction() {
            return inBlock || (source.transactional() && !onlyConcurrent);
        }

        /** The findings in statement order, with the script's one lock-timeout finding where it first applies. */
        List<Finding> findings() {
            List<Finding> out = new ArrayList<>(findings);
            if (firstWaiting != null) {
                String more = moreWaiting == 0 ? "" : " (and " + moreWaiting + " later statement" + (moreWaiting == 1 ? "" : "s")
                        + " in this script)";
                out.add(findingIndex, finding(Rule.REQUIRE_LOCK_TIMEOUT, firstWaiting, firstWaitingWhat + " without a lock_timeout" + more));
            }
            return out;
        }

        void check(PgStatement st) {
            rules(st);
            for (Ddl.RelationLock l : st.ddl().locks()) {
                if (l.mode().blocksWrites() && !release.isNew(l.relation())) {
                    waits(st, excerpt(st.source().text()) + " waits for " + (l.mode() == LockMode.ACCESS_EXCLUSIVE ? "an " : "a ")
                            + l.mode() + " lock on " + l.relation());
                    return;
                }
            }
        }

        private void rules(PgStatement st) {
            Ddl d = st.ddl();
            if (d instanceof Ddl.Transaction tx) {
                inBlock = tx.begins();
                if (!tx.begins()) {
                    addedNotValid.clear();
                }
            } else if (d instanceof Ddl.Setting set) {
                if (set.name().equals("lock_timeout")) {
                    // SET LOCAL outside a transaction block has no effect (PostgreSQL only warns)
                    lockTimeout = set.value() != null && !set.value().matches("0+\\s*(ms|s|min)?") && (!set.local() || inTransaction());
                }
            } else if (d instanceof Ddl.CreateFunction f) {
                release.functions.put(f.name(), f.volatile_());
            } else if (d instanceof Ddl.CreateRelation c) {
                release.created.add(c.name());
            } else if (d instanceof Ddl.CreateIndex ix) {
                createIndex(st, ix);
            } else if (d instanceof Ddl.DropIndex di) {
                dropIndex(st, di);
            } else if (d instanceof Ddl.DropRelation dr) {
                for (String name : dr.names()) {
                    if (!release.isNew(name) && dr.kind().equals("table")) {
                        add(Rule.BAN_DROP_TABLE, st, "DROP TABLE " + name);
                    }
                }
            } else if (d instanceof Ddl.Reindex r) {
                if (r.concurrently()) {
                    if (inTransaction()) {
                        add(Rule.BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, st, "REINDEX CONCURRENTLY inside a transaction" + transactionWhy());
                    }
                } else if (!release.isNew(r.name())) {
                    add(Rule.REQUIRE_CONCURRENT_REINDEX, st, "REINDEX " + r.kind().toUpperCase(java.util.Locale.ROOT) + " " + r.name()
                            + " without CONCURRENTLY");
                }
            } else if (d instanceof Ddl.Locks l) {
                if (l.rewrites() && !release.isNew(l.relation())) {
                    add(Rule.TABLE_REWRITE, st, l.what() + (l.relation() == null ? " rewrites relations" : " rewrites " + l.relation()));
                }
            } else if (d instanceof Ddl.AlterTable a) {
                alterTable(st, a);
            } else if (d instanceof Ddl.Block b) {
                b.statements().forEach(this::check);
            } else if (d instanceof Ddl.Unreadable u) {
                add(Rule.NOT_CHECKED, st, u.why());
            }
        }

        private void createIndex(PgStatement st, Ddl.CreateIndex ix) {
            String named = ix.name() == null ? "an index on " + ix.table() : ix.name() + " on " + ix.table();
            if (ix.name() != null) {
                release.created.add(ix.name());
            }
            if (ix.concurrently()) {
                if (inTransaction()) {
                    add(Rule.BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, st, "CREATE INDEX CONCURRENTLY " + named
                            + " inside a transaction" + transactionWhy());
                }
            } else if (!release.isNew(ix.table())) {
                add(Rule.REQUIRE_CONCURRENT_INDEX_CREATION, st, "CREATE INDEX " + named + " without CONCURRENTLY");
            }
        }

        private void dropIndex(PgStatement st, Ddl.DropIndex di) {
            List<String> existing = di.names().stream().filter(n -> !release.isNew(n)).toList();
            if (di.concurrently()) {
                if (inTransaction()) {
                    add(Rule.BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, st, "DROP INDEX CONCURRENTLY " + String.join(", ", di.names())
                            + " inside a transaction" + transactionWhy());
                }
            } else if (!existing.isEmpty()) {
                add(Rule.REQUIRE_CONCURRENT_INDEX_DELETION, st, "DROP INDEX " + String.join(", ", existing) + " without CONCURRENTLY");
            }
        }

        private String transactionWhy() {
            return inBlock ? " (after BEGIN)" : " (Flyway runs this script in one transaction because it has other statements too)";
        }

        private void alterTable(PgStatement st, Ddl.AlterTable a) {
            String table = a.table();
            if (release.isNew(table)) {
                // created by this release: nobody reads it yet, and it is empty
                a.actions().stream().filter(x -> x instanceof AlterAction.RenameTable r && !r.schema())
                        .forEach(x -> release.created.add(((AlterAction.RenameTable) x).to()));
                return;
            }
            for (AlterAction action : a.actions()) {
                if (action instanceof AlterAction.AddColumn c) {
                    addColumn(st, table, c.column());
                } else if (action instanceof AlterAction.DropColumn c) {
                    add(Rule.BAN_DROP_COLUMN, st, "DROP COLUMN " + table + "." + c.column());
                } else if (action instanceof AlterAction.RenameColumn c) {
                    add(Rule.RENAMING_COLUMN, st, "RENAME COLUMN " + table + "." + c.from() + " TO " + c.to());
                } else if (action instanceof AlterAction.RenameTable r) {
                    add(Rule.RENAMING_TABLE, st, r.schema() ? "SET SCHEMA " + r.to() + " moves " + table + " where the running version"
                            + " does not look for it" : "RENAME TABLE " + table + " TO " + r.to());
                } else if (action instanceof AlterAction.SetType c) {
                    add(Rule.CHANGING_COLUMN_TYPE, st, "ALTER COLUMN " + table + "." + c.column() + " TYPE " + c.type());
                } else if (action instanceof AlterAction.SetNotNull c) {
                    if (!release.validNotNull.contains(table + "." + c.column()) && !release.validatedElsewhere.contains(table)) {
                        add(Rule.ADDING_NOT_NULLABLE_FIELD, st, "SET NOT NULL on existing column " + table + "." + c.column()
                                + " without a validated CHECK (" + c.column() + " IS NOT NULL)");
                    }
                } else if (action instanceof AlterAction.AddConstraint c) {
                    addConstraint(st, table, c.constraint());
                } else if (action instanceof AlterAction.ValidateConstraint v) {
                    validate(st, table, v.name());
                } else if (action instanceof AlterAction.Other o) {
                    if (o.rewrites()) {
                        add(Rule.TABLE_REWRITE, st, "ALTER TABLE " + table + " " + o.what() + " rewrites the table");
                    }
                } else if (action instanceof AlterAction.Unknown u) {
                    add(Rule.NOT_CHECKED, st, "ALTER TABLE " + table + ": the sub-command '" + excerpt(u.text()) + "' is not one the lint knows");
                }
            }
        }

        private void addColumn(PgStatement st, String table, ColumnDef c) {
            String column = table + "." + c.name();
            String rewrite = null;
            if (c.serial()) {
                rewrite = "a " + c.type() + " column gives every existing row its own nextval()";
            } else if (c.generated() == ColumnDef.Generated.IDENTITY) {
                rewrite = "GENERATED AS IDENTITY gives every existing row its own value";
            } else if (c.generated() == ColumnDef.Generated.STORED) {
                rewrite = "GENERATED ... STORED computes and stores a value for every existing row";
            } else if (!c.defaultExpression().isEmpty()) {
                rewrite = Volatility.volatileCall(c.defaultExpression(), release.functions)
                        .map(why -> "DEFAULT " + excerpt(SqlToken.join(c.defaultExpression())) + ": " + why).orElse(null);
            }
            if (c.primaryKey()) {
                add(Rule.ADDING_SERIAL_PRIMARY_KEY_FIELD, st, "ADD COLUMN " + column + " PRIMARY KEY builds its index under an ACCESS"
                        + " EXCLUSIVE lock" + (rewrite == null ? "" : ", and " + rewrite + " (a table rewrite)"));
            } else if (rewrite != null) {
                add(Rule.ADDING_FIELD_WITH_DEFAULT, st, "ADD COLUMN " + column + ": " + rewrite + ", so the table is rewritten");
            }
            if (c.notNull() && c.defaultExpression().isEmpty() && c.generated() == ColumnDef.Generated.NONE && !c.serial()) {
                add(Rule.ADDING_REQUIRED_FIELD, st, "ADD COLUMN " + column + " NOT NULL without a DEFAULT");
            }
            if (c.unique()) {
                add(Rule.DISALLOWED_UNIQUE_CONSTRAINT, st, "ADD COLUMN " + column + " UNIQUE");
            }
            if (c.references() != null) {
                add(Rule.ADDING_FOREIGN_KEY_CONSTRAINT, st, "ADD COLUMN " + column + " REFERENCES " + c.references()
                        + " (validated at once; it cannot be NOT VALID)");
            }
            if (c.check()) {
                add(Rule.CONSTRAINT_MISSING_NOT_VALID, st, "ADD COLUMN " + column + " CHECK (validated at once; it cannot be NOT VALID)");
            }
        }

        private void addConstraint(PgStatement st, String table, TableConstraint c) {
            if (c.notValid()) {
                if (inTransaction() && c.name() != null) {
                    addedNotValid.put(c.name(), c);
                }
                if (c.notNullColumn() != null && c.name() != null) {
                    release.notNullChecks.put(c.name(), table + "." + c.notNullColumn());
                }
                return;
            }
            switch (c.kind()) {
                case FOREIGN_KEY -> add(Rule.ADDING_FOREIGN_KEY_CONSTRAINT, st, c.label() + " on " + table + " → " + c.references()
                        + " without NOT VALID");
                case CHECK -> {
                    add(Rule.CONSTRAINT_MISSING_NOT_VALID, st, c.label() + " on " + table + " without NOT VALID");
                    if (c.notNullColumn() != null) {
                        release.validNotNull.add(table + "." + c.notNullColumn());
                    }
                }
                case UNIQUE -> {
                    if (!c.usingIndex()) {
                        add(Rule.DISALLOWED_UNIQUE_CONSTRAINT, st, c.label() + " on existing table " + table + " without USING INDEX");
                    }
                }
                case PRIMARY_KEY -> {
                    if (!c.usingIndex()) {
                        add(Rule.ADDING_SERIAL_PRIMARY_KEY_FIELD, st, c.label() + " on existing table " + table + " without USING INDEX");
                    }
                }
                case EXCLUDE -> {
                    // no concurrent way exists; its ACCESS EXCLUSIVE lock is what the lock timeout is asked for
                }
            }
        }

        private void validate(PgStatement st, String table, String name) {
            TableConstraint added = name == null ? null : addedNotValid.get(name);
            if (added != null) {
                Rule rule = added.kind() == TableConstraint.Kind.FOREIGN_KEY ? Rule.ADDING_FOREIGN_KEY_CONSTRAINT : Rule.CONSTRAINT_MISSING_NOT_VALID;
                add(rule, st, "VALIDATE CONSTRAINT " + name + " on " + table + " in the transaction that added it NOT VALID: the ADD's lock"
                        + " is held while VALIDATE scans the table; validate it in a later script");
            }
            String column = name == null ? null : release.notNullChecks.get(name);
            if (column != null) {
                release.validNotNull.add(column);
            } else if (added == null) {
                release.validatedElsewhere.add(table);
            }
        }

        /** Records that {@code st} waits for a lock that blocks reads or writes on a relation in use. */
        private void waits(PgStatement st, String what) {
            if (lockTimeout) {
                return;
            }
            if (firstWaiting == null) {
                firstWaiting = st;
                firstWaitingWhat = what;
                findingIndex = findings.size();
            } else if (firstWaiting != st) {
                moreWaiting++;
            }
        }

        private void add(Rule rule, PgStatement st, String message) {
            findings.add(finding(rule, st, message));
        }

        private Finding finding(Rule rule, PgStatement st, String message) {
            return Linter.finding(rule, source, st.source(), message);
        }
    }

    /** A finding of {@code rule} on {@code statement}; a contract change is only a note after the rollout. */
    static Finding finding(Rule rule, SqlSource source, SqlStatement statement, String message) {
        Phase phase = source.phase();
        Severity severity = rule.severity();
        String text = message;
        if (rule.contract()) {
            if (phase == Phase.POST_ROLLOUT) {
                severity = Severity.INFO;
                text = message + ": allowed after the rollout (the previous version no longer runs)";
            } else {
                text = message + ": a contract change; move it to the post-rollout phase (migration.postRollout)";
            }
        }
        return new Finding(rule.id(), severity, source.name(), statement.line(), statement.excerpt(200), text, rule.why(),
                rule.recipe(), phase, null, null);
    }

    private static String excerpt(String s) {
        return s.length() <= 80 ? s : s.substring(0, 79) + "…";
    }
}
