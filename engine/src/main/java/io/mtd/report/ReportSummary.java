package io.mtd.report;

import io.mtd.plan.Durations;
import io.mtd.progress.StageOutcome;
import java.util.Locale;

/** The short human summary printed at the end of a run. */
public final class ReportSummary {

    private ReportSummary() {}

    public static String render(RunReport r) {
        StringBuilder b = new StringBuilder();
        b.append("Summary: ").append(r.app()).append(' ').append(word(r.outcome().name()));
        if (r.duration() != null) {
            b.append(" in ").append(Durations.format(r.duration()));
        }
        b.append('\n');
        if (r.image() != null) {
            b.append("  image        ").append(r.image().pinned());
            if (r.image().digest() != null && !r.image().pinned().equals(r.image().reference())) {
                b.append("  (from ").append(r.image().reference()).append(')');
            }
            if (r.image().built()) {
                b.append("  built");
            }
            b.append('\n');
        }
        for (EnvironmentReport e : r.environments()) {
            b.append(String.format(Locale.ROOT, "  %-12s %s%n", e.name(), environmentLine(e)));
            for (String line : schemaLines(e.schema())) {
                b.append(String.format(Locale.ROOT, "  %-12s %s%n", "", line));
            }
        }
        if (r.failure() != null) {
            b.append("  failure      ").append(r.failure()).append('\n');
        }
        if (r.lint() != null) {
            b.append("  code rollback ").append(switch (r.lint().rollback()) {
                case SAFE -> "safe: every migration before the rollout is expand-only";
                case UNSAFE -> "NOT safe: a migration before the rollout breaks the previous version";
                case UNKNOWN -> "unknown: some migration SQL was not checked";
            }).append('\n');
        }
        return b.toString();
    }

    private static String environmentLine(EnvironmentReport e) {
        if (e.outcome() == StageOutcome.NOT_REACHED) {
            return "not reached (nothing was changed)";
        }
        StringBuilder b = new StringBuilder(e.outcome().words());
        if (e.approval() != null) {
            b.append(" | approval ").append(e.approval().outcome().words());
            if (e.approval().by() != null) {
                b.append(" by ").append(e.approval().by());
            }
        }
        MigrationReport backup = e.backup();
        if (backup != null) {
            b.append(" | backup ").append(backup.outcome().words());
            if (backup.outcome() != StageOutcome.SUCCEEDED && backup.outcome() != StageOutcome.SKIPPED && backup.reason() != null) {
                b.append(" (").append(backup.reason()).append(')');
            }
        }
        MigrationReport m = e.migration();
        if (m != null) {
            b.append(" | migration ").append(m.outcome().words());
            if (m.duration() != null && m.outcome() != StageOutcome.SKIPPED) {
                b.append(" in ").append(Durations.format(m.duration()));
            }
            if (m.flyway() != null && m.flyway().applied() != null) {
                b.append(", ").append(m.flyway().applied().size()).append(" applied");
                if (m.flyway().schemaVersionAfter() != null) {
                    b.append(" (schema ").append(m.flyway().schemaVersionBefore() == null ? "empty" : m.flyway().schemaVersionBefore())
                            .append(" -> ").append(m.flyway().schemaVersionAfter()).append(')');
                }
            }
            if (m.outcome() != StageOutcome.SUCCEEDED && m.outcome() != StageOutcome.SKIPPED && m.reason() != null) {
                b.append(" (").append(m.reason()).append(')');
            }
        }
        compatibility(b, "compatibility", e.compatibility());
        RolloutReport ro = e.rollout();
        if (ro != null) {
            b.append(" | rollout ").append(ro.outcome().words());
            for (RolloutReport.DeploymentReport d : ro.deployments()) {
                b.append(' ').append(d.name());
                if (d.unchanged()) {
                    b.append(" unchanged");
                } else if (d.revisionBefore() != null || d.revisionAfter() != null) {
                    b.append(" rev ").append(d.revisionBefore()).append("->").append(d.revisionAfter());
                }
                if (d.undone()) {
                    b.append(" (undone)");
                }
            }
            if (ro.outcome() != StageOutcome.SUCCEEDED && ro.outcome() != StageOutcome.SKIPPED && ro.reason() != null) {
                b.append(" (").append(ro.reason()).append(')');
            }
        }
        ReleaseReport release = e.release();
        if (release != null && release.supersededBy() != null) {
            b.append(" | passed by run ").append(release.supersededBy().run()).append(" with ").append(release.supersededBy().image());
        }
        if (release != null && release.rollback()) {
            b.append(" | a rollback").append(release.before() == null ? "" : " from " + release.before().image());
        }
        MigrationReport post = e.postRollout();
        if (post != null) {
            b.append(" | post-rollout migration ").append(post.outcome().words());
            if (post.outcome() != StageOutcome.SUCCEEDED && post.outcome() != StageOutcome.SKIPPED && post.reason() != null) {
                b.append(" (").append(post.reason()).append("; the new version keeps serving)");
            }
        }
        compatibility(b, "post-rollout compatibility", e.postRolloutCompatibility());
        return b.toString();
    }

