package io.mtd.migration;

import io.mtd.plan.Migration;

/**
 * Whether a migration whose Job already succeeded for this image runs again. Only evidence from the database itself
 * ({@link DatabaseState}) or the plan's explicit trust in the Job record ({@code migration.skipWhenSucceeded}) skips it;
 * otherwise it runs again, which is safe because migrate commands apply only what is pending.
 */
final class Rerun {

    private Rerun() {}

    /** The decision and what the log and the report say about it. */
    sealed interface Decision permits Skip, RunAgain {
        String why();
    }

    /** Nothing runs, on {@code evidence}. */
    record Skip(String evidence) implements Decision {
        @Override
        public String why() {
            return "skipped: " + evidence;
        }
    }

    /** The migration runs again in a Job of its own: {@code why} says why the earlier success does not count. */
    record RunAgain(String why) implements Decision {}

    /**
     * @param earlier the succeeded Job, as "Job NAME (started by run ID)"
     */
    static Decision after(Migration m, DatabaseState db, String earlier) {
        boolean flyway = m.flyway() != null;
        if (db instanceof DatabaseState.NothingPending n) {
            return new Skip(n.evidence() + " (" + earlier + " succeeded for this image)");
        }
        if (db instanceof DatabaseState.Pending p) {
            return new RunAgain("ran again: " + p.evidence() + " although " + earlier + " succeeded for this image (was the"
                    + " database restored or reset?)");
        }
        String unknown = ((DatabaseState.Unknown) db).why();
        if (m.trustsJobRecord()) {
            return new Skip("the plan trusts the Job record (migration.skipWhenSucceeded): already migrated for this"
                    + " image by " + earlier + "; the database was not asked");
        }
        if (flyway) {
            return new RunAgain("ran again: Flyway's history was not read here (" + unknown + "), and Flyway applies only"
                    + " what is pending; " + earlier + " succeeded for this image before");
        }
        return new RunAgain("ran again: a command migration is idempotent, and that it already migrated for this image is"
                + " only the record of " + earlier + ", not the database's word (migration.skipWhenSucceeded: true trusts"
                + " the record instead)");
    }
}
