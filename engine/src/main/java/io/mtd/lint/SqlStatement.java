package io.mtd.lint;

import java.util.List;

/**
 * One statement of a script as the lexer split it.
 *
 * @param line the 1-based line of its first token
 * @param text its text without comments, tokens joined by single spaces (what is given to the parser)
 * @param tokens its tokens, without the closing semicolon
 * @param allowances {@code -- mtd:allow} comments before it, inside it or after it on its last line
 * @param malformedAllowances {@code mtd:allow} comments that name no rule or give no reason, with their line
 * @param raw the statement as written, from its first token to its last (what is given to a database)
 */
public record SqlStatement(int line, String text, List<SqlToken> tokens, List<Allowance> allowances, List<String> malformedAllowances,
        String raw) {

    public SqlStatement {
        tokens = List.copyOf(tokens);
        allowances = List.copyOf(allowances);
        malformedAllowances = List.copyOf(malformedAllowances);
    }

    /** The line of its last token's end (a DO block's statements, and findings in them, lie between its first and this). */
    public int endLine() {
        SqlToken last = tokens.get(tokens.size() - 1);
        return last.line() + (int) last.text().chars().filter(c -> c == '\n').count();
    }

    /** The first {@code max} characters of the statement, for messages. */
    public String excerpt(int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
