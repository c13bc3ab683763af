package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Util;
import hudson.model.AbstractProject;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildStepDescriptor;
import hudson.tasks.Builder;
import hudson.util.FormValidation;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanValidator;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import jenkins.tasks.SimpleBuildStep;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * The same run as the {@code migrateThenDeploy} Pipeline step, as a freestyle build step. It blocks its executor until
 * the run ends (a freestyle build holds one anyway) and rolls out with the engine, since it has no body.
 */
public final class MigrateThenDeployBuilder extends Builder implements SimpleBuildStep, DeployOptions {

    private String plan;
    private String app;
    private String image;
    private ImageBuild build;
    private MigrationSpec migration;
    private List<DeployEnvironment> environments = new ArrayList<>();
    private String rolloutTimeout;
    private String approvalTimeout;
    private boolean undoOnFailure = true;
    private boolean resolveDigest = true;

    @DataBoundConstructor
    public MigrateThenDeployBuilder() {}

    @Override
    public String getPlan() {
        return plan;
    }

    @DataBoundSetter
    public void setPlan(String plan) {
        this.plan = Util.fixEmptyAndTrim(plan);
    }

    @Override
    public String getApp() {
        return app;
    }

    @DataBoundSetter
    public void setApp(String app) {
        this.app = Util.fixEmptyAndTrim(app);
    }

    @Override
    public String getImage() {
        return image;
    }

    @DataBoundSetter
    public void setImage(String image) {
        this.image = Util.fixEmptyAndTrim(image);
    }

    @Override
    public ImageBuild getBuild() {
        return build;
    }

    @DataBoundSetter
    public void setBuild(ImageBuild build) {
        this.build = build;
    }

    @Override
    public MigrationSpec getMigration() {
        return migration;
    }

    @DataBoundSetter
    public void setMigration(MigrationSpec migration) {
        this.migration = migration;
    }

    @Override
    public List<DeployEnvironment> getEnvironments() {
        return environments;
    }

    @DataBoundSetter
    public void setEnvironments(List<DeployEnvironment> environments) {
        this.environments = environments == null ? new ArrayList<>() : new ArrayList<>(environments);
    }

    @Override
    public String getRolloutTimeout() {
        return rolloutTimeout;
    }

    @DataBoundSetter
    public void setRolloutTimeout(String rolloutTimeout) {
        this.rolloutTimeout = Util.fixEmptyAndTrim(rolloutTimeout);
    }

    @Override
    public String getApprovalTimeout() {
        return approvalTimeout;
    }

    @DataBoundSetter
    public void setApprovalTimeout(String approvalTimeout) {
        this.approvalTimeout = Util.fixEmptyAndTrim(approvalTimeout);
    }

    @Override
    public boolean isUndoOnFailure() {
        return undoOnFailure;
    }

    @DataBoundSetter
    public void setUndoOnFailure(boolean undoOnFailure) {
        this.undoOnFailure = undoOnFailure;
    }

    @Override
    public boolean isResolveDigest() {
        return resolveDigest;
    }

    @DataBoundSetter
    public void setResolveDigest(boolean resolveDigest) {
        this.resolveDigest = resolveDigest;
    }

    /** XStream leaves fields a job's saved config lacks unset; start from the defaults then. */
    protected Object readResolve() {
        if (environments == null) {
            environments = new ArrayList<>();
        }
        return this;
    }

    @Override
    public void perform(@NonNull Run<?, ?> run, @NonNull FilePath workspace, @NonNull EnvVars env,
            @NonNull Launcher launcher, @NonNull TaskListener listener) throws InterruptedException, IOException {
        Plan p = plan(workspace, env);
        CredentialClusters clusters = CredentialClusters.resolve(p, run);
        MigrateThenDeployAction action = MigrateThenDeployAction.of(run);
        ApprovalGate approvals = request -> {
            // on the page first, so that whoever follows the link finds the form
            CompletionStage<ApprovalGate.Decision> answer = action.request(request);
            BuildLog.waitingForApproval(listener, run, action, request.environment());
            return answer;
        };
        EngineLauncher.LiveRun running = EngineLauncher.start(p, run, workspace, listener.getLogger(), action, clusters,
                approvals, null, resolveDigest, null);
        running.whenFinished(action::complete);
        RunReport report;
        try {
            report = running.await();
        } catch (InterruptedException e) {
            running.cancel(Messages.MigrateThenDeployBuilder_Interrupted());
            action.cancelPending();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new AbortException(Messages.MigrateThenDeployBuilder_EngineFailed(
                    cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        }
        listener.getLogger().print(ReportSummary.render(report));
        if (!report.succeeded()) {
            throw new AbortException(Messages.MigrateThenDeployExecution_Failed(report.outcome(),
                    report.failure() == null ? "" : report.failure()));
        }
    }

    private Plan plan(FilePath workspace, EnvVars env) throws IOException, InterruptedException {
        String text = null;
        if (plan != null) {
            FilePath file = workspace.child(env.expand(plan));
            if (!file.exists()) {
                throw new AbortException(Messages.MigrateThenDeployExecution_PlanMissing(plan, workspace.getRemote()));
            }
            text = file.readToString();
        }
        try {
            Plan p = PlanMapping.plan(this, text);
            // freestyle jobs name their image with build variables such as $GIT_COMMIT
            return PlanValidator.requireValid(p.image() == null ? p : p.withImage(env.expand(p.image())));
        } catch (InvalidPlanException e) {
            throw new AbortException(e.getMessage());
        }
    }

    /** The builder's form: a symbol distinct from the step's function name, and the same field checks. */
    @Extension
    @Symbol("migrateThenDeployBuilder")
    public static final class DescriptorImpl extends BuildStepDescriptor<Builder> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.MigrateThenDeployBuilder_DisplayName();
        }

        @Override
        public boolean isApplicable(Class<? extends AbstractProject> jobType) {
            return true;
        }

        @POST
        public FormValidation doCheckApp(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.checkApp(item, value);
        }

        @POST
        public FormValidation doCheckImage(@AncestorInPath Item item, @QueryParameter String value) {
            // a variable reference is only known when the build runs
            if (value != null && value.contains("$")) {
                return FormValidation.ok();
            }
            return FieldChecks.checkImage(item, value);
        }

        @POST
        public FormValidation doCheckRolloutTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.checkRolloutTimeout(item, value);
        }

        @POST
        public FormValidation doCheckApprovalTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.checkApprovalTimeout(item, value);
        }
    }
}
