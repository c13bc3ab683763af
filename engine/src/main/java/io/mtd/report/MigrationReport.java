package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.List;

/**
 * One environment's migration.
 *
 * @param job the migration Job's name
 * @param outcome SUCCEEDED, SKIPPED (it had already succeeded for this image), FAILED, TIMED_OUT or CANCELLED
 * @param reason the Kubernetes or engine reason (BackoffLimitExceeded, ImagePullBackOff, OOMKilled, ...), on failure
 * @param message what happened, in the user's terms, and what to do about it, on failure
 * @param exitCode the migration container's exit code, when it ran to an end
 * @param attempts how many Pods the Job ran
 * @param duration how long the stage took, including the wait for the lock
 * @param flyway what Flyway applied, for a Flyway migration
 * @param applied the migrations a command migration applied, as its tool printed them (Django's, Rails', Alembic's
 *     lines); empty where the tool printed none that could be read
 * @param logTail the last lines (masked) of the failed attempt's log, on failure: why it failed, where no log is shown
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
        FlywayReport flyway,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> applied,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> logTail) {

    public MigrationReport {
        applied = applied == null ? List.of() : List.copyOf(applied);
        logTail = logTail == null ? List.of() : List.copyOf(logTail);
    }

    /** A migration's report without what its tool printed. */
    public MigrationReport(String job, StageOutcome outcome, String reason, String message, Integer exitCode, int attempts,
            Duration duration, FlywayReport flyway) {
        this(job, outcome, reason, message, exitCode, attempts, duration, flyway, List.of(), List.of());
    }

    /** This report with what the migration's tool printed it applied. */
    public MigrationReport withApplied(FlywayReport flyway, List<String> applied) {
        return new MigrationReport(job, outcome, reason, message, exitCode, attempts, duration, flyway, applied, logTail);
    }

    /** This report with another message (a Flyway script's error said first). */
    public MigrationReport withMessage(String message) {
        return new MigrationReport(job, outcome, reason, message, exitCode, attempts, duration, flyway, applied, logTail);
    }

    /**
     * What went wrong, in the user's terms first and the reason once after it ("the migration exited with code 1
     * (BackoffLimitExceeded)"); a message that already names its reason is left as it is.
     */
    public String explanation() {
        String said = message == null ? "" : message;
        if (reason == null || said.contains(reason)) {
            return said.isEmpty() ? outcome.words() : said;
        }
        return said.isEmpty() ? reason : said + " (" + reason + ")";
    }

    /** Whether it ended as it should: succeeded, or skipped as already applied. */
    public boolean ok() {
        return outcome != null && outcome.ok();
    }
}
