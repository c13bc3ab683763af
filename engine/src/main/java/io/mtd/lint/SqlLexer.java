package io.mtd.lint;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a PostgreSQL script into statements and tokens, following PostgreSQL's lexical rules: quoted strings
 * ({@code '..'}, {@code E'..'}), quoted identifiers, dollar-quoted bodies, nested block comments and line comments.
 *
 * <p>A semicolon ends a statement only outside all of those, so a function body or a string with a semicolon stays one
 * statement. {@code -- mtd:allow RULE: reason} comments are collected for the statement they belong to.
 */
public final class SqlLexer {

    static final String ALLOW = "mtd:allow";
    /** The characters PostgreSQL builds operators from. */
    private static final String OPERATOR_CHARS = "+-*/<>=~!@#%^&|`?";

    private final String sql;
    private final String source;
    private int pos;
    private int line;

    private SqlLexer(String sql, String source, int firstLine) {
        // a byte order mark is no part of the first statement (editors on Windows write one)
        this.sql = sql.startsWith("\uFEFF") ? sql.substring(1) : sql;
        this.source = source;
        this.line = firstLine;
    }

    /** The statements of {@code sql}; {@code source} names the script in acknowledgements. */
    public static List<SqlStatement> split(String sql, String source) {
        return new SqlLexer(sql, source, 1).statements();
    }

    /** The statements of {@code sql}, a part of a script (a DO block's body) that starts on line {@code firstLine}. */
    static List<SqlStatement> split(String sql, String source, int firstLine) {
        return new SqlLexer(sql, source, firstLine).statements();
    }

