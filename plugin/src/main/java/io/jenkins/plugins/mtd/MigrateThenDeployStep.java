package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code migrateThenDeploy}: builds or takes the image, then per environment runs the migration Job from that image and,
 * only once it succeeded, rolls the image out to the environment's Deployments. Users who roll out with their own steps
 * use {@link MigrateDatabaseStep} in each stage instead.
 *
 * <p>Also the options type of the freestyle {@link MigrateThenDeployBuilder}, which runs the same plan. Every option is
 * optional in the constructor because a plan file may give them all; the engine's validator reports every missing or
 * wrong value, by name, before anything touches a cluster.
 */
public final class MigrateThenDeployStep extends Step {

    /** Plan file or this form: the fields a plan file stands for (Image may override the plan's image either way). */
    static final FormChoice PLAN_CHOICE = FormChoice.planOr(List.of("app", "build", "migration", "environments"));


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
    public MigrateThenDeployStep() {}

    @DataBoundSetter
    public void setPlan(String plan) {
        this.plan = Util.fixEmptyAndTrim(plan);
    }

    public String getApp() {
        return app;
    }

    @DataBoundSetter
    public void setApp(String app) {
        this.app = Util.fixEmptyAndTrim(app);
    }

    public String getImage() {
        return image;
    }

    @DataBoundSetter
    public void setImage(String image) {
        this.image = Util.fixEmptyAndTrim(image);
    }

    public ImageBuild getBuild() {
        return build;
    }

    @DataBoundSetter
    public void setBuild(ImageBuild build) {
        this.build = build;
    }

    public MigrationSpec getMigration() {
        return migration;
    }

    @DataBoundSetter
    public void setMigration(MigrationSpec migration) {
        // the form always sends the section: left untouched it means "no migration given" (a plan file gives it)
        this.migration = migration == null || migration.isEmpty() ? null : migration;
    }

    public List<DeployEnvironment> getEnvironments() {
        return environments;
    }

    @DataBoundSetter
    public void setEnvironments(List<DeployEnvironment> environments) {
        this.environments = environments == null ? new ArrayList<>() : new ArrayList<>(environments);
    }

    public String getRolloutTimeout() {
        return rolloutTimeout;
    }

    @DataBoundSetter
    public void setRolloutTimeout(String rolloutTimeout) {
        this.rolloutTimeout = Util.fixEmptyAndTrim(rolloutTimeout);
    }

    public String getApprovalTimeout() {
        return approvalTimeout;
    }

    @DataBoundSetter
    public void setApprovalTimeout(String approvalTimeout) {
        this.approvalTimeout = Util.fixEmptyAndTrim(approvalTimeout);
    }

    public boolean isUndoOnFailure() {
        return undoOnFailure;
    }

    @DataBoundSetter
    public void setUndoOnFailure(boolean undoOnFailure) {
        this.undoOnFailure = undoOnFailure;
    }

    public boolean isResolveDigest() {
        return resolveDigest;
    }

    @DataBoundSetter
    public void setResolveDigest(boolean resolveDigest) {
        this.resolveDigest = resolveDigest;
    }

    /** Workspace-relative path of a plan file, instead of the options (image may still override its image). */
    public String getPlan() {
        return plan;
    }

    @Override
    public StepExecution start(StepContext context) {
        return new MigrateThenDeployExecution(context, workspace -> PlanMapping.plan(this,
                plan == null ? null : WorkspaceFiles.planFile(workspace, plan)), null, resolveDigest);
    }

    /** XStream leaves fields a job's saved config lacks unset; start from the defaults then. */
    protected Object readResolve() {
        if (environments == null) {
            environments = new ArrayList<>();
        }
        return this;
    }

    /**
     * The step's function name and the form checks shared with the freestyle builder. It takes no body: workflow-cps
     * then demands one on every call (DSL.invokeStep), so a body cannot be optional; rolling out with your own steps is
     * what {@code migrateDatabase} in each stage is for.
     */
    @Extension
    public static final class DescriptorImpl extends MigrationStepDescriptor {

        @Override
        FormChoice planChoice() {
            return PLAN_CHOICE;
        }

        /** The rollout timeout a blank field means, shown as the field's placeholder. */
        public String getDefaultRolloutTimeout() {
            return FieldChecks.DEFAULT_ROLLOUT_TIMEOUT;
        }

        @Override
        public String getFunctionName() {
            return "migrateThenDeploy";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.MigrateThenDeployStep_DisplayName();
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class);
        }

        /** What the node does, as Graph View and Stage View show it: {@code shop → staging, production}. */
        @Override
        public String argumentsToString(@NonNull Map<String, Object> namedArgs) {
            return StepSummary.of(namedArgs, "environments");
        }

        @POST
        public FormValidation doCheckRolloutTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.checkRolloutTimeout(item, value);
        }
    }
}
