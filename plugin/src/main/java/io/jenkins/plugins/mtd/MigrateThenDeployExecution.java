package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.concurrent.Futures;
import io.mtd.lint.LintFailedException;
import io.mtd.lint.LintReport;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanText;
import io.mtd.progress.ProgressEvent;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.ReportJson;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunReport;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import jenkins.model.CauseOfInterruption;
import jenkins.util.Timer;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.support.actions.PauseAction;

/**
 * Runs {@code migrateThenDeploy} (the whole plan) or {@code migrateDatabase} (one environment's migration) without
 * holding an executor or the CPS thread: the engine's report future completes the step.
 *
 * <p>Written to survive a controller restart: what it has learnt (the plan, the pinned image, each approval's answer)
 * lives in typed serializable fields saved as they change, and {@link #onResume()} starts the engine again with the same
 * plan, which re-attaches to the migration Job by its deterministic name and skips what already succeeded.
 */
public final class MigrateThenDeployExecution extends StepExecution {

    private static final long serialVersionUID = 1L;

    /** How the step turns its options (and the plan file in the workspace, if it names one) into a plan, not checked yet. */
    @FunctionalInterface
    interface PlanSource {
        PlanText plan(FilePath workspace) throws IOException, InterruptedException;
    }

    /** Only used while starting; everything needed later is in the fields below. */
    @SuppressFBWarnings(value = "SE_TRANSIENT_FIELD_NOT_RESTORED", justification = "Only used when starting.")
    private final transient PlanSource source;
    /** The plan the door checked when the step started, for its first launch; a resumed step checks its saved plan again. */
    @SuppressFBWarnings(value = "SE_TRANSIENT_FIELD_NOT_RESTORED", justification = "Checked again from planJson on resume.")
    private transient volatile CheckedPlan checked;
    private transient volatile EngineService.LiveRun running;

    /** The environment {@code migrateDatabase} migrates, or null for the whole plan. */
    private final String onlyEnvironment;
    private final boolean resolveDigest;
    /** The checked plan, as the engine's JSON (the engine's records are not Java-serializable). */
    private volatile String planJson;
    /** The controller directory holding the Flyway scripts copied from the workspace, or null. */
    private volatile String scripts;
    /** The image every environment of this step runs, once pinned. */
    private volatile ImageSource.PinnedImage image;
    private final Map<String, RecordedDecision> decisions = new ConcurrentHashMap<>();
    private boolean finished;
    private volatile String status = "preparing the plan";

    MigrateThenDeployExecution(StepContext context, PlanSource source, String onlyEnvironment, boolean resolveDigest) {
        super(context);
        this.source = source;
        this.onlyEnvironment = onlyEnvironment;
        this.resolveDigest = resolveDigest;
    }

    @Override
    public boolean start() throws Exception {
        // reading the plan file, the scripts and the credentials is I/O, which the CPS thread must not do
        Timer.get().submit(() -> {
            try {
                prepare();
                launch(false);
            } catch (Throwable t) {
                fail(t);
            }
        });
        return false;
    }

    @Override
    public void onResume() {
        synchronized (this) {
            if (finished) {
                return;
            }
        }
        if (planJson == null) {
            fail(new AbortException(Messages.MigrateThenDeployExecution_RestartedBeforePlan()));
            return;
        }
        Timer.get().submit(() -> {
            try {
                launch(true);
            } catch (Throwable t) {
                fail(t);
            }
        });
    }

