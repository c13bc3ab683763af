package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.List;

/**
 * One environment's rollout: the engine's own over named Deployments, or the caller's callback.
 *
 * @param mode {@code deployments} or {@code callback}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutReport(
        String mode,
        StageOutcome outcome,
        String reason,
        Duration duration,
        List<DeploymentReport> deployments) {

    public RolloutReport {
        deployments = deployments == null ? List.of() : List.copyOf(deployments);
    }

    /**
     * One Deployment's rollout.
     *
     * @param revisionBefore the revision it ran before
     * @param revisionAfter the revision it ran after (the new one, or the one it was undone to)
     * @param unchanged it already ran the image and was available, so it was left alone
     * @param undone the rollout failed and was undone to {@code revisionAfter}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeploymentReport(
            String name,
            StageOutcome outcome,
            String reason,
            Long revisionBefore,
            Long revisionAfter,
            boolean unchanged,
            boolean undone) {}
}
