package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import io.mtd.lint.LintReport;
import java.util.List;

/** One run's outcome: the expand/contract check, the image, and per environment its approval, migration and rollout. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(
        String app,
        String runId,
        ImageReport image,
        List<EnvironmentReport> environments,
        RunOutcome outcome,
        String failure,
        Instant started,
        Duration duration,
        LintReport lint) {

    public RunReport {
        environments = environments == null ? List.of() : List.copyOf(environments);
    }

    /** A report without an expand/contract check. */
    public RunReport(String app, String runId, ImageReport image, List<EnvironmentReport> environments, RunOutcome outcome,
            String failure, Instant started, Duration duration) {
        this(app, runId, image, environments, outcome, failure, started, duration, null);
    }

    public boolean succeeded() {
        return outcome == RunOutcome.SUCCEEDED;
    }
}