    /**
     * An environment's schema in a few lines: its fingerprints before and after the migration (and after the post-rollout
     * one), how it compared with the first environment's, with the last release's, and where it was kept.
     */
    private static java.util.List<String> schemaLines(SchemaReport s) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        if (s == null) {
            return lines;
        }
        StringBuilder schema = new StringBuilder("schema ").append(s.before() == null ? "?" : shortOf(s.before().fingerprint()));
        if (s.after() != null) {
            schema.append(" -> ").append(shortOf(s.after().fingerprint()));
        }
        if (s.end() != null) {
            schema.append(" -> ").append(shortOf(s.end().fingerprint())).append(" (post-rollout)");
        }
        if (s.kept() != null) {
            schema.append(", kept in ConfigMap ").append(s.kept());
        }
        lines.add(schema.toString());
        SchemaReport.LastRelease last = s.sinceLastRelease();
        if (last != null) {
            lines.add("since the last release (" + last.image() + "): " + (last.changed() == null ? last.note()
                    : last.changed() ? "CHANGED, " + counts(last.diff()) : "unchanged"));
        }
        drift("before the migration", s.drift(), lines);
        drift("after the migration", s.driftAfter(), lines);
        return lines;
    }

    private static void drift(String when, SchemaReport.Drift d, java.util.List<String> lines) {
        if (d == null) {
            return;
        }
        StringBuilder line = new StringBuilder(when).append(": ");
        switch (d.verdict()) {
            case SAME -> line.append("as ").append(d.against());
            case ALREADY_MIGRATED -> line.append("already as ").append(d.against());
            case NOT_COMPARED -> line.append("not compared").append(d.note() == null ? "" : " (" + d.note() + ")");
            case DRIFTED -> {
                line.append("DRIFTED from ").append(d.against()).append(", ").append(counts(d.diff()))
                        .append(", fingerprint ").append(d.diff().fingerprint());
                if (d.accepted() != null) {
                    line.append(", accepted by ").append(d.accepted().by()).append(" at ").append(d.accepted().at());
                } else if (d.note() != null) {
                    line.append(" (").append(d.note()).append(')');
                }
            }
        }
        lines.add(line.toString());
    }

    private static String counts(SchemaReport.Diff diff) {
        return diff == null ? "no difference" : diff.added().size() + " added, " + diff.missing().size() + " missing, "
                + diff.changed().size() + " changed";
    }

    private static String shortOf(String fingerprint) {
        return fingerprint.length() > 12 ? fingerprint.substring(0, 12) : fingerprint;
    }

    /** The compatibility check's part of an environment's line: how it ended, and which version failed how. */
    private static void compatibility(StringBuilder b, String label, CompatibilityReport c) {
        if (c == null) {
            return;
        }
        b.append(" | ").append(label).append(' ').append(c.outcome().words());
        if (c.outcome() == StageOutcome.SUCCEEDED) {
            b.append(" (").append(c.versions().size()).append(c.versions().size() == 1 ? " version" : " versions").append(" tried)");
        }
        c.versions().stream().filter(v -> v.job() != null && v.job().outcome() != StageOutcome.SUCCEEDED).findFirst()
                .ifPresent(v -> b.append(" (").append(v.image()).append(v.job().exitCode() != null && v.job().exitCode() != 0
                        ? " is incompatible" : v.job().reason() == null ? "" : ": " + v.job().reason()).append(')'));
    }

    private static String word(String enumName) {
        return enumName.toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
