package io.mtd.report;

import io.mtd.plan.Durations;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One environment's stages in the order they ran (approval, migration, compatibility check, rollout, post-rollout
 * migration and its compatibility check), each with its status, duration and what it did in a sentence: what the build
 * page, the Status page's summary and the command line's summary all show, so they never disagree. A stage that did not
 * run is left out.
 *
 * @param status the environment's status at a glance
 * @param entries its stages, in order
 * @param checks the checks its release went through
 */
public record Timeline(String environment, String namespace, Status status, List<Entry> entries, List<CheckReport> checks) {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /**
     * One stage.
     *
     * @param stage what ran: {@code approval}, {@code migration}, {@code rollout} or {@code post-rollout migration}
     * @param summary what it did or why it failed, in a sentence
     * @param details the facts behind it (the Job, the migrations applied, the Deployments), one per line
     * @param logTail the last lines of a failed Job's log, masked
     */
    public record Entry(String stage, Status status, Duration duration, String summary, List<String> details, List<String> logTail) {

        public Entry {
            details = List.copyOf(details);
            logTail = logTail == null ? List.of() : List.copyOf(logTail);
        }

        /** The duration as every page writes it ({@code 1m14s}, {@code 975ms}), or empty when unknown. */
        public String took() {
            return duration == null ? "" : Durations.format(duration);
        }

        /** Whether it ended as it should (succeeded, or skipped as already done or with nothing to check). */
        public boolean ok() {
            return status == Status.SUCCEEDED || status == Status.ALREADY_APPLIED || status == Status.NOTHING_TO_CHECK;
        }
    }

    public Timeline {
        entries = List.copyOf(entries);
        checks = checks == null ? List.of() : List.copyOf(checks);
    }

    /** The timeline of one environment's report. */
    public static Timeline of(EnvironmentReport e) {
        List<Entry> entries = new ArrayList<>();
        if (e.approval() != null) {
            entries.add(approval(e.approval()));
        }
        if (e.backup() != null) {
            entries.add(backup(e.backup()));
        }
        if (e.migration() != null) {
            entries.add(migration("migration", e.migration()));
        }
        if (e.compatibility() != null) {
            entries.add(compatibility("compatibility", e.compatibility()));
        }
        if (e.rollout() != null) {
            entries.add(rollout(e.rollout()));
        }
        if (e.postRollout() != null) {
            entries.add(migration("post-rollout migration", e.postRollout()));
        }
        if (e.postRolloutCompatibility() != null) {
            entries.add(compatibility("post-rollout compatibility", e.postRolloutCompatibility()));
        }
        return new Timeline(e.name(), e.namespace(), Status.of(e), entries, e.checks());
    }

    /** Whether one of its stages failed and says why (so the run's failure need not be said again). */
    public boolean explainsFailure() {
        return entries.stream().anyMatch(x -> !x.ok() && x.status() != Status.NOT_REACHED);
    }

    /** A time as pages write it: {@code 2026-11-22 10:00:00 UTC}. */
    public static String time(Instant at) {
        return at == null ? "" : TIME.format(at);
    }

    private static Entry approval(ApprovalReport a) {
        String who = a.by() == null ? "" : " by " + a.by();
        String when = (a.at() == null ? "" : " at " + time(a.at())) + (a.waited() == null ? "" : " after waiting " + Durations.format(a.waited()));
        String summary = switch (a.outcome()) {
            case SUCCEEDED -> "Approved" + who + when;
            case DENIED -> "Rejected" + who + when;
            case TIMED_OUT -> "Not answered" + when + (a.comment() == null ? "" : " (" + a.comment() + ")");
            case CANCELLED -> "Cancelled while waiting" + when;
            default -> a.outcome().words() + who + when;
        };
        List<String> details = a.comment() == null || a.outcome() == StageOutcome.TIMED_OUT ? List.of() : List.of("\"" + a.comment() + "\"");
        return new Entry("approval", Status.of(a.outcome()), a.waited(), summary, details, List.of());
    }

    private static Entry migration(String stage, MigrationReport m) {
        List<String> details = new ArrayList<>();
        String summary;
        if (m.ok()) {
            summary = m.outcome() == StageOutcome.SKIPPED ? (m.message() == null ? "already applied for this image" : m.message())
                    : applied(m);
        } else {
            summary = m.explanation();
        }
        if (m.job() != null) {
            details.add("Job " + m.job() + (m.attempts() > 1 ? ", " + m.attempts() + " attempts" : "")
                    + (m.exitCode() != null && !m.ok() ? ", exit code " + m.exitCode() : ""));
        }
        if (m.ok() && m.outcome() != StageOutcome.SKIPPED && m.message() != null) {
            details.add(m.message()); // why a migration that succeeded before for this image ran again
        }
        if (!m.ok() && !m.applied().isEmpty()) {
            details.add("applied before it failed: " + String.join(", ", m.applied()));
        }
        FlywayReport f = m.flyway();
        if (f != null) {
            if (f.schemaVersionAfter() != null || f.schemaVersionBefore() != null) {
                details.add("schema " + (f.schemaVersionBefore() == null ? "empty" : f.schemaVersionBefore()) + " -> "
                        + (f.schemaVersionAfter() == null ? "unchanged" : f.schemaVersionAfter()));
            }
            if (f.failed() != null) {
                details.add("failed at V" + f.failed().version() + " " + f.failed().description());
            }
        }
        return new Entry(stage, Status.of(m.outcome()), m.duration(), summary, details, m.logTail());
    }

