package io.jenkins.plugins.mtd;

import hudson.EnvVars;
import hudson.model.Cause;
import hudson.model.Run;
import hudson.scm.ChangeLogSet;
import java.util.List;
import jenkins.scm.RunWithSCM;

/**
 * Where a build comes from, as an approver wants to know it: who or what started it (its causes) and the commit it
 * built, read from what Jenkins itself recorded (no SCM plugin is needed).
 *
 * @param startedBy each cause's own words ("Started by user Alice", "Started by an SCM change"), in the build's order
 * @param commit the commit the build built, or null when the build does not say
 * @param commitSource where {@code commit} was read: an environment variable's name, or "latest change" (the newest
 *     entry of the build's change log, which is the built commit only as far as the SCM recorded changes)
 */
public record BuildOrigin(List<String> startedBy, String commit, String commitSource) {

    /** The environment variables an SCM plugin sets to the revision it checked out, the most specific first. */
    static final List<String> REVISION_VARIABLES = List.of("GIT_COMMIT", "SVN_REVISION", "MERCURIAL_REVISION");

    public BuildOrigin {
        startedBy = startedBy == null ? List.of() : List.copyOf(startedBy);
    }

    /** What {@code run} says about its origin; {@code env} is the step's environment (null: none could be read). */
    static BuildOrigin of(Run<?, ?> run, EnvVars env) {
        List<String> causes = run.getCauses().stream().map(Cause::getShortDescription).distinct().toList();
        if (env != null) {
            for (String variable : REVISION_VARIABLES) {
                String value = env.get(variable);
                if (value != null && !value.isBlank()) {
                    return new BuildOrigin(causes, value.trim(), variable);
                }
            }
        }
        String latest = latestChange(run);
        return new BuildOrigin(causes, latest, latest == null ? null : "latest change");
    }

    /** The commit id of the newest entry in the build's change logs, or null (no SCM, no change, or ids not kept). */
    private static String latestChange(Run<?, ?> run) {
        if (!(run instanceof RunWithSCM<?, ?> scm)) {
            return null;
        }
        String latest = null;
        long newest = Long.MIN_VALUE;
        for (ChangeLogSet<? extends ChangeLogSet.Entry> set : scm.getChangeSets()) {
            for (ChangeLogSet.Entry entry : set) {
                // entries without a timestamp (-1) keep the log's own order: the last one read wins among equals
                if (entry.getCommitId() != null && entry.getTimestamp() >= newest) {
                    newest = entry.getTimestamp();
                    latest = entry.getCommitId();
                }
            }
        }
        return latest;
    }

    /** The causes in one line, as the page shows them ("Started by user alice; Replayed #4"). */
    public String startedByText() {
        return String.join("; ", startedBy);
    }

    /** The commit as the page shows it at first: 12 characters, the full id on hover. */
    public String shortCommit() {
        return commit == null || commit.length() <= 12 ? commit : commit.substring(0, 12);
    }
}
