package io.mtd.lint;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.statement.Statement;

/**
 * A statement as the lint understands it: JSqlParser's syntax tree, plus the PostgreSQL clauses JSqlParser does not
 * represent ({@code NOT VALID}, {@code DROP INDEX CONCURRENTLY}, {@code USING INDEX}, {@code SET LOCAL}, transaction
 * control), which are read from the statement's tokens and removed before parsing.
 */
final class PgStatement {

    enum Control { NONE, BEGIN, END }

    final SqlStatement source;
    final Statement parsed;
    final String parseError;
    final Control control;
    final boolean notValid;
    final boolean dropIndexConcurrently;
    final boolean usingIndex;
    /** The table of an ALTER TABLE, read from the tokens (also when the parser could not read the rest). */
    final Optional<String> alteredTable;

    private PgStatement(SqlStatement source, Statement parsed, String parseError, Control control, boolean notValid,
            boolean dropIndexConcurrently, boolean usingIndex, Optional<String> alteredTable) {
        this.source = source;
        this.parsed = parsed;
        this.parseError = parseError;
        this.control = control;
        this.notValid = notValid;
        this.dropIndexConcurrently = dropIndexConcurrently;
        this.usingIndex = usingIndex;
        this.alteredTable = alteredTable;
    }

    static PgStatement of(SqlStatement s) {
        List<SqlToken> t = s.tokens();
        SqlToken first = t.get(0);
        if (first.is("BEGIN") || (first.is("START") && t.size() > 1 && t.get(1).is("TRANSACTION"))) {
            return new PgStatement(s, null, null, Control.BEGIN, false, false, false, Optional.empty());
        }
        if (first.is("COMMIT") || first.is("END") || first.is("ROLLBACK") || first.is("ABORT")) {
            return new PgStatement(s, null, null, Control.END, false, false, false, Optional.empty());
        }
        List<SqlToken> kept = new ArrayList<>(t.size());
        boolean notValid = false;
        boolean dropConcurrently = false;
        boolean usingIndex = false;
        for (int i = 0; i < t.size(); i++) {
            SqlToken tok = t.get(i);
            if (tok.is("NOT") && i + 1 < t.size() && t.get(i + 1).is("VALID")) {
                notValid = true;
                i++;
            } else if (tok.is("DEFERRABLE") || (tok.is("NOT") && i + 1 < t.size() && t.get(i + 1).is("DEFERRABLE"))
                    || (tok.is("INITIALLY") && i + 1 < t.size() && (t.get(i + 1).is("DEFERRED") || t.get(i + 1).is("IMMEDIATE")))) {
                // a constraint's deferrability (Django writes DEFERRABLE INITIALLY DEFERRED on every foreign key) says when it
                // is checked, not what the statement locks; JSqlParser cannot read it
                i += tok.is("DEFERRABLE") ? 0 : 1;
            } else if (i == 2 && tok.is("CONCURRENTLY") && t.get(0).is("DROP") && t.get(1).is("INDEX")) {
                dropConcurrently = true;
            } else if (i == 1 && t.get(0).is("SET") && (tok.is("LOCAL") || tok.is("SESSION"))) {
                continue;
            } else if (tok.is("TO") && kept.size() == 2 && t.get(0).is("SET")) {
                kept.add(new SqlToken(SqlToken.Kind.SYMBOL, "=", tok.line())); // SET name TO value: JSqlParser knows only '='
            } else if (tok.is("SET") && i + 2 < t.size() && t.get(i + 1).is("DATA") && t.get(i + 2).is("TYPE")) {
                kept.add(new SqlToken(SqlToken.Kind.WORD, "TYPE", tok.line()));
                i += 2;
            } else if (tok.is("USING") && i + 2 < t.size() && t.get(i + 1).is("INDEX") && i > 0
                    && (t.get(i - 1).is("UNIQUE") || t.get(i - 1).is("KEY"))) {
                // ADD CONSTRAINT c UNIQUE USING INDEX i: JSqlParser cannot read it; the constraint adopts a prebuilt index
                usingIndex = true;
                i += 2;
            } else {
                kept.add(tok);
            }
        }
        Optional<String> altered = alteredTable(t);
        Statement parsed = null;
        String error = null;
        if (!usingIndex) {
            try {
                parsed = CCJSqlParserUtil.newParser(SqlToken.join(kept)).Statement();
            } catch (Exception | StackOverflowError e) {
                error = firstLine(e.getMessage(), "unreadable");
            } catch (Error e) { // JSqlParser's token manager reports unknown characters with an Error
                if (!e.getClass().getName().startsWith("net.sf.jsqlparser")) {
                    throw e;
                }
                error = firstLine(e.getMessage(), "unreadable");
            }
        }
        return new PgStatement(s, parsed, error, Control.NONE, notValid, dropConcurrently, usingIndex, altered);
    }

    /** CREATE/DROP INDEX CONCURRENTLY: statements that cannot run inside a transaction. */
    boolean concurrent() {
        return dropIndexConcurrently
                || (parsed instanceof net.sf.jsqlparser.statement.create.index.CreateIndex c && c.isConcurrently());
    }

    /** ALTER TABLE [IF EXISTS] [ONLY] name: the name, from the tokens. */
    private static Optional<String> alteredTable(List<SqlToken> t) {
        if (t.size() < 3 || !t.get(0).is("ALTER") || !t.get(1).is("TABLE")) {
            return Optional.empty();
        }
        int i = 2;
        if (t.get(i).is("IF") && i + 2 < t.size()) {
            i += 2;
        }
        if (i < t.size() && t.get(i).is("ONLY")) {
            i++;
        }
        // schema.table: the last part names the table
        while (i + 2 < t.size() && t.get(i + 1).text().equals(".")) {
            i += 2;
        }
        return i < t.size() ? Optional.of(t.get(i).identifier()) : Optional.empty();
    }

    /** The first line of a message, stripped; {@code fallback} when there is no message. */
    static String firstLine(String s, String fallback) {
        if (s == null) {
            return fallback;
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
