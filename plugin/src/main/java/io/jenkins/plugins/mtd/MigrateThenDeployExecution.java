package io.jenkins.plugins.mtd;

import com.fasterxml.jackson.core.JsonProcessingException;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import hudson.AbortException;
import hudson.FilePath;
import hudson.console.ConsoleLogFilter;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.slaves.WorkspaceList;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanLoader;
import io.mtd.plan.PlanValidator;
import io.mtd.progress.ProgressEvent;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.ReportJson;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunReport;
import io.mtd.rollout.RolloutCallback;
import java.io.IOException;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.util.Timer;
import org.jenkinsci.plugins.workflow.steps.BodyExecutionCallback;
import org.jenkinsci.plugins.workflow.steps.BodyInvoker;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;

/**
 * Runs {@code migrateThenDeploy} without holding an executor or the CPS thread: the engine's report future completes the
 * step. Written to survive a controller restart: what it has learnt (the plan, each body's and approval's outcome) lives
 * in serializable fields saved as it changes, and {@link #onResume()} starts the engine again with the same plan, which
 * re-attaches to the migration Job by its deterministic name and skips what already succeeded.
 */
public final class MigrateThenDeployExecution extends StepExecution {

    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = Logger.getLogger(MigrateThenDeployExecution.class.getName());
    private static final String BODY_RUNNING = "\u0000running";
    private static final String BODY_SUCCEEDED = "\u0000succeeded";

    /** Only used while starting; everything needed later is copied into the fields below. */
    @SuppressFBWarnings(value = "SE_TRANSIENT_FIELD_NOT_RESTORED", justification = "Only used when starting.")
    private final transient MigrateThenDeployStep step;
    private transient volatile EngineLauncher.LiveRun running;
    private transient Map<String, CompletableFuture<Void>> bodyWaiters;

    private final boolean resolveDigest;
    private boolean hasBody;
    private volatile String planJson;
    private boolean finished;
    private volatile String status = "preparing the plan";
    /** Per environment: running, succeeded, or the failure message of the rollout body. */
    private final Map<String, String> bodies = new ConcurrentHashMap<>();
    private final Map<String, RecordedDecision> decisions = new ConcurrentHashMap<>();

    MigrateThenDeployExecution(MigrateThenDeployStep step, StepContext context) {
        super(context);
        this.step = step;
        this.resolveDigest = step.isResolveDigest();
    }

    @Override
    public boolean start() throws Exception {
        hasBody = getContext().hasBody();
        // reading the plan file and the credentials is I/O, which the CPS thread must not do
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
        EngineLauncher.LiveRun r = running;
        if (r != null) {
            Timer.get().submit(() -> r.cancel(Messages.MigrateThenDeployExecution_Aborted(String.valueOf(cause.getMessage()))));
        }
        Run<?, ?> build = getContext().get(Run.class);
        if (build != null) {
            MigrateThenDeployAction.of(build).cancelPending();
        }
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        getContext().onFailure(cause);
    }

    @Override
    public String getStatus() {
        return status;
    }

    private void prepare() throws IOException, InterruptedException {
        StepContext ctx = getContext();
        String text = null;
        if (step.getPlan() != null) {
            FilePath workspace = ctx.get(FilePath.class);
            if (workspace == null) {
                throw new AbortException(Messages.MigrateThenDeployExecution_PlanNeedsWorkspace(step.getPlan()));
            }
            FilePath file = workspace.child(step.getPlan());
            if (!file.exists()) {
                throw new AbortException(Messages.MigrateThenDeployExecution_PlanMissing(step.getPlan(), workspace.getRemote()));
            }
            text = file.readToString();
        }
        Plan plan = PlanValidator.requireValid(PlanMapping.plan(step, text));
        planJson = PlanLoader.json().writeValueAsString(plan);
        status = "starting";
        ctx.saveState();
    }

