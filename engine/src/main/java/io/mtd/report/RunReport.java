package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** One run's outcome: the image, and per environment its approval, migration and rollout. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(
        String app,
        String runId,
        ImageReport image,
        List<EnvironmentReport> environments,
        RunOutcome outcome,
        String failure,
        Instant started,
        Duration duration) {

    public RunReport {
        environments = environments == null ? List.of() : List.copyOf(environments);
    }

    public boolean succeeded() {
        return outcome == RunOutcome.SUCCEEDED;
    }
}
