package io.mtd.migration;

import io.mtd.progress.StageOutcome;
import java.util.List;

/**
 * How a migration Job ended, as the waiter saw it.
 *
 * @param reason why it ended as it did, on failure (null on success)
 * @param log the migration's log lines (masked), every attempt, for parsers such as Flyway's
 * @param lastAttemptTail the last {@value #TAIL_LINES} lines (masked) of the latest attempt's log: what a failure is
 *     explained with where no log is shown
 */
public record MigrationResult(StageOutcome outcome, MigrationReason reason, String message, Integer exitCode, int attempts,
        List<String> log, List<String> lastAttemptTail) {

    /** How many lines of the latest attempt's log a report keeps. */
    public static final int TAIL_LINES = 20;

    public MigrationResult {
        log = log == null ? List.of() : List.copyOf(log);
        lastAttemptTail = lastAttemptTail == null ? List.of() : List.copyOf(lastAttemptTail);
    }

    /** A result without a log (yet): the waiter adds what it read when it reports. */
    public MigrationResult(StageOutcome outcome, MigrationReason reason, String message, Integer exitCode, int attempts, List<String> log) {
        this(outcome, reason, message, exitCode, attempts, log, List.of());
    }
}
