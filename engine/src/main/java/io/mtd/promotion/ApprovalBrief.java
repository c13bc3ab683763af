package io.mtd.promotion;

import io.mtd.lint.LintReport;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.ImageReport;
import java.time.Instant;
import java.util.List;

/**
 * What an approver decides on, beyond the environment's name: the image promoted, what this run already did in the
 * environments before it (their migrations, rollouts and checks), the expand/contract check, and what will run in this
 * environment once approved. A new fact for approvers is a field here, or a check in an earlier environment's report
 * ({@link io.mtd.report.CheckReport}), which every page and prompt already shows.
 *
 * @param image the image promoted, with its digest where known
 * @param earlier the reports of the environments this run already went through, in order
 * @param lint the expand/contract check as it stands (the run's, or the last printed SQL's), or null
 * @param migration what will migrate this environment's database
 * @param rollout how this run rolls the environment out after it: {@code deployments} (then {@code targets}),
 *     {@code callback} (the caller's own rollout), or null when nothing is rolled out by this run
 * @param targets the Deployments, and the container in each, that are set to the image after the migration
 * @param asked when the question was asked, by the engine's clock
 */
public record ApprovalBrief(ImageReport image, List<EnvironmentReport> earlier, LintReport lint, PlannedMigration migration,
        String rollout, List<RolloutTarget> targets, Instant asked) {

    public ApprovalBrief {
        earlier = earlier == null ? List.of() : List.copyOf(earlier);
        targets = targets == null ? List.of() : List.copyOf(targets);
    }

    /**
     * The Job that will migrate the environment once approved.
     *
     * @param job its name (the same for every run of this image: a re-run attaches to it or skips it)
     * @param command what it runs, for a command migration
     * @param flywayImage the Flyway image it runs, for a Flyway migration
     * @param pending the Flyway scripts the environment's schema history lacks, or null when not known (see {@code note})
     * @param note how the pending scripts were found, or why they are not known
     */
    public record PlannedMigration(String job, String namespace, List<String> command, String flywayImage, List<String> pending,
            String note) {

        public PlannedMigration {
            command = command == null ? List.of() : List.copyOf(command);
            pending = pending == null ? null : List.copyOf(pending);
        }
    }

    /** A Deployment rolled out to the image, and its container ({@code null}: the Deployment's only one). */
    public record RolloutTarget(String deployment, String container) {}
}