    private void launch(boolean resumed) throws IOException, InterruptedException {
        StepContext ctx = getContext();
        Run<?, ?> build = ctx.get(Run.class);
        TaskListener listener = ctx.get(TaskListener.class);
        FilePath workspace = ctx.get(FilePath.class);
        Plan plan = readPlan();
        CredentialClusters clusters = CredentialClusters.resolve(plan, build);
        MigrateThenDeployAction action = MigrateThenDeployAction.of(build);
        if (resumed) {
            listener.getLogger().println(BuildLog.PREFIX + Messages.MigrateThenDeployExecution_Resumed());
        }
        ApprovalGate approvals = request -> approve(action, listener, build, request);
        RolloutCallback rollout = hasBody ? target -> rollout(target, clusters) : null;
        EngineLauncher.LiveRun r = EngineLauncher.start(plan, build, workspace, listener.getLogger(), action, clusters,
                approvals, rollout, resolveDigest, this::stageEnded);
        running = r;
        status = "running " + plan.app();
        // the engine's report never completes exceptionally
        r.whenFinished(report -> {
            listener.getLogger().print(ReportSummary.render(report));
            finish(action, report);
        });
    }

    /** Saves the execution after each stage, so its status and recorded answers survive a restart at any point. */
    private void stageEnded(ProgressEvent.StageFinished stage) {
        status = (stage.environment() == null ? "" : stage.environment() + " ") + stage.stage().label() + " "
                + stage.outcome();
        getContext().saveState();
    }

    private Plan readPlan() throws AbortException {
        try {
            return PlanLoader.json().readValue(planJson, Plan.class);
        } catch (JsonProcessingException e) {
            throw new AbortException(Messages.MigrateThenDeployExecution_UnreadableState(e.getOriginalMessage()));
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
        if (report.succeeded()) {
            // plain maps and lists: what `def report = migrateThenDeploy(...)` can use in a sandboxed script
            getContext().onSuccess(new LinkedHashMap<>(ReportJson.toMap(report)));
        } else {
            getContext().onFailure(new AbortException(Messages.MigrateThenDeployExecution_Failed(report.outcome(),
                    report.failure() == null ? "" : report.failure())));
        }
    }

    private void fail(Throwable t) {
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
        }
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        status = "failed";
        // a plan error or a missing credential is the user's to fix: a message, not a stack trace
        if (cause instanceof InvalidPlanException) {
            cause = new AbortException(cause.getMessage());
        }
        getContext().onFailure(cause);
    }

    private CompletionStage<ApprovalGate.Decision> approve(MigrateThenDeployAction action, TaskListener listener,
            Run<?, ?> build, ApprovalGate.Request request) {
        synchronized (this) {
            RecordedDecision known = decisions.get(request.environment());
            if (known != null) {
                return CompletableFuture.completedFuture(known.toDecision());
            }
        }
        // on the page first, so that whoever follows the link finds the form
        CompletionStage<ApprovalGate.Decision> answer = action.request(request);
        BuildLog.waitingForApproval(listener, build, action, request.environment());
        status = "waiting for approval of " + request.environment();
        return answer.thenApply(d -> {
            synchronized (this) {
                decisions.put(request.environment(), new RecordedDecision(d));
            }
            getContext().saveState();
            return d;
        });
    }