    private List<SqlStatement> statements() {
        List<SqlStatement> out = new ArrayList<>();
        List<SqlToken> tokens = new ArrayList<>();
        List<Allowance> allows = new ArrayList<>();
        List<String> malformed = new ArrayList<>();
        int lastEndLine = -1; // line of the last statement's semicolon: a comment after it on that line is its
        int stmtStart = 0;
        int stmtEnd = 0;
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (c == '\n') {
                line++;
                pos++;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '-' && peek(1) == '-') {
                int start = pos + 2;
                int end = sql.indexOf('\n', start);
                end = end < 0 ? sql.length() : end;
                String comment = sql.substring(start, end).strip();
                if (comment.startsWith(ALLOW)) {
                    boolean trailing = tokens.isEmpty() && line == lastEndLine && !out.isEmpty();
                    if (trailing) {
                        SqlStatement prev = out.remove(out.size() - 1);
                        List<Allowance> pa = new ArrayList<>(prev.allowances());
                        List<String> pm = new ArrayList<>(prev.malformedAllowances());
                        allowance(comment, pa, pm);
                        out.add(new SqlStatement(prev.line(), prev.text(), prev.tokens(), pa, pm, prev.raw()));
                    } else {
                        allowance(comment, allows, malformed);
                    }
                }
                pos = end;
            } else if (c == '/' && peek(1) == '*') {
                blockComment();
            } else if (c == ';') {
                pos++;
                if (!tokens.isEmpty()) {
                    out.add(statement(tokens, allows, malformed, sql.substring(stmtStart, stmtEnd)));
                    tokens = new ArrayList<>();
                    allows = new ArrayList<>();
                    malformed = new ArrayList<>();
                    lastEndLine = line;
                }
            } else {
                if (tokens.isEmpty()) {
                    stmtStart = pos;
                }
                tokens.add(token());
                stmtEnd = pos;
            }
        }
        if (!tokens.isEmpty()) {
            out.add(statement(tokens, allows, malformed, sql.substring(stmtStart, stmtEnd)));
        }
        return out;
    }

    private void allowance(String comment, List<Allowance> allows, List<String> malformed) {
        String rest = comment.substring(ALLOW.length()).strip();
        int colon = rest.indexOf(':');
        String rule = (colon < 0 ? rest : rest.substring(0, colon)).strip();
        String reason = colon < 0 ? "" : rest.substring(colon + 1).strip();
        if (!rule.isEmpty() && !rule.contains(" ") && Rule.byId(rule).isEmpty()) {
            malformed.add(source + ":" + line + ": '-- " + comment + "' names no rule '" + rule + "'; the rules are listed in"
                    + " the README (Expand/contract checks)");
        } else if (rule.isEmpty() || rule.contains(" ") || reason.isEmpty()) {
            malformed.add(source + ":" + line + ": '-- " + comment + "' is not an acknowledgement: write '-- mtd:allow RULE: reason'"
                    + " (the reason is required)");
        } else {
            // an old rule id still acknowledges its finding, which is reported under the current id
            allows.add(new Allowance(Rule.byId(rule).map(Rule::id).orElse(rule), reason, source + ":" + line));
        }
    }

    private static SqlStatement statement(List<SqlToken> tokens, List<Allowance> allows, List<String> malformed, String raw) {
        return new SqlStatement(tokens.get(0).line(), SqlToken.join(tokens), tokens, allows, malformed, raw);
    }

    private char peek(int ahead) {
        int i = pos + ahead;
        return i < sql.length() ? sql.charAt(i) : '\0';
    }

    private void blockComment() {
        int depth = 0;
        while (pos < sql.length()) {
            if (sql.startsWith("/*", pos)) {
                depth++;
                pos += 2;
            } else if (sql.startsWith("*/", pos)) {
                depth--;
                pos += 2;
                if (depth == 0) {
                    return;
                }
            } else {
                if (sql.charAt(pos) == '\n') {
                    line++;
                }
                pos++;
            }
        }
    }

    private SqlToken token() {
        int start = pos;
        int startLine = line;
        char c = sql.charAt(pos);
        if ((c == 'E' || c == 'e') && peek(1) == '\'') {
            pos++;
            quoted('\'', true);
            return new SqlToken(SqlToken.Kind.STRING, sql.substring(start, pos), startLine);
        }
        if (c == '\'') {
            quoted('\'', false);
            return new SqlToken(SqlToken.Kind.STRING, sql.substring(start, pos), startLine);
        }
        if (c == '"') {
            quoted('"', false);
            return new SqlToken(SqlToken.Kind.QUOTED_IDENTIFIER, sql.substring(start, pos), startLine);
        }
        if (c == '$') {
            String tag = dollarTag();
            if (tag != null) {
                int close = sql.indexOf(tag, pos + tag.length());
                int end = close < 0 ? sql.length() : close + tag.length();
                countLines(pos, end);
                pos = end;
                return new SqlToken(SqlToken.Kind.STRING, sql.substring(start, pos), startLine);
            }
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < sql.length() && (Character.isLetterOrDigit(sql.charAt(pos)) || sql.charAt(pos) == '_' || sql.charAt(pos) == '$')) {
                pos++;
            }
            return new SqlToken(SqlToken.Kind.WORD, sql.substring(start, pos), startLine);
        }
        if (Character.isDigit(c)) {
            while (pos < sql.length() && (Character.isLetterOrDigit(sql.charAt(pos)) || sql.charAt(pos) == '.')) {
                pos++;
            }
            return new SqlToken(SqlToken.Kind.NUMBER, sql.substring(start, pos), startLine);
        }
        if (c == ':' && peek(1) == ':') {
            pos += 2;
            return new SqlToken(SqlToken.Kind.SYMBOL, "::", startLine);
        }
        if (OPERATOR_CHARS.indexOf(c) >= 0) {
            // an operator is a run of operator characters (->>, @>, &&, ||, <>) that stops where a comment starts
            pos++;
            while (pos < sql.length() && OPERATOR_CHARS.indexOf(sql.charAt(pos)) >= 0 && !sql.startsWith("--", pos)
                    && !sql.startsWith("/*", pos)) {
                pos++;
            }
            return new SqlToken(SqlToken.Kind.SYMBOL, sql.substring(start, pos), startLine);
        }
        pos++;
        return new SqlToken(SqlToken.Kind.SYMBOL, sql.substring(start, pos), startLine);
    }

    private void quoted(char quote, boolean backslashEscapes) {
        pos++; // opening quote
        while (pos < sql.length()) {
            char c = sql.charAt(pos);
            if (c == '\n') {
                line++;
            }
            if (backslashEscapes && c == '\\') {
                pos += 2;
                continue;
            }
            pos++;
            if (c == quote) {
                if (pos < sql.length() && sql.charAt(pos) == quote) {
                    pos++; // doubled quote
                } else {
                    return;
                }
            }
        }
    }

    /** The dollar-quote tag starting at pos ({@code $$} or {@code $name$}), or null when this '$' starts none. */
    private String dollarTag() {
        int i = pos + 1;
        while (i < sql.length() && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
            i++;
        }
        if (i < sql.length() && sql.charAt(i) == '$' && (i == pos + 1 || !Character.isDigit(sql.charAt(pos + 1)))) {
            return sql.substring(pos, i + 1);
        }
        return null;
    }

    private void countLines(int from, int to) {
        for (int i = from; i < to; i++) {
            if (sql.charAt(i) == '\n') {
                line++;
            }
        }
    }
}
