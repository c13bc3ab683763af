package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;
import java.time.Duration;

/**
 * One environment's migration.
 *
 * @param job the migration Job's name
 * @param outcome SUCCEEDED, SKIPPED (it had already succeeded for this image), FAILED, TIMED_OUT or CANCELLED
 * @param reason the Kubernetes or engine reason (BackoffLimitExceeded, ImagePullBackOff, OOMKilled, ...), on failure
 * @param message what happened and what to do about it, on failure
 * @param exitCode the migration container's exit code, when it ran to an end
 * @param attempts how many Pods the Job ran
 * @param duration how long the stage took, including the wait for the lock
 * @param flyway what Flyway applied, for a Flyway migration
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationReport(
        String job,
        StageOutcome outcome,
        String reason,
        String message,
        Integer exitCode,
        int attempts,
        Duration duration,
        FlywayReport flyway) {}
