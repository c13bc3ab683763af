package io.mtd.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.mtd.progress.StageOutcome;
import java.util.List;

/**
 * One environment's compatibility check ({@code migration.compatibility}): the versions serving there tried, each by a
 * Job from its own image, against the schema of a release.
 *
 * @param outcome SUCCEEDED (every version tried works), SKIPPED (nothing to try; {@code message} says why), FAILED (a
 *     version fails against the schema, or its check could not run), TIMED_OUT or CANCELLED
 * @param release the image of the release whose schema was tried
 * @param message why the check was skipped, or its verdict when a version failed
 * @param versions each distinct image tried (or left untried after a failure), in order
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record CompatibilityReport(StageOutcome outcome, String release, String message, List<VersionCheck> versions) {

    public CompatibilityReport {
        versions = versions == null ? List.of() : List.copyOf(versions);
    }

    /** A check that tried nothing, and why. */
    public static CompatibilityReport skipped(String release, String why) {
        return new CompatibilityReport(StageOutcome.SKIPPED, release, why, List.of());
    }

    /**
     * One version tried.
     *
     * @param image the image it runs, which the check's Job ran
     * @param deployments the Deployments that run it
     * @param job the check Job's report (null when it was not reached)
     * @param log the last lines of the check's log when it failed (masked)
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record VersionCheck(String image, List<String> deployments, MigrationReport job, List<String> log) {

        public VersionCheck {
            deployments = deployments == null ? List.of() : List.copyOf(deployments);
            log = log == null ? List.of() : List.copyOf(log);
        }
    }
}
