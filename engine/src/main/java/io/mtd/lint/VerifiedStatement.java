package io.mtd.lint;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What one statement really did on a throwaway copy of the schema, run as Flyway runs its script.
 *
 * @param source the script
 * @param line its first line
 * @param endLine its last line
 * @param statement the statement, shortened
 * @param locks the locks it took on relations that existed before the release, e.g. {@code customer: ShareLock}
 * @param held locks on those relations that its transaction already held from earlier statements of its script, so
 *     that it ran under them too (a lock it asks for again in a mode already held does not show in {@code locks})
 * @param rewritten tables whose storage was rewritten (their relfilenode changed)
 * @param schemaChanges tables dropped; columns dropped, added, renamed or retyped
 * @param lockTimeout the lock_timeout in force when it ran ({@code 0}: none)
 * @param error the database's error, when the statement failed
 * @param note why the statement was not run, or what could not be observed
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record VerifiedStatement(String source, int line, int endLine, String statement, List<String> locks, List<String> held,
        List<String> rewritten, List<String> schemaChanges, String lockTimeout, String error, String note) {

    /** Empty lists are left out of JSON: read back, they are empty again, not null. */
    public VerifiedStatement {
        locks = locks == null ? List.of() : List.copyOf(locks);
        held = held == null ? List.of() : List.copyOf(held);
        rewritten = rewritten == null ? List.of() : List.copyOf(rewritten);
        schemaChanges = schemaChanges == null ? List.of() : List.copyOf(schemaChanges);
    }

    /** A statement that was not run, and why. */
    static VerifiedStatement notRun(String source, SqlStatement s, String why) {
        return new VerifiedStatement(source, s.line(), s.endLine(), s.excerpt(120), List.of(), List.of(), List.of(), List.of(), null,
                null, why);
    }

    /** Whether there is anything to tell about it beyond that it ran. */
    boolean notable() {
        return !locks.isEmpty() || !held.isEmpty() || !rewritten.isEmpty() || !schemaChanges.isEmpty() || error != null || note != null;
    }
}
