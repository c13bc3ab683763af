package io.mtd.migration;

import io.mtd.progress.StageOutcome;
import java.util.List;

/**
 * How a migration Job ended, as the waiter saw it.
 *
 * @param reason why it ended as it did, on failure (null on success)
 * @param log the migration's log lines (masked), every attempt, for parsers such as Flyway's
 */
public record MigrationResult(StageOutcome outcome, MigrationReason reason, String message, Integer exitCode, int attempts, List<String> log) {

    public MigrationResult {
        log = log == null ? List.of() : List.copyOf(log);
    }
}
