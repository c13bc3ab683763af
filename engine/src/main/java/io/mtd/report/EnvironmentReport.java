package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;

/** What happened in one environment. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EnvironmentReport(
        String name,
        String namespace,
        StageOutcome outcome,
        ApprovalReport approval,
        MigrationReport migration,
        RolloutReport rollout) {

    public static EnvironmentReport notReached(String name, String namespace) {
        return new EnvironmentReport(name, namespace, StageOutcome.NOT_REACHED, null, null, null);
    }
}
