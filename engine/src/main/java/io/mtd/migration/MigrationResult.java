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
 * @param job the Job that ran, where it is not the one the stage prepared (a run again after an earlier success has an
 *     attempt's name of its own); null: the prepared one
 */
public record MigrationResult(StageOutcome outcome, MigrationReason reason, String message, Integer exitCode, int attempts,
        List<String> log, List<String> lastAttemptTail, String job) {

    /** How many lines of the latest attempt's log a report keeps. */
    public static final int TAIL_LINES = 20;

    public MigrationResult {
        log = log == null ? List.of() : List.copyOf(log);
        lastAttemptTail = lastAttemptTail == null ? List.of() : List.copyOf(lastAttemptTail);
    }

    public MigrationResult(StageOutcome outcome, MigrationReason reason, String message, Integer exitCode, int attempts,
            List<String> log, List<String> lastAttemptTail) {
        this(outcome, reason, message, exitCode, attempts, log, lastAttemptTail, null);
    }

    /** The same result, of the Job named {@code name}. */
    public MigrationResult ofJob(String name) {
        return new MigrationResult(outcome, reason, message, exitCode, attempts, log, lastAttemptTail, name);
    }

    /** A result without a log (yet): the waiter adds what it read when it reports. */
    public MigrationResult(StageOutcome outcome, MigrationReason reason, String message, Integer exitCode, int attempts, List<String> log) {
        this(outcome, reason, message, exitCode, attempts, log, List.of());
    }
}
