package io.mtd.migration;

/**
 * What the database itself says, before a migration runs, about whether it still needs it: the evidence the skip of a
 * migration whose Job already succeeded for this image must rest on (a Job record says what ran once, not what the
 * database holds now: it may have been restored from a backup since).
 *
 * <p>Flyway's pre-flight gives {@link NothingPending} or {@link Pending} where it could read the schema history. Other
 * evidence plugs in here: a schema snapshot that still matches the one the succeeded Job left is a
 * {@link NothingPending} too.
 */
public sealed interface DatabaseState {

    /** The database was asked and has everything: {@code evidence} says who said so (e.g. "Flyway's history says nothing is pending"). */
    record NothingPending(String evidence) implements DatabaseState {}

    /** The database was asked and lacks something: {@code evidence} says what. */
    record Pending(String evidence) implements DatabaseState {}

    /** Nobody asked the database (a command migration), or it could not be asked: {@code why}. */
    record Unknown(String why) implements DatabaseState {}

    /** The state of a command migration's database: not read before it runs. */
    DatabaseState NOT_READ = new Unknown("a command migration's database is not read before it runs");
}
