package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.time.Instant;

/**
 * Who approved (or refused) an environment, when, and how long the run waited for the answer.
 *
 * @param waited from the question to the answer (or to the timeout, or the cancel)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApprovalReport(StageOutcome outcome, String by, String comment, Instant at, Duration waited) {

    /** An answer whose wait was not measured. */
    public ApprovalReport(StageOutcome outcome, String by, String comment, Instant at) {
        this(outcome, by, comment, at, null);
    }
}
