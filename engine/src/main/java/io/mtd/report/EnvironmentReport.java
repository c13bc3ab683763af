package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;

/**
 * What happened in one environment.
 *
 * @param postRollout the contract phase's migration, run after the rollout was complete and healthy (if the plan has one)
 * @param release the environment's release record as the run found and left it (null: the run did not reach it)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnvironmentReport(
        String name,
        String namespace,
        StageOutcome outcome,
        ApprovalReport approval,
        MigrationReport migration,
        RolloutReport rollout,
        MigrationReport postRollout,
        ReleaseReport release) {

    /** An environment's report without its release record. */
    public EnvironmentReport(String name, String namespace, StageOutcome outcome, ApprovalReport approval, MigrationReport migration,
            RolloutReport rollout, MigrationReport postRollout) {
        this(name, namespace, outcome, approval, migration, rollout, postRollout, null);
    }

    /** An environment's report without a post-rollout migration. */
    public EnvironmentReport(String name, String namespace, StageOutcome outcome, ApprovalReport approval, MigrationReport migration,
            RolloutReport rollout) {
        this(name, namespace, outcome, approval, migration, rollout, null);
    }

    public static EnvironmentReport notReached(String name, String namespace) {
        return new EnvironmentReport(name, namespace, StageOutcome.NOT_REACHED, null, null, null);
    }
}
