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
    /**
     * An approval was refused or not given in time (or the run was cancelled, which in the CLI only a signal does: the
     * JVM then exits with 130 or 143, see {@link #TABLE}).
     */
    public static final int NOT_APPROVED = 7;
    /** The migration lock was lost while held: nothing was rolled out, a migration Job may still run. */
    public static final int LOCK_LOST = 8;
    /** The expand/contract check vetoed the release: an error in its SQL nobody acknowledged (nothing was migrated). */
    public static final int VETOED = 9;
    /**
     * A newer run of the app already took an environment to its newer release: this run stopped there before its
     * approval, migration or rollout (a rollback on purpose is {@code --rollback}).
     */
    public static final int SUPERSEDED = 10;
    /**
     * The compatibility check failed: a version serving fails against the migrated schema (the environment stopped
     * before its rollout, or after its post-rollout migration; the migration is not undone).
     */
    public static final int INCOMPATIBLE = 11;
    /**
     * An environment's schema was not the one the first environment was tested on, before or after its migration, and
     * nobody accepted the difference (nothing migrated, or nothing rolled out, there); also {@code mtd plan --drift} when
     * an environment's schema changed since its last release.
     */
    public static final int DRIFTED = 12;

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
            case INCOMPATIBLE -> INCOMPATIBLE;
            case IMAGE_FAILED, INFRASTRUCTURE -> INFRASTRUCTURE;
            case SUPERSEDED -> SUPERSEDED;
            case DRIFTED -> DRIFTED;
        };
    }

    /**
     * The exit code table, shown once, by {@code mtd --help}; every row fits 80 columns, so that picocli does not wrap it.
     * SIGINT and SIGTERM end the JVM with 128 + the signal's number, as shells and CI runners expect of a signalled
     * process; the run is cancelled and its summary printed before that (see {@link RunCommand}).
     */
    public static final String TABLE = "%nExit codes:%n"
            + "  0    success%n"
            + "  1    internal error: a bug in mtd (please report it, with --debug's output)%n"
            + "  2    invalid command line or plan (nothing was touched)%n"
            + "  3    a migration failed (or a post-rollout migration, after its rollout)%n"
            + "  4    a rollout failed (undone unless the plan says otherwise)%n"
            + "  5    timed out (migration deadline, lock wait or rollout)%n"
            + "  6    infrastructure: cluster, registry, database or image build, or a%n"
            + "       permission the cluster refused%n"
            + "  7    an approval was refused, or not given in time%n"
            + "  8    the migration lock was lost while held (nothing rolled out; the next%n"
            + "       run waits for its Job)%n"
            + "  9    the expand/contract check vetoed the release (an unacknowledged unsafe%n"
            + "       migration)%n"
            + "  10   superseded: a newer run already took an environment to its newer%n"
            + "       release (nothing older promoted there; --rollback goes back on purpose)%n"
            + "  11   the compatibility check failed: the version serving fails against the%n"
            + "       migrated schema (stopped before the rollout; the migration is not undone)%n"
            + "  12   an environment's schema drifted from the one staging was tested on, and%n"
            + "       nobody accepted it (--accept-drift); plan --drift: changed since the%n"
            + "       last release%n"
            + "  130  Ctrl-C (SIGINT): the run was cancelled as the plan's onCancel says, its%n"
            + "       summary printed and --report written%n"
            + "  143  SIGTERM (e.g. a CI job aborted): the same as 130%n"
            + "%nAny command takes --debug: stack traces and the libraries' own logs (fabric8,%n"
            + "Vert.x, Flyway) on stderr.%n";

    /** The footer of each command's own help: the table is shown once, by {@code mtd --help}. */
    public static final String HELP = "%nExit codes, and --debug: mtd --help%n";
}
