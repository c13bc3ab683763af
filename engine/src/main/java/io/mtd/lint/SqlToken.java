package io.mtd.lint;

import java.util.List;
import java.util.Locale;

/**
 * One lexical token of a SQL statement (comments and white space are not tokens).
 *
 * @param kind what sort of token
 * @param text the token as written
 * @param line the 1-based line it starts on
 */
public record SqlToken(Kind kind, String text, int line) {

    /** Token kinds of PostgreSQL's lexical structure that the lint tells apart. */
    public enum Kind { WORD, QUOTED_IDENTIFIER, STRING, NUMBER, SYMBOL }

    /** Whether this is the unquoted key word or identifier {@code word}, case-insensitively. */
    public boolean is(String word) {
        return kind == Kind.WORD && text.equalsIgnoreCase(word);
    }

    /**
     * The tokens' texts joined as SQL is usually written: a space between tokens, none inside parentheses, before a
     * comma, around {@code ::} or between a name and its argument list; a statement's text without comments and layout.
     */
    public static String join(List<SqlToken> tokens) {
        StringBuilder text = new StringBuilder();
        SqlToken previous = null;
        for (SqlToken t : tokens) {
            if (previous != null && !tight(previous, t)) {
                text.append(' ');
            }
            text.append(t.text());
            previous = t;
        }
        return text.toString();
    }

    private static boolean tight(SqlToken before, SqlToken after) {
        String b = before.kind == Kind.SYMBOL ? before.text : "";
        String a = after.kind == Kind.SYMBOL ? after.text : "";
        return b.equals("(") || b.equals("::") || b.equals(".") || a.equals(")") || a.equals(",") || a.equals("::") || a.equals(".")
                || (a.equals("(") && (before.kind == Kind.WORD || before.kind == Kind.QUOTED_IDENTIFIER));
    }

    /** The identifier this token names (unquoted words fold to lower case, as PostgreSQL does). */
    public String identifier() {
        if (kind == Kind.QUOTED_IDENTIFIER) {
            return text.substring(1, text.length() - 1).replace("\"\"", "\"");
        }
        return text.toLowerCase(Locale.ROOT);
    }
}