    /** The backup Job taken right before the migration: a migration's entry, saying what a backup does. */
    private static Entry backup(MigrationReport m) {
        Entry x = migration("backup", m);
        return m.outcome() == StageOutcome.SUCCEEDED
                ? new Entry(x.stage(), x.status(), x.duration(), "backed up", x.details(), x.logTail())
                : m.outcome() == StageOutcome.SKIPPED
                        ? new Entry(x.stage(), Status.NOTHING_TO_CHECK, x.duration(), m.message() == null ? "nothing to migrate"
                                : m.message(), x.details(), x.logTail())
                        : x;
    }

    /** What a migration that succeeded applied, as its tool reported it. */
    private static String applied(MigrationReport m) {
        List<String> names = new ArrayList<>(m.applied());
        if (m.flyway() != null && m.flyway().applied() != null) {
            m.flyway().applied().forEach(a -> names.add("V" + a.version() + " " + a.description()));
            if (names.isEmpty()) {
                return "nothing to apply";
            }
        }
        return names.isEmpty() ? "migrated" : "applied " + String.join(", ", names);
    }

    /** A compatibility check: how many versions it tried, or which one failed how, with that version's log. */
    private static Entry compatibility(String stage, CompatibilityReport c) {
        List<String> details = new ArrayList<>();
        Duration took = null;
        for (CompatibilityReport.VersionCheck v : c.versions()) {
            MigrationReport job = v.job();
            details.add(v.image() + (v.deployments().isEmpty() ? "" : " (" + String.join(", ", v.deployments()) + ")") + ": "
                    + (job == null ? "not tried" : job.outcome().words() + (job.job() == null ? "" : ", Job " + job.job())));
            if (job != null && job.duration() != null) {
                took = took == null ? job.duration() : took.plus(job.duration());
            }
        }
        CompatibilityReport.VersionCheck failed = c.versions().stream()
                .filter(v -> v.job() != null && v.job().outcome() != StageOutcome.SUCCEEDED).findFirst().orElse(null);
        String summary = switch (c.outcome()) {
            case SUCCEEDED -> c.versions().size() + (c.versions().size() == 1 ? " version" : " versions") + " tried against the schema"
                    + (c.release() == null ? "" : " of " + c.release());
            case SKIPPED -> c.message() == null ? "nothing to try" : c.message();
            default -> failed == null ? (c.message() == null ? c.outcome().words() : c.message())
                    : failed.image() + (failed.job().exitCode() != null && failed.job().exitCode() != 0 ? " is incompatible"
                            : failed.job().reason() == null ? " could not be tried" : ": " + failed.job().reason());
        };
        if (failed != null && c.message() != null) {
            details.add(0, c.message());
        }
        Status status = c.outcome() == StageOutcome.SKIPPED ? Status.NOTHING_TO_CHECK : Status.of(c.outcome());
        return new Entry(stage, status, took, summary, details, failed == null ? List.of() : failed.log());
    }

    private static Entry rollout(RolloutReport r) {
        List<String> details = new ArrayList<>();
        for (RolloutReport.DeploymentReport d : r.deployments()) {
            StringBuilder line = new StringBuilder(d.name());
            if (d.unchanged()) {
                line.append(" already ran the image");
            } else if (d.revisionBefore() != null || d.revisionAfter() != null) {
                line.append(" revision ").append(d.revisionBefore() == null ? "?" : d.revisionBefore()).append(" -> ")
                        .append(d.revisionAfter() == null ? "?" : d.revisionAfter());
            }
            if (d.undone()) {
                line.append(" (undone)");
            }
            if (d.reason() != null && d.outcome() != StageOutcome.SUCCEEDED && !d.unchanged()) { // unchanged said it already
                line.append(": ").append(d.reason());
            }
            details.add(line.toString());
        }
        String summary = switch (r.outcome()) {
            case SUCCEEDED -> "callback".equals(r.mode()) ? "rolled out by the caller's own steps" : "rolled out";
            case SKIPPED -> r.reason() == null ? "every Deployment already ran the image" : r.reason();
            default -> r.reason() == null ? r.outcome().words() : r.reason();
        };
        return new Entry("rollout", Status.of(r.outcome()), r.duration(), summary, details, List.of());
    }
}
