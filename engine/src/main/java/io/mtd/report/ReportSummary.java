package io.mtd.report;

import io.mtd.plan.Durations;
import java.util.Locale;

/**
 * The human summary printed at the end of a run (the command line's, and the Jenkins build log's): the outcome, the
 * image, then each environment's timeline, a failure's reason once with the last lines of its log, and the code
 * rollback verdict. The same facts, in the same words and duration format, as the build page.
 */
public final class ReportSummary {

    private static final String STAGE = "    %-10s %s%n";
    private static final String MORE = "    %-10s   %s%n";

    private ReportSummary() {}

    public static String render(RunReport r) {
        StringBuilder b = new StringBuilder();
        b.append("Summary: ").append(r.app()).append(' ').append(outcome(r));
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
                b.append("  built").append(r.image().buildDuration() == null ? "" : " in " + Durations.format(r.image().buildDuration()));
            }
            b.append('\n');
        }
        for (EnvironmentReport e : r.environments()) {
            environment(Timeline.of(e), b);
            java.util.List<String> schema = schemaLines(e.schema());
            for (int i = 0; i < schema.size(); i++) {
                b.append(String.format(Locale.ROOT, i == 0 ? STAGE : MORE, i == 0 ? "schema" : "", schema.get(i)));
            }
            release(e.release(), b);
        }
        String failure = unexplainedFailure(r);
        if (failure != null) {
            b.append("  failure      ").append(failure).append('\n');
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

    /**
     * The run's failure, unless an environment's stage already says why it failed (then saying it again is noise): what
     * failed outside the stages (the image, the expand/contract check, the cluster's permissions) always is said.
     */
    public static String unexplainedFailure(RunReport r) {
        if (r.failure() == null) {
            return null;
        }
        return r.environments().stream().map(Timeline::of).anyMatch(Timeline::explainsFailure) ? null : r.failure();
    }

    private static void environment(Timeline t, StringBuilder b) {
        b.append(String.format(Locale.ROOT, "  %-12s %s%n", t.environment(), t.status() == Status.NOT_REACHED
                ? "not reached (nothing was changed)" : t.status().words()));
        for (Timeline.Entry x : t.entries()) {
            b.append(String.format(Locale.ROOT, STAGE, x.stage(),
                    x.status().words() + (x.duration() == null ? "" : " in " + x.took()) + ": " + x.summary()));
            for (String d : x.details()) {
                b.append(String.format(Locale.ROOT, MORE, "", d));
            }
            if (!x.logTail().isEmpty()) {
                b.append(String.format(Locale.ROOT, MORE, "", "the last " + x.logTail().size() + " lines of its log:"));
                x.logTail().forEach(line -> b.append(String.format(Locale.ROOT, MORE, "", "| " + line)));
            }
        }
        for (CheckReport c : t.checks()) {
            b.append(String.format(Locale.ROOT, STAGE, "check", c.title() + " " + c.verdict().words()
                    + (c.details().isEmpty() ? "" : ": " + c.details().get(0))));
        }
    }

    /** Where the environment's release record says the run was passed by a newer one, or went back on purpose. */
    private static void release(ReleaseReport release, StringBuilder b) {
        if (release != null && release.supersededBy() != null) {
            b.append(String.format(Locale.ROOT, STAGE, "release", "passed by run " + release.supersededBy().run() + " with "
                    + release.supersededBy().image()));
        }
        if (release != null && release.rollback()) {
            b.append(String.format(Locale.ROOT, STAGE, "release", "a rollback" + (release.before() == null ? ""
                    : " from " + release.before().image())));
        }
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

    /** How the run ended, in words, as every page writes it: {@code succeeded}, {@code migration failed}. */
    public static String outcome(RunReport r) {
        return r.outcome() == null ? "" : r.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
