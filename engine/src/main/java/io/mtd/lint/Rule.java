package io.mtd.lint;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The expand/contract rules. Ids follow squawk's (and strong_migrations') names where they mean the same thing.
 *
 * <p>{@link #breaksOldVersion()} rules change the schema in a way the previous version cannot read or write, so a
 * release that ran one before its rollout cannot roll its code back; the others block traffic with their locks.
 * {@link #contract()} rules are allowed after the rollout, where the old version no longer runs.
 */
public enum Rule {
    BAN_DROP_COLUMN("ban-drop-column", Severity.ERROR, true, true,
            "the running version still selects or inserts this column: its queries fail as soon as the column is gone",
            "stop reading and writing the column in one release (for Django/Rails: mark it ignored), then drop it in the"
                    + " post-rollout phase (migration.postRollout) of that or a later release"),
    BAN_DROP_TABLE("ban-drop-table", Severity.ERROR, true, true,
            "the running version still queries this table: its requests fail as soon as the table is gone",
            "ship a release that no longer uses the table, then drop it in the post-rollout phase (migration.postRollout)"),
    RENAMING_COLUMN("renaming-column", Severity.ERROR, true, false,
            "the running version still uses the old column name: every query naming it fails after the rename",
            "add the new column, write both, backfill, switch reads to the new column in a release, then drop the old one"
                    + " after the rollout (or keep the old name and map it in the code)"),
    RENAMING_TABLE("renaming-table", Severity.ERROR, true, false,
            "the running version still uses the old table name: every query naming it fails after the rename",
            "create the new table (or a view under the old name), move reads and writes in a release, drop the old one"
                    + " after the rollout"),
    CHANGING_COLUMN_TYPE("changing-column-type", Severity.ERROR, true, false,
            "most type changes rewrite the whole table and its indexes under an ACCESS EXCLUSIVE lock (no reads, no writes"
                    + " until done), and the running version may not read or write the new type",
            "add a column of the new type, write both, backfill in batches, switch reads in a release, drop the old column"
                    + " after the rollout"),
    ADDING_REQUIRED_FIELD("adding-required-field", Severity.ERROR, true, false,
            "the running version's INSERTs do not set this column, so they fail with a NOT NULL violation (and the ALTER"
                    + " fails on a non-empty table)",
            "add the column nullable or with a constant DEFAULT; make it NOT NULL in a later release once every writer sets it"),
    ADDING_NOT_NULLABLE_FIELD("adding-not-nullable-field", Severity.ERROR, true, false,
            "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, and the running version may still write NULLs",
            "in one script ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; in a later script (Flyway runs each script in"
                    + " its own transaction) VALIDATE CONSTRAINT c, which blocks no reads or writes; then SET NOT NULL, which"
                    + " uses the valid constraint instead of scanning (PostgreSQL 12+), and DROP CONSTRAINT c"),
    ADDING_FIELD_WITH_DEFAULT("adding-field-with-default", Severity.ERROR, false, false,
            "PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock (no reads, no writes until"
                    + " done) when a new column needs a value computed per existing row: a VOLATILE default (random(),"
                    + " gen_random_uuid(), clock_timestamp(), nextval(), a function not declared STABLE or IMMUTABLE), a"
                    + " serial or identity column, or a stored generated column",
            "add the column without a default (or with a constant or STABLE one), set the default for new rows with ALTER"
                    + " COLUMN ... SET DEFAULT, and backfill existing rows in batches; a generated or identity column on a"
                    + " large table: add a plain column filled by a trigger and backfill it"),
    REQUIRE_CONCURRENT_INDEX_CREATION("require-concurrent-index-creation", Severity.ERROR, false, false,
            "CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table while it builds: every INSERT, UPDATE and"
                    + " DELETE waits",
            "CREATE INDEX CONCURRENTLY, in a script of its own that does not run in a transaction (Flyway: a"
                    + " V..sql.conf with executeInTransaction=false)"),
    REQUIRE_CONCURRENT_INDEX_DELETION("require-concurrent-index-deletion", Severity.ERROR, false, false,
            "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table: reads and writes wait",
            "DROP INDEX CONCURRENTLY, in a script of its own that does not run in a transaction (Flyway: a V..sql.conf"
                    + " with executeInTransaction=false)"),
    REQUIRE_CONCURRENT_REINDEX("require-concurrent-reindex", Severity.ERROR, false, false,
            "REINDEX without CONCURRENTLY holds a SHARE lock on the table (writes wait) and an ACCESS EXCLUSIVE lock on the"
                    + " index (queries that would use it wait) while it rebuilds",
            "REINDEX ... CONCURRENTLY (PostgreSQL 12+), in a script of its own that does not run in a transaction"),
    BAN_CONCURRENT_INDEX_CREATION_IN_TRANSACTION("ban-concurrent-index-creation-in-transaction", Severity.ERROR, false, false,
            "CONCURRENTLY cannot run inside a transaction block: the migration fails (Flyway runs each script in one"
                    + " transaction unless told otherwise)",
            "put the statement in a script of its own and run it outside a transaction (Flyway: V..sql.conf with"
                    + " executeInTransaction=false; Django: atomic = False)"),
    ADDING_FOREIGN_KEY_CONSTRAINT("adding-foreign-key-constraint", Severity.ERROR, false, false,
            "adding a foreign key checks every existing row while holding SHARE ROW EXCLUSIVE locks on both tables:"
                    + " writes to both wait",
            "in one script ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID (for a new column: add the column first, then the"
                    + " constraint NOT VALID); VALIDATE CONSTRAINT in a later script (Flyway runs each script in its own"
                    + " transaction), where it takes only a SHARE UPDATE EXCLUSIVE lock"),
    CONSTRAINT_MISSING_NOT_VALID("constraint-missing-not-valid", Severity.ERROR, false, false,
            "adding a CHECK constraint scans every row under an ACCESS EXCLUSIVE lock: reads and writes wait",
            "in one script ADD CONSTRAINT ... CHECK (...) NOT VALID; VALIDATE CONSTRAINT in a later script (Flyway runs"
                    + " each script in its own transaction, and a VALIDATE in the transaction that added the constraint"
                    + " still holds its lock)"),
    DISALLOWED_UNIQUE_CONSTRAINT("disallowed-unique-constraint", Severity.ERROR, false, false,
            "adding a UNIQUE constraint builds its index under an ACCESS EXCLUSIVE lock: reads and writes wait",
            "CREATE UNIQUE INDEX CONCURRENTLY in a script without a transaction first, then ADD CONSTRAINT c UNIQUE USING"
                    + " INDEX that_index"),
    ADDING_SERIAL_PRIMARY_KEY_FIELD("adding-serial-primary-key-field", Severity.ERROR, false, false,
            "adding a PRIMARY KEY (or a serial primary key column) builds its index, and a serial column rewrites the"
                    + " table, under an ACCESS EXCLUSIVE lock",
            "CREATE UNIQUE INDEX CONCURRENTLY on the column(s) first, then ADD CONSTRAINT pk PRIMARY KEY USING INDEX"
                    + " that_index"),
    TABLE_REWRITE("table-rewrite", Severity.ERROR, false, false,
            "the statement rewrites the whole table under an ACCESS EXCLUSIVE lock: no reads, no writes until it is done",
            "avoid the rewrite on a table in use (for a type change: add a column of the new type, backfill in batches,"
                    + " switch reads in a release), or run it in a maintenance window and acknowledge it"),
    REQUIRE_LOCK_TIMEOUT("require-lock-timeout", Severity.WARNING, false, false,
            "without lock_timeout, a statement waiting for a lock on a table in use (behind a long query or transaction)"
                    + " queues every later query on that table behind it: the app stalls until it gets the lock",
            "start the script with SET lock_timeout = '5s' (it lasts for the session; SET LOCAL for the script's"
                    + " transaction), and retry the migration if it times out", "require-timeout-settings"),
    NOT_CHECKED("not-checked", Severity.WARNING, false, false,
            "the lint could not read this statement, so no rule was applied to it",
            "review it by hand, or acknowledge it with -- mtd:allow not-checked: reason");

    private final String id;
    private final Severity severity;
    private final boolean breaksOldVersion;
    private final boolean contract;
    private final String why;
    private final String recipe;
    private final String formerId;

    Rule(String id, Severity severity, boolean breaksOldVersion, boolean contract, String why, String recipe) {
        this(id, severity, breaksOldVersion, contract, why, recipe, null);
    }

    Rule(String id, Severity severity, boolean breaksOldVersion, boolean contract, String why, String recipe, String formerId) {
        this.formerId = formerId;
        this.id = id;
        this.severity = severity;
        this.breaksOldVersion = breaksOldVersion;
        this.contract = contract;
        this.why = why;
        this.recipe = recipe;
    }

    public String id() {
        return id;
    }

    public Severity severity() {
        return severity;
    }

    /** Whether the change breaks the previous version of the app (so rolling the code back is not safe after it). */
    public boolean breaksOldVersion() {
        return breaksOldVersion;
    }

    /** Whether this is a contract change: allowed after the rollout, where no old version runs. */
    public boolean contract() {
        return contract;
    }

    /** Why it breaks the running version or blocks traffic. */
    public String why() {
        return why;
    }

    /** The safe expand/contract way to make the same change. */
    public String recipe() {
        return recipe;
    }

    /** The rule {@code id} names: its id, or the id it had before (still accepted in acknowledgements). */
    public static Optional<Rule> byId(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id) || (r.formerId != null && r.formerId.equals(id))).findFirst();
    }

    /** Every rule's id, comma-separated, for messages that name the valid ones. */
    public static String ids() {
        return Arrays.stream(values()).map(Rule::id).collect(Collectors.joining(", "));
    }
}
