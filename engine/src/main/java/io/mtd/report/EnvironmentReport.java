package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;

/**
 * What happened in one environment.
 *
 * @param postRollout the contract phase's migration, run after the rollout was complete and healthy (if the plan has one)
 * @param compatibility the versions serving before the rollout, tried against the migrated schema (if the plan asks)
 * @param postRolloutCompatibility the new version, tried against the schema the post-rollout migration left
 * @param release the environment's release record as the run found and left it (null: the run did not reach it)
 * @param schema the schema snapshots around the migration and their comparisons (if the plan takes snapshots)
 * @param backup the backup Job run right before the migration (if the plan has one): skipped when nothing was to migrate
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
        CompatibilityReport compatibility,
        CompatibilityReport postRolloutCompatibility,
        ReleaseReport release,
        SchemaReport schema,
        MigrationReport backup) {

    /** An environment's report without a compatibility check, a release record, schema snapshots or a backup. */
    public EnvironmentReport(String name, String namespace, StageOutcome outcome, ApprovalReport approval, MigrationReport migration,
            RolloutReport rollout, MigrationReport postRollout) {
        this(name, namespace, outcome, approval, migration, rollout, postRollout, null, null, null, null, null);
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
