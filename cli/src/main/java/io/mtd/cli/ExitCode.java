package io.mtd.cli;

import io.mtd.report.RunOutcome;

/** The exit codes of {@code mtd}: each failure class has its own, so a CI script can tell them apart. */
public final class ExitCode {

    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    /** Bad command line or invalid plan: nothing touched a cluster. */
    public static final int INVALID = 2;
    public static final int MIGRATION_FAILED = 3;
    public static final int ROLLOUT_FAILED = 4;
    public static final int TIMED_OUT = 5;
    /** Cluster, registry or database unreachable, image build or push failed. */
    public static final int INFRASTRUCTURE = 6;
    /** An approval was refused, not given in time, or the run was cancelled. */
    public static final int NOT_APPROVED = 7;
    /** The migration lock was lost while held: nothing was rolled out, a migration Job may still run. */
    public static final int LOCK_LOST = 8;
    /** The expand/contract check vetoed the release: an error in its SQL nobody acknowledged (nothing was migrated). */
    public static final int VETOED = 9;

    private ExitCode() {}

    /** The exit code of a command that ended with {@code e}: the user's to fix (2, 9), or a bug (1). */
    public static int of(Throwable e) {
        if (e instanceof io.mtd.lint.LintFailedException) {
            return VETOED;
        }
        return e instanceof io.mtd.plan.InvalidPlanException ? INVALID : INTERNAL_ERROR;
    }

    public static int of(RunOutcome outcome) {
        // exhaustive: a new outcome must be given its code here
        return switch (outcome) {
            case SUCCEEDED -> OK;
            case INVALID_PLAN -> INVALID;
            case VETOED -> VETOED;
            case MIGRATION_FAILED, POST_ROLLOUT_FAILED -> MIGRATION_FAILED;
            case ROLLOUT_FAILED -> ROLLOUT_FAILED;
            case TIMED_OUT -> TIMED_OUT;
            case DENIED, CANCELLED -> NOT_APPROVED;
            case LOCK_LOST -> LOCK_LOST;
            case IMAGE_FAILED, INFRASTRUCTURE -> INFRASTRUCTURE;
        };
    }

    /** The exit code table, for --help. */
    public static final String HELP = "%nExit codes:%n"
            + "  0  success%n"
            + "  1  internal error (a bug: please report it)%n"
            + "  2  invalid command line or plan (nothing was touched)%n"
            + "  3  a migration failed (or a post-rollout migration, after its rollout)%n"
            + "  4  a rollout failed (and was undone unless the plan says otherwise)%n"
            + "  5  timed out (migration deadline, lock or rollout)%n"
            + "  6  infrastructure: cluster, registry, database or image build%n"
            + "  7  not approved, or cancelled%n"
            + "  8  the migration lock was lost while held (nothing rolled out; the next run waits for its Job)%n"
            + "  9  the expand/contract check vetoed the release: an unacknowledged error in its SQL (nothing migrated)%n"
            + "%nAny command takes --debug: stack traces and the libraries' own logs (fabric8, Vert.x, Flyway) on stderr.%n";
}
