package io.mtd.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a statement's tokens as PostgreSQL's grammar (the manual's synopses) defines the statements that lock or change
 * relations: every sub-command of an ALTER TABLE, CREATE/DROP INDEX, CREATE TABLE (its foreign keys, AS, PARTITION OF),
 * DROP TABLE, RENAME, triggers, REINDEX, and the DDL inside DO blocks. The rest is recognised by its leading key words
 * and needs no reading: a rule only looks at what it needs.
 *
 * <p>Reading tokens, not characters, keeps identifiers that are key words elsewhere ({@code read}, {@code schema}),
 * operators ({@code ->>}) and unnamed constraints what they are, where a general-purpose SQL parser gives up.
 */
final class DdlReader {

    /** Words that end a column's type and start one of its constraints in a column definition. */
    private static final Set<String> COLUMN_CONSTRAINT = Set.of("CONSTRAINT", "NOT", "NULL", "CHECK", "DEFAULT", "GENERATED",
            "UNIQUE", "PRIMARY", "REFERENCES", "COLLATE", "DEFERRABLE", "INITIALLY");
    /** Statements that change no relation's structure and take no lock a rule is about. */
    private static final Set<String> HARMLESS = Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES", "COPY", "MERGE",
            "TABLE", "CALL", "EXPLAIN", "ANALYZE", "ANALYSE", "COMMENT", "GRANT", "REVOKE", "NOTIFY", "LISTEN", "UNLISTEN",
            "PREPARE", "EXECUTE", "DEALLOCATE", "DISCARD", "CHECKPOINT", "SECURITY", "IMPORT", "REASSIGN", "LOAD", "SHOW",
            "FETCH", "DECLARE", "CLOSE", "MOVE", "SAVEPOINT", "RELEASE", "PERFORM");
    /** Statement starts inside a DO block's body that the rules read. */
    private static final Set<String> BLOCK_DDL = Set.of("ALTER", "CREATE", "DROP", "REINDEX", "TRUNCATE", "LOCK", "REFRESH",
            "CLUSTER", "EXECUTE");

    private final List<SqlToken> t;
    private final SqlStatement source;
    private int i;

    private DdlReader(List<SqlToken> tokens, SqlStatement source) {
        this.t = tokens;
        this.source = source;
    }

    /** What {@code statement} does. */
    static Ddl read(SqlStatement statement) {
        return new DdlReader(statement.tokens(), statement).statement();
    }

    private Ddl statement() {
        if (t.isEmpty()) {
            return new Ddl.Harmless("empty");
        }
        String first = t.get(0).kind() == SqlToken.Kind.WORD ? t.get(0).text().toUpperCase(Locale.ROOT) : t.get(0).text();
        i = 1;
        switch (first) {
            case "BEGIN":
                return new Ddl.Transaction(true);
            case "START":
                return at("TRANSACTION") ? new Ddl.Transaction(true) : unreadable();
            case "COMMIT", "END", "ABORT":
                return new Ddl.Transaction(false);
            case "ROLLBACK":
                return at("TO") ? new Ddl.Harmless("ROLLBACK TO SAVEPOINT") : new Ddl.Transaction(false);
            case "SET":
                return setting();
            case "RESET":
                return end() ? unreadable() : new Ddl.Setting(word(i).toLowerCase(Locale.ROOT), null, false);
            case "ALTER":
                return alter();
            case "CREATE":
                return create();
            case "DROP":
                return drop();
            case "REINDEX":
                return reindex();
            case "TRUNCATE": {
                accept("TABLE");
                accept("ONLY");
                return new Ddl.Locks("TRUNCATE", name(), LockMode.ACCESS_EXCLUSIVE, false);
            }
            case "LOCK":
                return lock();
            case "REFRESH": {
                if (!accept("MATERIALIZED") || !accept("VIEW")) {
                    return unreadable();
                }
                boolean concurrently = accept("CONCURRENTLY");
                return new Ddl.Locks("REFRESH MATERIALIZED VIEW", name(), concurrently ? LockMode.EXCLUSIVE : LockMode.ACCESS_EXCLUSIVE,
                        false);
            }
            case "CLUSTER": {
                accept("VERBOSE");
                return end() ? new Ddl.Harmless("CLUSTER") : new Ddl.Locks("CLUSTER", name(), LockMode.ACCESS_EXCLUSIVE, true);
            }
            case "VACUUM": {
                boolean full = t.stream().anyMatch(x -> x.is("FULL"));
                return full ? new Ddl.Locks("VACUUM FULL", lastName(), LockMode.ACCESS_EXCLUSIVE, true) : new Ddl.Harmless("VACUUM");
            }
            case "DO":
                return block();
            default:
                if (HARMLESS.contains(first) || first.equals("(")) {
                    return new Ddl.Harmless(first);
                }
                return new Ddl.Unreadable("'" + t.get(0).text() + "' starts no statement the lint knows");
        }
    }

    private Ddl setting() {
        boolean local = accept("LOCAL");
        accept("SESSION");
        if (end() || at("TIME") || at("CONSTRAINTS") || at("ROLE") || at("SESSION") || at("TRANSACTION")) {
            return new Ddl.Harmless("SET");
        }
        StringBuilder name = new StringBuilder(word(i));
        i++;
        while (atSymbol(".") && i + 1 < t.size()) {
            name.append('.').append(word(i + 1));
            i += 2;
        }
        if (!accept("TO") && !acceptSymbol("=")) {
            return unreadable();
        }
        StringBuilder value = new StringBuilder();
        for (; i < t.size(); i++) {
            String v = t.get(i).text();
            value.append(v.startsWith("'") && v.endsWith("'") && v.length() > 1 ? v.substring(1, v.length() - 1) : v);
        }
        String v = value.toString().strip();
        return new Ddl.Setting(name.toString().toLowerCase(Locale.ROOT), v.equalsIgnoreCase("DEFAULT") ? null : v, local);
    }

    private Ddl alter() {
        if (accept("TABLE")) {
            return alterTable();
        }
        if (accept("INDEX")) {
            accept("IF", "EXISTS");
            if (at("ALL")) {
                return new Ddl.Locks("ALTER INDEX ALL IN TABLESPACE", null, LockMode.ACCESS_EXCLUSIVE, true);
            }
            String index = name();
            if (at("SET", "TABLESPACE")) {
                return new Ddl.Locks("ALTER INDEX SET TABLESPACE", index, LockMode.ACCESS_EXCLUSIVE, true);
            }
            // RENAME, SET (storage parameters), ALTER COLUMN ... SET STATISTICS, ATTACH PARTITION, DEPENDS ON EXTENSION
            return new Ddl.Locks("ALTER INDEX", index, LockMode.SHARE_UPDATE_EXCLUSIVE, false);
        }
        if (accept("TRIGGER")) {
            name();
            return accept("ON") ? new Ddl.Locks("ALTER TRIGGER", name(), LockMode.ACCESS_EXCLUSIVE, false) : unreadable();
        }
        if (accept("VIEW") || accept("MATERIALIZED", "VIEW")) {
            accept("IF", "EXISTS");
            return new Ddl.Locks("ALTER VIEW", name(), LockMode.ACCESS_EXCLUSIVE, false);
        }
        if (accept("SEQUENCE")) {
            accept("IF", "EXISTS");
            // nextval takes ROW EXCLUSIVE on the sequence: INSERTs that use it wait while ALTER SEQUENCE waits
            return new Ddl.Locks("ALTER SEQUENCE", name(), LockMode.SHARE_ROW_EXCLUSIVE, false);
        }
        if (accept("FOREIGN", "TABLE")) {
            return new Ddl.Harmless("ALTER FOREIGN TABLE");
        }
        return end() ? unreadable() : new Ddl.Harmless("ALTER " + word(i).toUpperCase(Locale.ROOT));
    }

    private Ddl create() {
        accept("OR", "REPLACE");
        while (accept("TEMP") || accept("TEMPORARY") || accept("UNLOGGED") || accept("GLOBAL") || accept("LOCAL")) {
            // a temporary or unlogged relation is new all the same
        }
        if (accept("UNIQUE") || at("INDEX")) {
            return accept("INDEX") ? createIndex() : unreadable();
        }
        if (accept("TABLE")) {
            return createTable();
        }
        if (accept("VIEW") || accept("RECURSIVE", "VIEW")) {
            return new Ddl.CreateRelation("view", name(), List.of(), null);
        }
        if (accept("MATERIALIZED", "VIEW")) {
            accept("IF", "NOT", "EXISTS");
            return new Ddl.CreateRelation("materialized view", name(), List.of(), null);
        }
        if (accept("SEQUENCE")) {
            accept("IF", "NOT", "EXISTS");
            return new Ddl.CreateRelation("sequence", name(), List.of(), null);
        }
        if (accept("FUNCTION")) {
            String fn = name();
            boolean declaredStable = false;
            int depth = 0;
            for (; i < t.size(); i++) {
                depth += depth(t.get(i));
                if (depth == 0 && (t.get(i).is("IMMUTABLE") || t.get(i).is("STABLE"))) {
                    declaredStable = true;
                }
            }
            return new Ddl.CreateFunction(fn, !declaredStable);
        }
        if (accept("TRIGGER") || accept("CONSTRAINT", "TRIGGER")) {
            name();
            int on = find("ON");
            if (on < 0) {
                return unreadable();
            }
            i = on + 1;
            // CREATE TRIGGER locks the table in SHARE ROW EXCLUSIVE mode: writes wait
            return new Ddl.Locks("CREATE TRIGGER", name(), LockMode.SHARE_ROW_EXCLUSIVE, false);
        }
        if (accept("RULE") || accept("POLICY")) {
            String what = "CREATE " + t.get(i - 1).text().toUpperCase(Locale.ROOT);
            int on = find(t.get(i - 1).is("RULE") ? "TO" : "ON");
            if (on < 0) {
                return unreadable();
            }
            i = on + 1;
            return new Ddl.Locks(what, name(), LockMode.ACCESS_EXCLUSIVE, false);
        }
        return end() ? unreadable() : new Ddl.Harmless("CREATE " + word(i).toUpperCase(Locale.ROOT));
    }

    private Ddl createIndex() {
        boolean concurrently = accept("CONCURRENTLY");
        accept("IF", "NOT", "EXISTS");
        String index = at("ON") ? null : name();
        if (!accept("ON")) {
            return unreadable();
        }
        accept("ONLY");
        return new Ddl.CreateIndex(index, name(), concurrently);
    }

    private Ddl createTable() {
        accept("IF", "NOT", "EXISTS");
        String table = name();
        if (table == null) {
            return unreadable();
        }
        String partitionOf = null;
        if (accept("PARTITION", "OF")) {
            partitionOf = name();
        }
        List<String> references = new ArrayList<>();
        int depth = 0;
        for (; i < t.size(); i++) {
            if (depth == 0 && t.get(i).is("AS")) {
                break; // CREATE TABLE ... AS query: the query's words are not the table's definition
            }
            depth += depth(t.get(i));
            if (t.get(i).is("REFERENCES")) {
                i++;
                String referenced = name();
                if (referenced != null && !referenced.equals(table)) {
                    references.add(referenced);
                }
                i--;
            }
        }
        return new Ddl.CreateRelation("table", table, references, partitionOf);
    }

    private Ddl drop() {
        if (accept("TABLE")) {
            return new Ddl.DropRelation("table", names());
        }
        if (accept("VIEW")) {
            return new Ddl.DropRelation("view", names());
        }
        if (accept("MATERIALIZED", "VIEW")) {
            return new Ddl.DropRelation("materialized view", names());
        }
        if (accept("INDEX")) {
            boolean concurrently = accept("CONCURRENTLY");
            return new Ddl.DropIndex(names(), concurrently);
        }
        if (accept("TRIGGER") || accept("RULE") || accept("POLICY")) {
            String what = "DROP " + t.get(i - 1).text().toUpperCase(Locale.ROOT);
            accept("IF", "EXISTS");
            name();
            return accept("ON") ? new Ddl.Locks(what, name(), LockMode.ACCESS_EXCLUSIVE, false) : unreadable();
        }
        return end() ? unreadable() : new Ddl.Harmless("DROP " + word(i).toUpperCase(Locale.ROOT));
    }

    private Ddl reindex() {
        boolean concurrently = false;
        if (atSymbol("(")) {
            int close = closing(i);
            for (int k = i; k < close; k++) {
                concurrently |= t.get(k).is("CONCURRENTLY");
            }
            i = close + 1;
        }
        if (end()) {
            return unreadable();
        }
        String kind = word(i).toLowerCase(Locale.ROOT);
        i++;
        concurrently |= accept("CONCURRENTLY");
        return new Ddl.Reindex(kind, end() ? null : name(), concurrently);
    }

    private Ddl lock() {
        accept("TABLE");
        accept("ONLY");
        String table = name();
        LockMode mode = LockMode.ACCESS_EXCLUSIVE;
        int in = find("IN");
        if (in >= 0) {
            StringBuilder m = new StringBuilder();
            for (int k = in + 1; k < t.size() && !t.get(k).is("MODE"); k++) {
                m.append(m.length() == 0 ? "" : " ").append(t.get(k).text().toUpperCase(Locale.ROOT));
            }
            mode = java.util.Arrays.stream(LockMode.values()).filter(x -> x.toString().equals(m.toString())).findFirst().orElse(mode);
        }
        return new Ddl.Locks("LOCK", table, mode, false);
    }

    /**
     * A DO block: its PL/pgSQL body is lexed, and each of its statements that starts with DDL after PL/pgSQL's own
     * words ({@code BEGIN}, {@code IF ... THEN}, {@code ELSE}, {@code LOOP}) is read as a statement of its own. Dynamic
     * SQL ({@code EXECUTE}) cannot be read.
     */
    private Ddl block() {
        SqlToken body = t.stream().filter(x -> x.kind() == SqlToken.Kind.STRING).findFirst().orElse(null);
        int language = find("LANGUAGE");
        if (body == null || (language >= 0 && language + 1 < t.size() && !t.get(language + 1).text().toLowerCase(Locale.ROOT)
                .replace("'", "").equals("plpgsql"))) {
            return unreadable();
        }
        String text = body.text();
        int open = text.startsWith("$") ? text.indexOf('$', 1) + 1 : 1;
        int close = text.startsWith("$") ? text.lastIndexOf('$', text.length() - 2) : text.length() - 1;
        if (close < open) {
            return unreadable();
        }
        String inner = text.substring(open, close);
        if (!text.startsWith("$")) {
            inner = inner.replace("''", "'");
        }
        List<PgStatement> statements = new ArrayList<>();
        for (SqlStatement s : SqlLexer.split(inner, "", body.line())) {
            List<SqlToken> tokens = s.tokens();
            int depth = 0;
            for (int k = 0; k < tokens.size(); k++) {
                SqlToken tok = tokens.get(k);
                boolean starts = depth == 0 && tok.kind() == SqlToken.Kind.WORD && BLOCK_DDL.contains(tok.text().toUpperCase(Locale.ROOT)) && (k == 0 || tokens.get(k - 1).is("BEGIN")
                        || tokens.get(k - 1).is("THEN") || tokens.get(k - 1).is("ELSE") || tokens.get(k - 1).is("LOOP"));
                depth += depth(tok);
                if (!starts) {
                    continue;
                }
                List<SqlToken> part = tokens.subList(k, tokens.size());
                SqlStatement sub = new SqlStatement(tok.line(), SqlToken.join(part), part, source.allowances(), List.of(),
                        SqlToken.join(part));
                Ddl ddl = tok.is("EXECUTE") ? new Ddl.Unreadable("dynamic SQL (EXECUTE) in a DO block cannot be read")
                        : new DdlReader(part, sub).statement();
                statements.add(new PgStatement(sub, ddl));
                break;
            }
        }
        return new Ddl.Block(statements);
    }

    private Ddl alterTable() {
        accept("IF", "EXISTS");
        if (at("ALL")) {
            return new Ddl.Locks("ALTER TABLE ALL IN TABLESPACE", null, LockMode.ACCESS_EXCLUSIVE, true);
        }
        accept("ONLY");
        String table = name();
        if (table == null) {
            return unreadable();
        }
        acceptSymbol("*");
        List<AlterAction> actions = new ArrayList<>();
        int start = i;
        int depth = 0;
        for (int k = i; k <= t.size(); k++) {
            if (k == t.size() || (depth == 0 && t.get(k).text().equals(",") && t.get(k).kind() == SqlToken.Kind.SYMBOL)) {
                if (k > start) {
                    actions.add(new DdlReader(t.subList(start, k), source).action());
                }
                start = k + 1;
            } else {
                depth += depth(t.get(k));
            }
        }
        return actions.isEmpty() ? unreadable() : new Ddl.AlterTable(table, actions);
    }

    /** One ALTER TABLE sub-command: this reader's tokens are just its own. */
    private AlterAction action() {
        i = 0;
        if (accept("ADD")) {
            if (accept("COLUMN")) {
                return addColumn();
            }
            if (at("CONSTRAINT") || at("CHECK") || at("UNIQUE") || at("PRIMARY") || at("FOREIGN")
                    || (at("EXCLUDE") && (at(1, "USING") || atSymbol(1, "(")))) {
                TableConstraint c = constraint();
                return c == null ? unknown() : new AlterAction.AddConstraint(c);
            }
            return addColumn();
        }
        if (accept("DROP")) {
            if (accept("CONSTRAINT")) {
                return new AlterAction.Other("DROP CONSTRAINT", LockMode.ACCESS_EXCLUSIVE, false);
            }
            accept("COLUMN");
            accept("IF", "EXISTS");
            String column = name();
            accept("CASCADE");
            accept("RESTRICT");
            return column != null && end() ? new AlterAction.DropColumn(column) : unknown();
        }
        if (accept("ALTER")) {
            if (accept("CONSTRAINT")) {
                return new AlterAction.Other("ALTER CONSTRAINT", LockMode.ACCESS_EXCLUSIVE, false);
            }
            accept("COLUMN");
            String column = name();
            return column == null ? unknown() : alterColumn(column);
        }
        if (accept("RENAME")) {
            if (accept("TO")) {
                return new AlterAction.RenameTable(name(), false);
            }
            if (accept("CONSTRAINT")) {
                return new AlterAction.Other("RENAME CONSTRAINT", LockMode.ACCESS_EXCLUSIVE, false);
            }
            accept("COLUMN");
            String from = name();
            return from != null && accept("TO") ? new AlterAction.RenameColumn(from, name()) : unknown();
        }
        if (accept("SET")) {
            if (accept("SCHEMA")) {
                return new AlterAction.RenameTable(name(), true);
            }
            if (at("TABLESPACE") || at("LOGGED") || at("UNLOGGED") || at("ACCESS")) {
                return new AlterAction.Other("SET " + word(i).toUpperCase(Locale.ROOT), LockMode.ACCESS_EXCLUSIVE, true);
            }
            if (accept("WITHOUT")) {
                return new AlterAction.Other("SET WITHOUT " + (end() ? "" : word(i).toUpperCase(Locale.ROOT)),
                        at("CLUSTER") ? LockMode.SHARE_UPDATE_EXCLUSIVE : LockMode.ACCESS_EXCLUSIVE, false);
            }
            return atSymbol("(") ? new AlterAction.Other("SET (storage parameters)", LockMode.SHARE_UPDATE_EXCLUSIVE, false) : unknown();
        }
        if (accept("RESET")) {
            return new AlterAction.Other("RESET (storage parameters)", LockMode.SHARE_UPDATE_EXCLUSIVE, false);
        }
        if (accept("VALIDATE", "CONSTRAINT")) {
            return new AlterAction.ValidateConstraint(name());
        }
        if (at("ENABLE") || at("DISABLE")) {
            boolean trigger = t.stream().anyMatch(x -> x.is("TRIGGER"));
            return new AlterAction.Other(word(0).toUpperCase(Locale.ROOT) + (trigger ? " TRIGGER" : " RULE or ROW LEVEL SECURITY"),
                    trigger ? LockMode.SHARE_ROW_EXCLUSIVE : LockMode.ACCESS_EXCLUSIVE, false);
        }
        if (accept("CLUSTER", "ON")) {
            return new AlterAction.Other("CLUSTER ON", LockMode.SHARE_UPDATE_EXCLUSIVE, false);
        }
        if (accept("ATTACH", "PARTITION")) {
            return new AlterAction.Other("ATTACH PARTITION", LockMode.SHARE_UPDATE_EXCLUSIVE, false);
        }
        if (accept("DETACH", "PARTITION")) {
            name();
            return new AlterAction.Other("DETACH PARTITION", accept("CONCURRENTLY") || accept("FINALIZE")
                    ? LockMode.SHARE_UPDATE_EXCLUSIVE : LockMode.ACCESS_EXCLUSIVE, false);
        }
        if (at("OWNER") || at("REPLICA") || at("INHERIT") || at("NO") || at("OF") || at("NOT") || at("FORCE")) {
            return new AlterAction.Other(word(0).toUpperCase(Locale.ROOT), LockMode.ACCESS_EXCLUSIVE, false);
        }
        return unknown();
    }

    private AlterAction alterColumn(String column) {
        if (accept("TYPE") || accept("SET", "DATA", "TYPE")) {
            StringBuilder type = new StringBuilder();
            int depth = 0;
            for (; i < t.size() && !(depth == 0 && (at("USING") || at("COLLATE"))); i++) {
                depth += depth(t.get(i));
                type.append(type.length() == 0 || t.get(i).text().equals("(") || t.get(i).text().equals(")")
                        || t.get(i).text().equals(",") || type.toString().endsWith("(") ? "" : " ").append(t.get(i).text());
            }
            return new AlterAction.SetType(column, type.toString().toLowerCase(Locale.ROOT));
        }
        if (accept("SET", "NOT", "NULL")) {
            return end() ? new AlterAction.SetNotNull(column) : unknown();
        }
        if (accept("SET", "STATISTICS") || (at("SET") && atSymbol(1, "(")) || accept("RESET")) {
            return new AlterAction.Other("ALTER COLUMN " + column + " SET STATISTICS or options", LockMode.SHARE_UPDATE_EXCLUSIVE, false);
        }
        if (accept("SET", "EXPRESSION")) {
            return new AlterAction.Other("ALTER COLUMN " + column + " SET EXPRESSION", LockMode.ACCESS_EXCLUSIVE, true);
        }
        if (at("SET") || at("DROP") || at("ADD") || at("RESTART")) {
            // SET/DROP DEFAULT, DROP NOT NULL, SET STORAGE, SET COMPRESSION, identity and generation options: catalog changes
            return new AlterAction.Other("ALTER COLUMN " + column + " " + word(i).toUpperCase(Locale.ROOT) + (i + 1 < t.size() ? " "
                    + word(i + 1).toUpperCase(Locale.ROOT) : ""),
                    LockMode.ACCESS_EXCLUSIVE, false);
        }
        return unknown();
    }

    private AlterAction addColumn() {
        accept("IF", "NOT", "EXISTS");
        String column = name();
        if (column == null) {
            return unknown();
        }
        StringBuilder type = new StringBuilder();
        int depth = 0;
        for (; i < t.size() && !(depth == 0 && atAny(COLUMN_CONSTRAINT)); i++) {
            depth += depth(t.get(i));
            type.append(type.length() == 0 ? "" : " ").append(t.get(i).text());
        }
        boolean notNull = false;
        boolean unique = false;
        boolean primaryKey = false;
        boolean check = false;
        String references = null;
        ColumnDef.Generated generated = ColumnDef.Generated.NONE;
        List<SqlToken> defaultExpression = List.of();
        while (!end()) {
            if (accept("CONSTRAINT")) {
                name();
            } else if (accept("NOT", "NULL")) {
                notNull = true;
            } else if (accept("NULL") || accept("NOT", "DEFERRABLE") || accept("DEFERRABLE")) {
                // NULL is the default; deferrability says when a constraint is checked, not what is locked
            } else if (accept("INITIALLY")) {
                i++;
            } else if (accept("COLLATE")) {
                name();
            } else if (accept("CHECK")) {
                check = true;
                skipParens();
                accept("NO", "INHERIT");
            } else if (accept("DEFAULT")) {
                int from = i;
                int d = 0;
                for (; i < t.size(); i++) {
                    if (d == 0 && i > from && (atAny(COLUMN_CONSTRAINT) && !at("NULL")
                            || at("NOT", "NULL") || (at("NULL") && !t.get(i - 1).is("IS") && !t.get(i - 1).is("NOT")))) {
                        break;
                    }
                    d += depth(t.get(i));
                }
                defaultExpression = t.subList(from, i);
            } else if (accept("GENERATED")) {
                int as = find("AS");
                if (as < 0) {
                    return unknown();
                }
                i = as + 1;
                if (accept("IDENTITY")) {
                    generated = ColumnDef.Generated.IDENTITY;
                    skipParens();
                } else {
                    skipParens();
                    generated = accept("VIRTUAL") ? ColumnDef.Generated.VIRTUAL : ColumnDef.Generated.STORED;
                    accept("STORED");
                }
            } else if (accept("UNIQUE")) {
                unique = true;
                skipIndexParameters();
            } else if (accept("PRIMARY", "KEY")) {
                primaryKey = true;
                skipIndexParameters();
            } else if (accept("REFERENCES")) {
                references = name();
                skipParens();
                skipReferentialActions();
            } else {
                return unknown();
            }
        }
        return new AlterAction.AddColumn(new ColumnDef(column, type.toString().toLowerCase(Locale.ROOT), notNull, defaultExpression,
                generated, references, unique, primaryKey, check));
    }

    /** A table constraint after ADD; null when it is not one PostgreSQL defines. */
    private TableConstraint constraint() {
        String name = accept("CONSTRAINT") ? name() : null;
        TableConstraint.Kind kind;
        boolean usingIndex = false;
        String references = null;
        String notNullColumn = null;
        if (accept("CHECK")) {
            kind = TableConstraint.Kind.CHECK;
            int close = closing(i);
            if (close < 0) {
                return null;
            }
            notNullColumn = isNotNull(t.subList(i + 1, close));
            i = close + 1;
        } else if (accept("UNIQUE") || accept("PRIMARY", "KEY")) {
            kind = t.get(i - 1).is("UNIQUE") ? TableConstraint.Kind.UNIQUE : TableConstraint.Kind.PRIMARY_KEY;
            accept("NULLS", "NOT", "DISTINCT");
            accept("NULLS", "DISTINCT");
            usingIndex = at("USING", "INDEX");
        } else if (accept("FOREIGN", "KEY")) {
            kind = TableConstraint.Kind.FOREIGN_KEY;
            skipParens();
            if (!accept("REFERENCES")) {
                return null;
            }
            references = name();
        } else if (accept("EXCLUDE")) {
            kind = TableConstraint.Kind.EXCLUDE;
        } else {
            return null;
        }
        boolean notValid = false;
        int depth = 0;
        for (; i < t.size(); i++) {
            depth += depth(t.get(i));
            if (depth == 0 && at("NOT", "VALID")) {
                notValid = true;
            }
        }
        return new TableConstraint(name, kind, notValid, usingIndex, references, notNullColumn);
    }

    /** For {@code col IS NOT NULL} (in any number of parentheses): the column; else null. */
    private static String isNotNull(List<SqlToken> expr) {
        List<SqlToken> e = expr;
        while (e.size() > 2 && e.get(0).text().equals("(") && e.get(e.size() - 1).text().equals(")")) {
            e = e.subList(1, e.size() - 1);
        }
        if (e.size() == 4 && (e.get(0).kind() == SqlToken.Kind.WORD || e.get(0).kind() == SqlToken.Kind.QUOTED_IDENTIFIER)
                && e.get(1).is("IS") && e.get(2).is("NOT") && e.get(3).is("NULL")) {
            return e.get(0).identifier();
        }
        return null;
    }

    private void skipIndexParameters() {
        while (!end() && (accept("INCLUDE") || accept("WITH") || accept("USING", "INDEX", "TABLESPACE"))) {
            if (atSymbol("(")) {
                skipParens();
            } else {
                name();
            }
        }
    }

    private void skipReferentialActions() {
        while (!end()) {
            if (accept("MATCH")) {
                i++;
            } else if (accept("ON", "DELETE") || accept("ON", "UPDATE")) {
                if (accept("SET", "NULL") || accept("SET", "DEFAULT")) {
                    skipParens();
                } else if (!accept("NO", "ACTION")) {
                    i++; // CASCADE, RESTRICT
                }
            } else {
                return;
            }
        }
    }

    private AlterAction unknown() {
        return new AlterAction.Unknown(SqlToken.join(t));
    }

    private Ddl unreadable() {
        String near = i < t.size() ? " near '" + t.get(i).text() + "'" : " (it ends too soon)";
        return new Ddl.Unreadable("not a form of " + t.get(0).text().toUpperCase(Locale.ROOT)
                + (t.size() > 1 ? " " + t.get(1).text().toUpperCase(Locale.ROOT) : "") + " that the lint knows" + near);
    }

    // --- the cursor

    private boolean end() {
        return i >= t.size();
    }

    private boolean at(String word) {
        return i < t.size() && t.get(i).is(word);
    }

    private boolean at(int ahead, String word) {
        return i + ahead < t.size() && t.get(i + ahead).is(word);
    }

    private boolean at(String... words) {
        for (int k = 0; k < words.length; k++) {
            if (!at(k, words[k])) {
                return false;
            }
        }
        return true;
    }

    /** Whether the cursor is at one of {@code words} (upper case). */
    private boolean atAny(Set<String> words) {
        return i < t.size() && t.get(i).kind() == SqlToken.Kind.WORD && words.contains(t.get(i).text().toUpperCase(Locale.ROOT));
    }

    private boolean accept(String word) {
        if (at(word)) {
            i++;
            return true;
        }
        return false;
    }

    private boolean accept(String... words) {
        if (at(words)) {
            i += words.length;
            return true;
        }
        return false;
    }

    private boolean atSymbol(String symbol) {
        return atSymbol(0, symbol);
    }

    private boolean atSymbol(int ahead, String symbol) {
        return i + ahead < t.size() && t.get(i + ahead).kind() == SqlToken.Kind.SYMBOL && t.get(i + ahead).text().equals(symbol);
    }

    private boolean acceptSymbol(String symbol) {
        if (atSymbol(symbol)) {
            i++;
            return true;
        }
        return false;
    }

    private String word(int k) {
        return t.get(k).text();
    }

    /** A possibly schema-qualified name: its last part (what the rules track relations by); null if none is here. */
    private String name() {
        if (end() || (t.get(i).kind() != SqlToken.Kind.WORD && t.get(i).kind() != SqlToken.Kind.QUOTED_IDENTIFIER)) {
            return null;
        }
        String name = t.get(i++).identifier();
        while (atSymbol(".") && i + 1 < t.size()) {
            name = t.get(i + 1).identifier();
            i += 2;
        }
        return name;
    }

    /** The names of a DROP: {@code [IF EXISTS] name, ...} up to CASCADE or RESTRICT. */
    private List<String> names() {
        accept("IF", "EXISTS");
        List<String> names = new ArrayList<>();
        while (!end()) {
            String n = name();
            if (n == null || n.equals("cascade") || n.equals("restrict")) {
                break;
            }
            names.add(n);
            acceptSymbol(",");
        }
        return names;
    }

    private String lastName() {
        for (int k = t.size() - 1; k > 0; k--) {
            if (t.get(k).kind() == SqlToken.Kind.WORD || t.get(k).kind() == SqlToken.Kind.QUOTED_IDENTIFIER) {
                return t.get(k).identifier();
            }
        }
        return null;
    }

    /** The index of the first {@code word} at parenthesis depth 0 from the cursor on, or -1. */
    private int find(String word) {
        int depth = 0;
        for (int k = i; k < t.size(); k++) {
            if (depth == 0 && t.get(k).is(word)) {
                return k;
            }
            depth += depth(t.get(k));
        }
        return -1;
    }

    private void skipParens() {
        if (atSymbol("(")) {
            int close = closing(i);
            i = close < 0 ? t.size() : close + 1;
        }
    }

    /** The index of the parenthesis that closes the one at {@code open}, or -1. */
    private int closing(int open) {
        int depth = 0;
        for (int k = open; k < t.size(); k++) {
            depth += depth(t.get(k));
            if (depth == 0) {
                return k;
            }
        }
        return -1;
    }

    private static int depth(SqlToken tok) {
        if (tok.kind() != SqlToken.Kind.SYMBOL) {
            return 0;
        }
        return switch (tok.text()) {
            case "(", "[" -> 1;
            case ")", "]" -> -1;
            default -> 0;
        };
    }
}
