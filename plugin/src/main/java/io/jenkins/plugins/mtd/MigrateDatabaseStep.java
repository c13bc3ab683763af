package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code migrateDatabase}: one environment's migration, for pipelines that roll out with their own steps. It takes the
 * environment's migration lock, runs (or attaches to, or skips) the migration Job from the image, streams its log and
 * waits for its result, as {@code migrateThenDeploy} does for each environment, then returns the report, so that
 * {@code stage('staging') { migrateDatabase(...); sh 'helm upgrade ...' }} rolls out only after the migration succeeded.
 */
public final class MigrateDatabaseStep extends Step {

    /** Plan file or this form: the fields a plan file stands for (Image may override the plan's image either way). */
    static final FormChoice PLAN_CHOICE = FormChoice.planOr(List.of("app", "migration"));

    private final DeployEnvironment environment;
    private String plan;
    private String app;
    private String image;
    private MigrationSpec migration;
    private String approvalTimeout;
    private boolean resolveDigest = true;

    @DataBoundConstructor
    public MigrateDatabaseStep(DeployEnvironment environment) {
        this.environment = environment;
    }

    /** The environment to migrate: its name, cluster credentials and namespace (with a plan file, its name only). */
    public DeployEnvironment getEnvironment() {
        return environment;
    }

    public String getPlan() {
        return plan;
    }

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

    public MigrationSpec getMigration() {
        return migration;
    }

    @DataBoundSetter
    public void setMigration(MigrationSpec migration) {
        // the form always sends the section: left untouched it means "no migration given" (a plan file gives it)
        this.migration = migration == null || migration.isEmpty() ? null : migration;
    }

    public String getApprovalTimeout() {
        return approvalTimeout;
    }

    @DataBoundSetter
    public void setApprovalTimeout(String approvalTimeout) {
        this.approvalTimeout = Util.fixEmptyAndTrim(approvalTimeout);
    }

    public boolean isResolveDigest() {
        return resolveDigest;
    }

    @DataBoundSetter
    public void setResolveDigest(boolean resolveDigest) {
        this.resolveDigest = resolveDigest;
    }

    @Override
    public StepExecution start(StepContext context) {
        return new MigrateThenDeployExecution(context, workspace -> PlanMapping.migration(this,
                plan == null ? null : WorkspaceFiles.planFile(workspace, plan)),
                environment == null ? null : environment.getName(), resolveDigest);
    }

    /** The step's function name and form checks. */
    @Extension
    public static final class DescriptorImpl extends MigrationStepDescriptor {

        @Override
        FormChoice planChoice() {
            return PLAN_CHOICE;
        }

        @Override
        public String getFunctionName() {
            return "migrateDatabase";
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.MigrateDatabaseStep_DisplayName();
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, TaskListener.class);
        }

        /** What the node does, as Graph View and Stage View show it: {@code shop → staging, production}. */
        @Override
        public String argumentsToString(@NonNull Map<String, Object> namedArgs) {
            return StepSummary.of(namedArgs, "environment");
        }
    }
}
