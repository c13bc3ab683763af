package io.mtd.promotion;

import io.mtd.lint.LintReport;
import io.mtd.report.CheckReport;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.ImageReport;
import io.mtd.report.Timeline;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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

    private static final String CALLBACK = "callback";

    public ApprovalBrief {
        earlier = earlier == null ? List.of() : List.copyOf(earlier);
        targets = targets == null ? List.of() : List.copyOf(targets);
    }

    /** The brief as a terminal shows it before the question: one fact a line. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        if (image != null) {
            lines.add("image      " + image.pinned() + (image.digest() != null && !image.pinned().equals(image.reference())
                    ? " (from " + image.reference() + ")" : ""));
        }
        for (EnvironmentReport e : earlier) {
            Timeline t = Timeline.of(e);
            List<String> parts = new ArrayList<>();
            t.entries().forEach(x -> parts.add(x.stage() + " " + x.status().words() + (x.duration() == null ? "" : " in " + x.took())
                    + ": " + x.summary()));
            t.checks().forEach(c -> parts.add(c.title() + " " + c.verdict().words()));
            lines.add(String.format(Locale.ROOT, "%-10s %s%s", e.name(), t.status().words(), parts.isEmpty() ? "" : ": " + String.join("; ", parts)));
        }
        if (lint != null && earlier.isEmpty()) {
            CheckReport check = CheckReport.lint(lint);
            lines.add("check      " + check.title() + " " + check.verdict().words() + ": " + String.join("; ", check.details()));
        }
        if (migration != null) {
            String runs = !migration.command().isEmpty() ? String.join(" ", migration.command())
                    : migration.flywayImage() != null ? "Flyway (" + migration.flywayImage() + ")" + (migration.pending() == null ? ""
                            : migration.pending().isEmpty() ? ", nothing pending" : ", pending " + String.join(", ", migration.pending()))
                    : "";
            lines.add("next       " + (migration.job() == null ? "the migration" : "Job " + migration.job()) + " in namespace "
                    + migration.namespace() + (runs.isEmpty() ? "" : " runs " + runs) + (migration.note() == null ? "" : " (" + migration.note() + ")"));
        }
        if (!targets.isEmpty()) {
            lines.add("then       " + String.join(", ", targets.stream().map(t -> t.deployment() + (t.container() == null ? ""
                    : " (container " + t.container() + ")")).toList()) + " rolled out to the image");
        } else if (CALLBACK.equals(rollout)) {
            lines.add("then       the caller's own rollout");
        }
        return lines;
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
