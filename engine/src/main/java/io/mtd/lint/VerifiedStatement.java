package io.mtd.lint;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What one statement really did on a throwaway copy of the schema.
 *
 * @param source the script
 * @param line its line
 * @param statement the statement, shortened
 * @param locks the lock modes it took on tables that existed before, e.g. {@code customer: ShareLock}
 * @param rewritten tables whose storage was rewritten (their relfilenode changed)
 * @param schemaChanges columns dropped, added, renamed or retyped
 * @param error the database's error, when the statement failed
 * @param note why the statement was not run, when it was not
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record VerifiedStatement(String source, int line, String statement, List<String> locks, List<String> rewritten,
        List<String> schemaChanges, String error, String note) {

    public VerifiedStatement(String source, int line, String statement, List<String> locks, List<String> rewritten,
            List<String> schemaChanges, String error) {
        this(source, line, statement, locks, rewritten, schemaChanges, error, null);
    }
}
