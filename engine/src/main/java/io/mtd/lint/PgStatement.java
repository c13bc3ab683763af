package io.mtd.lint;

/**
 * A statement as the lint understands it: the statement as written, and what it does.
 *
 * @param source the statement as the lexer split it
 * @param ddl what it does, as far as the rules need to know
 */
record PgStatement(SqlStatement source, Ddl ddl) {

    static PgStatement of(SqlStatement s) {
        return new PgStatement(s, DdlReader.read(s));
    }

    /** Whether PostgreSQL refuses to run it inside a transaction block (CONCURRENTLY). */
    boolean concurrent() {
        return ddl instanceof Ddl.CreateIndex c && c.concurrently() || ddl instanceof Ddl.DropIndex d && d.concurrently()
                || ddl instanceof Ddl.Reindex r && r.concurrently();
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
