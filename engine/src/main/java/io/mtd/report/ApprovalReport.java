package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;
import java.time.Instant;

/** Who approved (or refused) an environment, and when. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApprovalReport(StageOutcome outcome, String by, String comment, Instant at) {}
