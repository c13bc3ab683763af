package io.mtd.lint;

import io.mtd.plan.Lint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.SetStatement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.alter.AlterExpression;
import net.sf.jsqlparser.statement.alter.AlterOperation;
import net.sf.jsqlparser.statement.create.index.CreateIndex;
import net.sf.jsqlparser.statement.create.table.CheckConstraint;
import net.sf.jsqlparser.statement.create.table.ForeignKeyIndex;
import net.sf.jsqlparser.statement.create.table.Index;
import net.sf.jsqlparser.statement.create.table.CreateTable;
import net.sf.jsqlparser.statement.drop.Drop;

/**
 * Checks the SQL of a release for changes that break the version still serving traffic or block it with locks.
 *
 * <p>Tables created by the same release are new: nobody reads them yet, so only the rules that matter for new tables
 * apply to them. Contract changes are allowed in the post-rollout phase.
 */
public final class Linter {

    /** Functions whose result differs per row: as a column DEFAULT they force a table rewrite. */
    private static final Set<String> VOLATILE = Set.of("random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
            "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval", "txid_current", "statement_timestamp");
    private static final Set<String> SERIAL = Set.of("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2");

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
        List<Finding> findings = new ArrayList<>();
        List<Allowance> acknowledged = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> unchecked = new ArrayList<>(notChecked);
        Set<String> newTables = new HashSet<>();
        int statements = 0;
        boolean preUnchecked = notChecked.stream().anyMatch(n -> !n.startsWith("post-rollout"));
        boolean preBreaks = false;
        for (SqlSource source : sources) {
            List<SqlStatement> parts = SqlLexer.split(source.sql(), source.name());
            List<PgStatement> parsed = parts.stream().map(PgStatement::of).toList();
            ScriptState state = new ScriptState(source, parsed);
            if (!oneRelease) {
                newTables.clear();
            }
            for (PgStatement st : parsed) {
                statements++;
                problems.addAll(st.source.malformedAllowances());
                List<Finding> here = new ArrayList<>();
                check(st, state, newTables, here);
                for (Finding f : here) {
                    Optional<Allowance> allow = allowanceFor(f, st.source, source);
                    if (allow.isPresent()) {
                        acknowledged.add(allow.get());
                        f = f.acknowledge(allow.get());
                    }
                    if (source.phase() == Phase.PRE_ROLLOUT && Rule.byId(f.rule()).map(Rule::breaksOldVersion).orElse(false)) {
                        preBreaks = true;
                    }
                    if (f.rule().equals(Rule.NOT_CHECKED.id())) {
                        unchecked.add(source.name() + ":" + f.line() + ": not checked (" + f.message() + ")");
                        if (source.phase() == Phase.PRE_ROLLOUT) {
                            preUnchecked = true;
                        }
                    }
                    findings.add(f);
                }
            }
        }
        LintReport.Rollback rollback = preBreaks ? LintReport.Rollback.UNSAFE
                : preUnchecked ? LintReport.Rollback.UNKNOWN : LintReport.Rollback.SAFE;
        return new LintReport(findings, acknowledged, unchecked, problems, sources.size(), statements, rollback, List.of());
    }

    /** Per script: whether a lock_timeout is in force, and whether its statements run inside a transaction. */
    private static final class ScriptState {
        final SqlSource source;
        final boolean onlyConcurrent;
        boolean lockTimeout;
        boolean inBlock;

        ScriptState(SqlSource source, List<PgStatement> statements) {
            this.source = source;
            // Flyway runs a script whose statements all must run outside a transaction without one
            this.onlyConcurrent = statements.stream().allMatch(PgStatement::concurrent);
        }

        boolean inTransaction() {
            return inBlock || (source.transactional() && !onlyConcurrent);
        }
    }

    private Optional<Allowance> allowanceFor(Finding f, SqlStatement statement, SqlSource source) {
        Optional<Allowance> inline = statement.allowances().stream().filter(a -> a.rule().equals(f.rule())).findFirst();
        if (inline.isPresent()) {
            return inline;
        }
        String file = source.name().substring(source.name().lastIndexOf('/') + 1);
        return planAllowances.stream()
                .filter(a -> f.rule().equals(a.rule()) && a.reason() != null && !a.reason().isBlank())
                .filter(a -> a.script() == null || a.script().isBlank() || a.script().equals(file) || a.script().equals(source.name()))
                .findFirst()
                .map(a -> new Allowance(a.rule(), a.reason(), "plan" + (a.script() == null || a.script().isBlank() ? "" : " (" + a.script() + ")")));
    }

    private static void check(PgStatement st, ScriptState state, Set<String> newTables, List<Finding> out) {
        if (st.control == PgStatement.Control.BEGIN) {
            state.inBlock = true;
            return;
        }
        if (st.control == PgStatement.Control.END) {
            state.inBlock = false;
            return;
        }
        if (st.usingIndex) {
            String table = st.alteredTable.orElse("?");
            if (!newTables.contains(table) && !state.lockTimeout) {
                out.add(finding(Rule.REQUIRE_TIMEOUT_SETTINGS, st, state, "ALTER TABLE " + table + " without a lock_timeout"));
            }
            return; // adopting a prebuilt index is the safe way
        }
        if (st.parsed == null) {
            out.add(finding(Rule.NOT_CHECKED, st, state, "the parser could not read it: " + st.parseError));
            return;
        }
        if (st.parsed instanceof SetStatement set) {
            String name = set.getName() == null ? "" : set.getName().toString().toLowerCase(Locale.ROOT);
            if (name.equals("lock_timeout")) {
                String value = set.getExpressions().isEmpty() ? "" : set.getExpressions().get(0).toString().replace("'", "").strip();
                state.lockTimeout = !value.isEmpty() && !value.equals("0") && !value.equalsIgnoreCase("default");
            }
        } else if (st.parsed instanceof CreateTable create) {
            newTables.add(name(create.getTable()));
        } else if (st.parsed instanceof Drop drop) {
            checkDrop(drop, st, state, newTables, out);
        } else if (st.parsed instanceof CreateIndex index) {
            String table = name(index.getTable());
            if (index.isConcurrently()) {
                if (state.inTransaction()) {
                    out.add(finding(Rule.BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, st, state, "CREATE INDEX CONCURRENTLY "
                            + index.getIndex().getName() + " inside a transaction" + transactionWhy(state)));
                }
            } else if (!newTables.contains(table)) {
                out.add(finding(Rule.REQUIRE_CONCURRENT_INDEX_CREATION, st, state, "CREATE INDEX " + index.getIndex().getName()
                        + " on existing table " + table + " without CONCURRENTLY"));
            }
        } else if (st.parsed instanceof Alter alter) {
            checkAlter(alter, st, state, newTables, out);
        }
    }

    private static String transactionWhy(ScriptState state) {
        return state.inBlock ? " (after BEGIN)" : " (Flyway runs this script in one transaction because it has other statements too)";
    }

    private static void checkDrop(Drop drop, PgStatement st, ScriptState state, Set<String> newTables, List<Finding> out) {
        String type = drop.getType() == null ? "" : drop.getType().toUpperCase(Locale.ROOT);
        if (type.equals("TABLE")) {
            List<Table> names = drop.getNames() != null && !drop.getNames().isEmpty() ? drop.getNames() : List.of(drop.getName());
            for (Table t : names) {
                String table = name(t);
                if (!newTables.contains(table)) {
                    out.add(finding(Rule.BAN_DROP_TABLE, st, state, "DROP TABLE " + table));
                }
            }
        } else if (type.equals("INDEX")) {
            if (st.dropIndexConcurrently) {
                if (state.inTransaction()) {
                    out.add(finding(Rule.BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION, st, state, "DROP INDEX CONCURRENTLY "
                            + name(drop.getName()) + " inside a transaction" + transactionWhy(state)));
                }
            } else {
                out.add(finding(Rule.REQUIRE_CONCURRENT_INDEX_DELETION, st, state, "DROP INDEX " + name(drop.getName())
                        + " without CONCURRENTLY"));
            }
        }
    }

    private static void checkAlter(Alter alter, PgStatement st, ScriptState state, Set<String> newTables, List<Finding> out) {
        String table = name(alter.getTable());
        if (newTables.contains(table) || alter.getAlterExpressions() == null) {
            return; // created by this release: nobody reads it yet, and it is empty
        }
        boolean locks = false;
        for (AlterExpression e : alter.getAlterExpressions()) {
            AlterOperation op = e.getOperation();
            if (op == AlterOperation.DROP && e.getColumnName() != null) {
                out.add(finding(Rule.BAN_DROP_COLUMN, st, state, "DROP COLUMN " + table + "." + unquote(e.getColumnName())));
                locks = true;
            } else if (op == AlterOperation.RENAME && e.getColumnName() != null) {
                out.add(finding(Rule.RENAMING_COLUMN, st, state, "RENAME COLUMN " + table + "." + unquote(e.getColumnOldName())
                        + " TO " + unquote(e.getColumnName())));
                locks = true;
            } else if (op == AlterOperation.RENAME_TABLE) {
                out.add(finding(Rule.RENAMING_TABLE, st, state, "RENAME TABLE " + table + " TO " + unquote(e.getNewTableName())));
                locks = true;
            } else if (op == AlterOperation.ALTER || op == AlterOperation.MODIFY) {
                locks = true;
                if (e.getColDataTypeList() != null) {
                    for (AlterExpression.ColumnDataType c : e.getColDataTypeList()) {
                        if (c.isWithType() || c.getColDataType() != null) {
                            out.add(finding(Rule.CHANGING_COLUMN_TYPE, st, state, "ALTER COLUMN " + table + "." + unquote(c.getColumnName())
                                    + " TYPE " + c.getColDataType()));
                        }
                    }
                }
                if (e.getColumnSetNotNullList() != null) {
                    for (AlterExpression.ColumnSetNotNull c : e.getColumnSetNotNullList()) {
                        out.add(finding(Rule.ADDING_NOT_NULLABLE_FIELD, st, state, "SET NOT NULL on existing column " + table + "."
                                + unquote(c.getColumnName())));
                    }
                }
            } else if (op == AlterOperation.ADD) {
                locks = true;
                if (e.getColDataTypeList() != null) {
                    for (AlterExpression.ColumnDataType c : e.getColDataTypeList()) {
                        addColumn(table, c, st, state, out);
                    }
                }
                Index index = e.getIndex();
                if (index instanceof ForeignKeyIndex) {
                    if (!st.notValid) {
                        out.add(finding(Rule.ADDING_FOREIGN_KEY_CONSTRAINT, st, state, "FOREIGN KEY on " + table + " without NOT VALID"));
                    }
                } else if (index instanceof CheckConstraint) {
                    if (!st.notValid) {
                        out.add(finding(Rule.CONSTRAINT_MISSING_NOT_VALID, st, state, "CHECK constraint on " + table + " without NOT VALID"));
                    }
                } else if (index != null && index.getType() != null) {
                    String type = index.getType().toUpperCase(Locale.ROOT);
                    if (type.contains("PRIMARY")) {
                        out.add(finding(Rule.ADDING_SERIAL_PRIMARY_KEY_FIELD, st, state, "PRIMARY KEY on existing table " + table
                                + " without USING INDEX"));
                    } else if (type.contains("UNIQUE")) {
                        out.add(finding(Rule.DISALLOWED_UNIQUE_CONSTRAINT, st, state, "UNIQUE constraint on existing table " + table
                                + " without USING INDEX"));
                    }
                }
            } else if (op != null && !validatesOnly(st)) {
                locks = true;
            }
        }
        if (locks && !state.lockTimeout) {
            out.add(finding(Rule.REQUIRE_TIMEOUT_SETTINGS, st, state, "ALTER TABLE " + table + " without a lock_timeout"));
        }
    }

    /** VALIDATE CONSTRAINT (JSqlParser has no operation for it): takes only a SHARE UPDATE EXCLUSIVE lock. */
    private static boolean validatesOnly(PgStatement st) {
        return st.source.tokens().stream().anyMatch(t -> t.is("VALIDATE"));
    }

    private static void addColumn(String table, AlterExpression.ColumnDataType c, PgStatement st, ScriptState state, List<Finding> out) {
        String column = table + "." + unquote(c.getColumnName());
        List<String> specs = c.getColumnSpecs() == null ? List.of() : c.getColumnSpecs().stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
        String type = c.getColDataType() == null ? "" : c.getColDataType().getDataType().toLowerCase(Locale.ROOT);
        boolean notNull = false;
        Optional<String> defaultExpr = Optional.empty();
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).equals("NOT") && i + 1 < specs.size() && specs.get(i + 1).equals("NULL")) {
                notNull = true;
            }
            if (specs.get(i).equals("DEFAULT") && i + 1 < specs.size()) {
                defaultExpr = Optional.of(c.getColumnSpecs().get(i + 1));
            }
        }
        boolean primaryKey = specs.contains("PRIMARY");
        boolean serial = SERIAL.contains(type);
        if (serial || (primaryKey && specs.contains("KEY"))) {
            out.add(finding(Rule.ADDING_SERIAL_PRIMARY_KEY_FIELD, st, state, "ADD COLUMN " + column + " " + type
                    + (primaryKey ? " PRIMARY KEY" : "") + " on an existing table"));
        } else if (notNull && defaultExpr.isEmpty() && !specs.contains("GENERATED")) {
            out.add(finding(Rule.ADDING_REQUIRED_FIELD, st, state, "ADD COLUMN " + column + " NOT NULL without a DEFAULT"));
        }
        if (defaultExpr.isPresent() && isVolatile(defaultExpr.get())) {
            out.add(finding(Rule.ADDING_FIELD_WITH_DEFAULT, st, state, "ADD COLUMN " + column + " DEFAULT " + defaultExpr.get()
                    + " (volatile)"));
        }
        if (specs.contains("REFERENCES")) {
            out.add(finding(Rule.ADDING_FOREIGN_KEY_CONSTRAINT, st, state, "ADD COLUMN " + column + " REFERENCES (validated at once)"));
        }
        if (specs.contains("UNIQUE")) {
            out.add(finding(Rule.DISALLOWED_UNIQUE_CONSTRAINT, st, state, "ADD COLUMN " + column + " UNIQUE"));
        }
        if (specs.contains("CHECK")) {
            out.add(finding(Rule.CONSTRAINT_MISSING_NOT_VALID, st, state, "ADD COLUMN " + column + " CHECK (validated at once)"));
        }
    }

    /** Whether a DEFAULT expression calls a volatile function, read from its parsed expression tree. */
    static boolean isVolatile(String expression) {
        Expression parsed;
        try {
            parsed = CCJSqlParserUtil.parseExpression(expression);
        } catch (JSQLParserException e) {
            return false;
        }
        boolean[] found = {false};
        parsed.accept(new ExpressionVisitorAdapter<Void>() {
            @Override
            public <S> Void visit(Function f, S context) {
                String n = f.getName() == null ? "" : f.getName().toLowerCase(Locale.ROOT);
                if (VOLATILE.contains(n.substring(n.lastIndexOf('.') + 1))) {
                    found[0] = true;
                }
                return super.visit(f, context);
            }
        }, null);
        return found[0];
    }

    private static Finding finding(Rule rule, PgStatement st, ScriptState state, String message) {
        Phase phase = state.source.phase();
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
        return new Finding(rule.id(), severity, state.source.name(), st.source.line(), st.source.excerpt(200), text, rule.why(),
                rule.recipe(), phase, null, null);
    }

    private static String name(Table t) {
        return t == null ? "?" : unquote(t.getName());
    }

    private static String unquote(String identifier) {
        if (identifier == null) {
            return "?";
        }
        if (identifier.length() > 1 && identifier.startsWith("\"") && identifier.endsWith("\"")) {
            return identifier.substring(1, identifier.length() - 1);
        }
        return identifier.toLowerCase(Locale.ROOT);
    }
}