    @Override
    public void stop(Throwable cause) throws Exception {
        boolean first;
        synchronized (this) {
            first = !finished;
            finished = true;
        }
        String why = Messages.MigrateThenDeployExecution_Aborted(who(cause), leftRunning());
        if (first) {
            try {
                TaskListener listener = getContext().get(TaskListener.class);
                if (listener != null) {
                    listener.getLogger().println(BuildLog.PREFIX + why);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // the step ends below all the same
            }
            // end the step first: nothing below may keep it from ending
            getContext().onFailure(cause);
        }
        EngineService.LiveRun r = running;
        if (r != null) {
            Timer.get().submit(() -> r.cancel(why));
        }
        try {
            Run<?, ?> build = getContext().get(Run.class);
            if (build != null) {
                MigrateThenDeployAction.of(build).cancelPending();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the approvals die with the build anyway
        }
    }

    /** Who or what stopped the step ("Aborted by alice", a timeout's own words), never "null". */
    static String who(Throwable cause) {
        if (cause instanceof FlowInterruptedException) {
            List<String> causes = new ArrayList<>();
            for (CauseOfInterruption c : ((FlowInterruptedException) cause).getCauses()) {
                causes.add(c.getShortDescription());
            }
            if (!causes.isEmpty()) {
                return String.join("; ", causes);
            }
        }
        if (cause != null && cause.getMessage() != null) {
            return cause.getMessage();
        }
        return cause == null ? "unknown cause" : cause.getClass().getSimpleName();
    }

    /** What an abort leaves behind, as the plan says (a migration Job is never killed unless the plan asks). */
    private String leftRunning() {
        try {
            CheckedPlan known = checked;
            Plan plan = known != null ? known.plan() : planJson == null ? null : readPlan().plan();
            if (plan == null || plan.migration() == null) {
                return Messages.MigrateThenDeployExecution_NothingStarted();
            }
            return plan.migration().deletesOnCancel() ? Messages.MigrateThenDeployExecution_JobDeleted()
                    : Messages.MigrateThenDeployExecution_JobKeepsRunning();
        } catch (AbortException | RuntimeException e) {
            return Messages.MigrateThenDeployExecution_JobKeepsRunning();
        }
    }

    @Override
    public String getStatus() {
        return status;
    }

    private void prepare() throws IOException, InterruptedException {
        StepContext ctx = getContext();
        FilePath workspace = ctx.get(FilePath.class);
        // the one check of this path, at the engine's door; the scripts are checked where the engine reads them
        CheckedPlan plan = MigrateThenDeploy.check(source.plan(workspace), null);
        if (onlyEnvironment != null && plan.plan().environments().stream().anyMatch(e -> onlyEnvironment.equals(e.name()))) {
            // migrateDatabase with a plan file: only this environment's credentials and cluster matter (the engine
            // rejects a name the plan does not have, naming the ones it has)
            plan = plan.onlyEnvironment(onlyEnvironment);
        }
        ImageSource.checkBuildable(plan.plan(), workspace);
        Path copied = WorkspaceFiles.copyFlywayScripts(plan.plan(), workspace, ctx.get(Run.class));
        scripts = copied == null ? null : copied.toString();
        planJson = plan.toJson();
        checked = plan;
        status = "starting";
        ctx.saveState();
    }

    private void launch(boolean resumed) throws IOException, InterruptedException {
        if (isFinished()) {
            return; // aborted while the plan was prepared: start nothing
        }
        StepContext ctx = getContext();
        Run<?, ?> build = ctx.get(Run.class);
        TaskListener listener = ctx.get(TaskListener.class);
        CheckedPlan checkedPlan = !resumed && checked != null ? checked : readPlan();
        Plan plan = checkedPlan.plan();
        CredentialClusters clusters = CredentialClusters.resolve(plan, build);
        MigrateThenDeployAction action = MigrateThenDeployAction.of(build);
        if (resumed) {
            listener.getLogger().println(BuildLog.PREFIX + Messages.MigrateThenDeployExecution_Resumed());
        }
        ImageSource.PinnedImage known = image != null ? image : action.pinnedImage(plan.image());
        // the workspace and the node's environment matter only for a build not done yet (after a restart the agent
        // may be gone, which a prebuilt or already pinned image does not care about)
        boolean builds = known == null && plan.build() != null;
        FilePath workspace = builds ? ctx.get(FilePath.class) : null;
        EnvVars env = builds ? ctx.get(EnvVars.class) : null;
        ImageSource images = new ImageSource(known, workspace, env, resolveDigest, listener, pinned -> imagePinned(action, pinned));
        ApprovalGate approvals = request -> approve(action, listener, build, request);
        EngineService.LiveRun r;
        try {
            r = EngineService.get().start(new EngineService.Request(checkedPlan, build,
                    new BuildLog(listener.getLogger(), action, this::stageEnded), clusters, approvals, images,
                    scripts == null ? null : Path.of(scripts), onlyEnvironment));
        } catch (LintFailedException e) {
            // stopped before anything was touched: the page and the SARIF file show why, then the step fails
            action.complete(LintResults.stopped(plan, e));
            publishLint(build, listener, e.report());
            throw e;
        }
        running = r;
        if (isFinished()) {
            // stop() came while the engine started and found nothing to cancel yet
            r.cancel(Messages.MigrateThenDeployExecution_AbortedWhileStarting());
            return;
        }
        status = "running " + plan.app() + (onlyEnvironment == null ? "" : " in " + onlyEnvironment);
        r.whenFinished(report -> {
            Runnable end = () -> {
                try {
                    listener.getLogger().print(ReportSummary.render(report));
                    publishLint(build, listener, report.lint());
                } finally {
                    finish(action, report); // whatever the log or the SARIF file did, the step ends
                }
            };
            try {
                // off the engine's threads: writing the SARIF file may go through remoting to an agent
                Timer.get().submit(end);
            } catch (RejectedExecutionException e) {
                end.run();
            }
        }, this::fail);
    }

    /** The check's SARIF file, into the workspace when the step runs inside {@code node}. */
    private void publishLint(Run<?, ?> build, TaskListener listener, LintReport lint) {
        if (lint == null) {
            return;
        }
        FilePath workspace = null;
        Launcher launcher = null;
        try {
            workspace = getContext().get(FilePath.class);
            launcher = workspace == null ? null : getContext().get(Launcher.class);
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the agent is gone (after a restart): the artifact is still written from the controller
        }
        LintResults.publish(build, workspace, launcher, listener, lint);
    }

    private synchronized boolean isFinished() {
        return finished;
    }

    private void imagePinned(MigrateThenDeployAction action, ImageSource.PinnedImage pinned) {
        image = pinned;
        action.recordPinned(pinned);
        getContext().saveState();
    }

    /** Saves the execution after each stage, so its status and recorded answers survive a restart at any point. */
    private void stageEnded(ProgressEvent.StageFinished stage) {
        status = (stage.environment() == null ? "" : stage.environment() + " ") + stage.stage().label() + " "
                + stage.outcome();
        getContext().saveState();
    }

    /** The plan saved when the step started, checked again at the door (a resumed step's one check). */
    private CheckedPlan readPlan() throws AbortException {
        try {
            return MigrateThenDeploy.restore(planJson);
        } catch (InvalidPlanException e) {
            throw new AbortException(Messages.MigrateThenDeployExecution_UnreadableState(e.getMessage()));
        }
    }

    private void finish(MigrateThenDeployAction action, RunReport report) {
        action.complete(report);
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        status = "finished: " + report.outcome();
        Result result = Outcomes.result(report.outcome());
        if (result == Result.SUCCESS) {
            // plain maps and lists: what `def report = migrateThenDeploy(...)` can use in a sandboxed script
            getContext().onSuccess(new LinkedHashMap<>(ReportJson.toMap(report)));
        } else if (result == Result.FAILURE) {
            getContext().onFailure(new AbortException(Outcomes.failure(report)));
        } else {
            getContext().onFailure(new FlowInterruptedException(result, false, new EndedBy(Outcomes.failure(report))));
        }
    }

    private void fail(Throwable t) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        Throwable cause = Futures.unwrap(t);
        status = "failed";
        // a plan error or a missing credential is the user's to fix: a message, not a stack trace
        if (cause instanceof InvalidPlanException) {
            cause = new AbortException(cause.getMessage());
        }
        getContext().onFailure(cause);
    }

    private CompletionStage<ApprovalGate.Decision> approve(MigrateThenDeployAction action, TaskListener listener,
            Run<?, ?> build, ApprovalGate.Request request) {
        // keyed by what was asked, so that a promotion approved before a restart never answers a drift; and an answer is
        // for the change it was asked for: the environment moved on since, the engine asks anew
        String key = MigrateThenDeployAction.key(request);
        RecordedDecision known = decisions.get(key);
        if (known != null && request.change().equals(known.change)) {
            return CompletableFuture.completedFuture(known.toDecision());
        }
        // on the page first, so that whoever follows the link finds the form
        CompletionStage<ApprovalGate.Decision> answer = action.request(request, BuildOrigin.of(build, environment()));
        BuildLog.waitingForApproval(listener, build, action, request.action());
        status = "waiting for approval of " + request.environment();
        FlowNode node = pause(request.action());
        return answer.thenApply(d -> {
            decisions.put(key, new RecordedDecision(d, request.change()));
            getContext().saveState();
            endPause(node);
            return d;
        });
    }

    /** The step's environment (where Declarative's checkout puts GIT_COMMIT), or null when it cannot be read now. */
    private EnvVars environment() {
        try {
            return getContext().get(EnvVars.class);
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Marks the step's node paused, as the {@code input} step does, so that Stage View and Graph View show the build as
     * waiting for input; the step's own node, or null when it cannot be had (the marker is only a view's hint).
     */
    private FlowNode pause(String cause) {
        try {
            FlowNode node = getContext().get(FlowNode.class);
            if (node != null) {
                node.addAction(new PauseAction(cause));
            }
            return node;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
    }

    private static void endPause(FlowNode node) {
        if (node == null) {
            return;
        }
        try {
            PauseAction.endCurrentPause(node);
        } catch (IOException e) {
            // only the view's hint stays: the build goes on
        }
    }

    /** A run that ended with a result other than success or failure (the engine cancelled it), as Pipeline shows it. */
    private static final class EndedBy extends CauseOfInterruption {
        private static final long serialVersionUID = 1L;
        private final String why;

        EndedBy(String why) {
            this.why = why;
        }

        @Override
        public String getShortDescription() {
            return why;
        }
    }

    /** An approval decision as saved with the execution (plain fields: the Pipeline state is not written by Jackson). */
    private static final class RecordedDecision implements Serializable {
        private static final long serialVersionUID = 1L;
        private final boolean approved;
        private final String by;
        private final String comment;
        /** {@link ApprovalGate.Request#change()} of the request answered (null: kept by a version that did not record it). */
        private final String change;

        RecordedDecision(ApprovalGate.Decision d, String change) {
            this.approved = d.approved();
            this.by = d.by();
            this.comment = d.comment();
            this.change = change;
        }

        ApprovalGate.Decision toDecision() {
            return new ApprovalGate.Decision(approved, by, comment);
        }
    }
}