    private CompletionStage<Void> rollout(RolloutCallback.Target target, CredentialClusters clusters) {
        String env = target.environment();
        CompletableFuture<Void> waiter;
        boolean invoke;
        synchronized (this) {
            String state = bodies.get(env);
            if (BODY_SUCCEEDED.equals(state)) {
                return CompletableFuture.completedFuture(null);
            }
            if (state != null && !BODY_RUNNING.equals(state)) {
                return CompletableFuture.failedFuture(new AbortException(state));
            }
            // after a restart a body that was running goes on by itself; wait for it instead of starting it again
            waiter = waiters().computeIfAbsent(env, k -> new CompletableFuture<>());
            invoke = state == null;
            if (invoke) {
                bodies.put(env, BODY_RUNNING);
            }
        }
        if (invoke) {
            status = "rolling out " + env;
            try {
                getContext().saveState();
                startBody(target, clusters);
            } catch (Exception e) {
                bodyFinished(env, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
        return waiter;
    }

    private void startBody(RolloutCallback.Target target, CredentialClusters clusters)
            throws IOException, InterruptedException {
        StepContext ctx = getContext();
        String kubeconfig = clusters.kubeconfig(target.environment());
        Map<String, String> vars = new HashMap<>();
        vars.put("MTD_ENVIRONMENT", target.environment());
        vars.put("MTD_NAMESPACE", target.namespace());
        vars.put("MTD_IMAGE", target.image());
        String kubeconfigPath = null;
        if (kubeconfig != null) {
            FilePath workspace = ctx.get(FilePath.class);
            if (workspace == null) {
                throw new AbortException(Messages.MigrateThenDeployExecution_BodyNeedsWorkspace(target.environment()));
            }
            FilePath tmp = WorkspaceList.tempDir(workspace);
            if (tmp == null) {
                tmp = workspace;
            }
            tmp.mkdirs();
            FilePath file = tmp.createTempFile("kubeconfig-" + target.environment() + "-", ".yaml");
            // restrict before writing, so the credentials are never readable by others
            file.chmod(0600);
            file.write(kubeconfig, "UTF-8");
            kubeconfigPath = file.getRemote();
            vars.put("KUBECONFIG", kubeconfigPath);
        }
        ctx.newBodyInvoker()
                .withContext(EnvironmentExpander.merge(ctx.get(EnvironmentExpander.class), EnvironmentExpander.constant(vars)))
                .withContext(BodyInvoker.mergeConsoleLogFilters(ctx.get(ConsoleLogFilter.class),
                        new BodyLogMasking(clusters.secrets())))
                .withCallback(new BodyDone(this, target.environment(), kubeconfigPath))
                .start();
    }

    void bodyFinished(String environment, String failure) {
        CompletableFuture<Void> waiter;
        synchronized (this) {
            bodies.put(environment, failure == null ? BODY_SUCCEEDED : failure);
            waiter = waiters().remove(environment);
        }
        getContext().saveState();
        if (waiter != null) {
            if (failure == null) {
                waiter.complete(null);
            } else {
                waiter.completeExceptionally(new AbortException(failure));
            }
        }
    }

    private synchronized Map<String, CompletableFuture<Void>> waiters() {
        if (bodyWaiters == null) {
            bodyWaiters = new HashMap<>();
        }
        return bodyWaiters;
    }

    /** Reports the end of one environment's body to the execution and deletes that environment's kubeconfig. */
    private static final class BodyDone extends BodyExecutionCallback {
        private static final long serialVersionUID = 1L;

        private final MigrateThenDeployExecution execution;
        private final String environment;
        private final String kubeconfig;

        BodyDone(MigrateThenDeployExecution execution, String environment, String kubeconfig) {
            this.execution = execution;
            this.environment = environment;
            this.kubeconfig = kubeconfig;
        }

        @Override
        public void onSuccess(StepContext context, Object result) {
            finished(context, null);
        }

        @Override
        public void onFailure(StepContext context, Throwable t) {
            finished(context, Messages.MigrateThenDeployExecution_BodyFailed(environment,
                    t.getMessage() == null ? t.toString() : t.getMessage()));
        }

        /**
         * Deletes the kubeconfig before the engine moves on, so it is gone by the time the step ends; on a pool thread,
         * because this callback runs on the CPS thread and the file may be on an agent.
         */
        private void finished(StepContext context, String failure) {
            FilePath file = null;
            if (kubeconfig != null) {
                try {
                    FilePath workspace = context.get(FilePath.class);
                    file = workspace == null ? null : new FilePath(workspace.getChannel(), kubeconfig);
                } catch (IOException | InterruptedException e) {
                    LOGGER.log(Level.WARNING, "Cannot reach the workspace to delete " + kubeconfig, e);
                }
            }
            FilePath toDelete = file;
            Timer.get().submit(() -> {
                if (toDelete != null) {
                    try {
                        toDelete.delete();
                    } catch (IOException | InterruptedException e) {
                        LOGGER.log(Level.WARNING, "Could not delete " + kubeconfig, e);
                    }
                }
                execution.bodyFinished(environment, failure);
            });
        }
    }

    /** An approval decision as saved with the execution (plain fields: the Pipeline state is not written by Jackson). */
    private static final class RecordedDecision implements Serializable {
        private static final long serialVersionUID = 1L;
        private final boolean approved;
        private final String by;
        private final String comment;

        RecordedDecision(ApprovalGate.Decision d) {
            this.approved = d.approved();
            this.by = d.by();
            this.comment = d.comment();
        }

        ApprovalGate.Decision toDecision() {
            return new ApprovalGate.Decision(approved, by, comment);
        }
    }
}
