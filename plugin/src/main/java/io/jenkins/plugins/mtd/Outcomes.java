package io.jenkins.plugins.mtd;

import hudson.model.Result;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;

/**
 * How a run's outcome ends the build: its result and the sentence telling the user what was left where. Both are
 * switches without a default, so a new {@link RunOutcome} does not compile until it is mapped here.
 */
final class Outcomes {

    private Outcomes() {}

    static Result result(RunOutcome outcome) {
        return switch (outcome) {
            case SUCCEEDED -> Result.SUCCESS;
            case CANCELLED -> Result.ABORTED;
            // as milestone ends an older build: not built, not failed
            case SUPERSEDED -> Result.NOT_BUILT;
            case INVALID_PLAN, VETOED, IMAGE_FAILED, MIGRATION_FAILED, ROLLOUT_FAILED, POST_ROLLOUT_FAILED, INCOMPATIBLE, TIMED_OUT,
                    DENIED, LOCK_LOST, INFRASTRUCTURE, DRIFTED -> Result.FAILURE;
        };
    }

    /** What the outcome leaves behind, for the failure message. */
    static String consequence(RunOutcome outcome) {
        return switch (outcome) {
            case SUCCEEDED -> "";
            case INVALID_PLAN -> Messages.Outcomes_InvalidPlan();
            case VETOED -> Messages.Outcomes_Vetoed();
            case IMAGE_FAILED -> Messages.Outcomes_ImageFailed();
            case MIGRATION_FAILED -> Messages.Outcomes_MigrationFailed();
            case ROLLOUT_FAILED -> Messages.Outcomes_RolloutFailed();
            case POST_ROLLOUT_FAILED -> Messages.Outcomes_PostRolloutFailed();
            case INCOMPATIBLE -> Messages.Outcomes_Incompatible();
            case TIMED_OUT -> Messages.Outcomes_TimedOut();
            case DENIED -> Messages.Outcomes_Denied();
            case CANCELLED -> Messages.Outcomes_Cancelled();
            case LOCK_LOST -> Messages.Outcomes_LockLost();
            case INFRASTRUCTURE -> Messages.Outcomes_Infrastructure();
            case SUPERSEDED -> Messages.Outcomes_Superseded();
            case DRIFTED -> Messages.Outcomes_Drifted();
        };
    }

    /** The message a failed run ends the step or build with. */
    static String failure(RunReport report) {
        String failure = report.failure() == null ? "" : report.failure();
        String consequence = consequence(report.outcome());
        return Messages.MigrateThenDeployExecution_Failed(report.outcome(),
                consequence.isEmpty() ? failure : failure + (failure.isEmpty() ? "" : "\n") + consequence);
    }
}
