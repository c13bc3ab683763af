package io.jenkins.plugins.mtd;

import hudson.Util;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Writes a run's progress into the build log (stage banners, the migration Pod's log prefixed with its environment,
 * notes while waiting, durations) and keeps the build page's live state current. Events arrive already masked.
 */
final class BuildLog implements ProgressListener {

    static final String PREFIX = "[migrateThenDeploy] ";

    private final PrintStream out;
    private final MigrateThenDeployAction action;
    private final Consumer<ProgressEvent.StageFinished> stageEnded;

    BuildLog(PrintStream out, MigrateThenDeployAction action, Consumer<ProgressEvent.StageFinished> stageEnded) {
        this.out = out;
        this.action = action;
        this.stageEnded = stageEnded;
    }

    @Override
    public void on(ProgressEvent event) {
        String line = format(event);
        // engine threads report concurrently; keep each line whole
        synchronized (out) {
            out.println(line);
        }
        if (!(event instanceof ProgressEvent.LogLine)) {
            action.progress(event.environment(), line.substring(PREFIX.length()));
        }
        if (event instanceof ProgressEvent.StageFinished && stageEnded != null) {
            stageEnded.accept((ProgressEvent.StageFinished) event);
        }
    }

    /**
     * Tells the log that an environment waits for an approval of {@code what} ("promote IMAGE to ENV", or "migrate the
     * database of ENV with IMAGE"), with a link to the form on the build page.
     */
    static void waitingForApproval(TaskListener listener, Run<?, ?> build, MigrateThenDeployAction action,
            String what) {
        PrintStream log = listener.getLogger();
        synchronized (log) {
            log.print(PREFIX + Messages.MigrateThenDeployExecution_WaitingForApproval(what) + " ");
            try {
                listener.hyperlink("/" + build.getUrl() + action.getUrlName() + "/",
                        Messages.MigrateThenDeployExecution_ApprovalLink());
            } catch (IOException e) {
                log.print(Messages.MigrateThenDeployExecution_ApprovalLink());
            }
            log.println();
        }
    }

    static String format(ProgressEvent event) {
        String where = (event.environment() == null ? "" : event.environment() + " ") + event.stage().label();
        if (event instanceof ProgressEvent.StageStarted) {
            ProgressEvent.StageStarted s = (ProgressEvent.StageStarted) event;
            return PREFIX + "=== " + where + " started" + detail(s.detail());
        }
        if (event instanceof ProgressEvent.Note) {
            return PREFIX + where + ": " + ((ProgressEvent.Note) event).message();
        }
        if (event instanceof ProgressEvent.LogLine) {
            ProgressEvent.LogLine l = (ProgressEvent.LogLine) event;
            String env = l.environment() == null ? l.stage().label() : l.environment();
            return "[" + env + (l.source() == null ? "" : "/" + l.source()) + "] " + l.line();
        }
        ProgressEvent.StageFinished f = (ProgressEvent.StageFinished) event;
        return PREFIX + "=== " + where + " " + f.outcome() + duration(f.duration()) + detail(f.detail());
    }

    private static String detail(String detail) {
        return detail == null || detail.isBlank() ? "" : ": " + detail;
    }

    private static String duration(Duration d) {
        return d == null ? "" : " in " + Util.getTimeSpanString(d.toMillis());
    }
}
