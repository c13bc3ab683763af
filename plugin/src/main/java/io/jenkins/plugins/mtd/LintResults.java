package io.jenkins.plugins.mtd;

import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.mtd.lint.LintFailedException;
import io.mtd.lint.LintOutput;
import io.mtd.lint.LintReport;
import io.mtd.plan.Plan;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import jenkins.util.BuildListenerAdapter;

/**
 * Where the expand/contract check's findings go in Jenkins: the build page (through the run's report) and
 * {@value #SARIF}, written to the workspace for Warnings Next Generation's {@code recordIssues(tool: sarif(...))} and
 * archived with the build.
 */
final class LintResults {

    /** The SARIF file's name, in the workspace and among the build's artifacts. */
    static final String SARIF = "mtd-lint.sarif";

    private LintResults() {}

    /** The report of a run the check stopped before anything started, so the page shows its findings. */
    static RunReport stopped(Plan plan, LintFailedException e) {
        return new RunReport(plan.app(), null, null, List.of(), RunOutcome.VETOED, e.getMessage(), Instant.now(),
                Duration.ZERO, e.report());
    }

    /**
     * Writes the SARIF log of {@code report} to the workspace (or, without one, a controller temporary directory) and
     * archives it. Never fails the build: a problem is one line in the log.
     */
    static void publish(Run<?, ?> build, FilePath workspace, Launcher launcher, TaskListener listener, LintReport report) {
        if (report == null) {
            return;
        }
        File temp = null;
        try {
            FilePath dir = workspace;
            Launcher l = launcher;
            if (dir == null || l == null) {
                temp = File.createTempFile("mtd-lint", "", build.getRootDir());
                if (!temp.delete() || !temp.mkdir()) {
                    throw new IOException("cannot create " + temp);
                }
                dir = new FilePath(temp);
                l = new Launcher.LocalLauncher(listener);
            }
            dir.child(SARIF).write(LintOutput.sarif(report) + "\n", StandardCharsets.UTF_8.name());
            build.pickArtifactManager().archive(dir, l, BuildListenerAdapter.wrap(listener), Map.of(SARIF, SARIF));
            listener.getLogger().println(BuildLog.PREFIX + Messages.LintResults_Written(SARIF,
                    workspace == null ? Messages.LintResults_ArtifactsOnly() : Messages.LintResults_WorkspaceAndArtifacts()));
        } catch (IOException | RuntimeException e) {
            listener.getLogger().println(BuildLog.PREFIX + Messages.LintResults_NotWritten(SARIF, e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (temp != null) {
                try {
                    new FilePath(temp).deleteRecursive();
                } catch (IOException | InterruptedException e) {
                    // a temporary directory under the build; removed with the build at worst
                }
            }
        }
    }
}
