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

    private ExitCode() {}

    public static int of(RunOutcome outcome) {
        switch (outcome) {
            case SUCCEEDED:
                return OK;
            case INVALID_PLAN:
                return INVALID;
            case MIGRATION_FAILED:
                return MIGRATION_FAILED;
            case ROLLOUT_FAILED:
                return ROLLOUT_FAILED;
            case TIMED_OUT:
                return TIMED_OUT;
            case DENIED:
            case CANCELLED:
                return NOT_APPROVED;
            case IMAGE_FAILED:
            case INFRASTRUCTURE:
            default:
                return INFRASTRUCTURE;
        }
    }

    /** The exit code table, for --help. */
    public static final String HELP = "%nExit codes:%n"
            + "  0  success%n"
            + "  1  internal error (a bug: please report it)%n"
            + "  2  invalid command line or plan (nothing was touched)%n"
            + "  3  a migration failed%n"
            + "  4  a rollout failed (and was undone unless the plan says otherwise)%n"
            + "  5  timed out (migration deadline, lock or rollout)%n"
            + "  6  infrastructure: cluster, registry, database or image build%n"
            + "  7  not approved, or cancelled%n"
            + "%nAny command takes --debug: stack traces and the libraries' own logs (fabric8, Vert.x, Flyway) on stderr.%n";
}
