package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import edu.umd.cs.findbugs.annotations.Nullable;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.AbstractProject;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildStepDescriptor;
import hudson.tasks.Builder;
import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.lint.LintFailedException;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanText;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import jenkins.tasks.SimpleBuildStep;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.StaplerRequest2;

/**
 * The same run as the {@code migrateThenDeploy} Pipeline step, as a freestyle build step: its options are that step's
 * (one options type, one form), and it blocks its executor until the run ends (a freestyle build holds one anyway).
 */
public final class MigrateThenDeployBuilder extends Builder implements SimpleBuildStep {

    private final MigrateThenDeployStep deploy;

    @DataBoundConstructor
    public MigrateThenDeployBuilder(MigrateThenDeployStep deploy) {
        this.deploy = deploy == null ? new MigrateThenDeployStep() : deploy;
    }

    /** What to migrate and deploy: the options of the {@code migrateThenDeploy} step. */
    public MigrateThenDeployStep getDeploy() {
        return deploy;
    }

    @Override
    public void perform(@NonNull Run<?, ?> run, @NonNull FilePath workspace, @NonNull EnvVars env,
            @NonNull Launcher launcher, @NonNull TaskListener listener) throws InterruptedException, IOException {
        CheckedPlan checked = plan(workspace, env);
        Plan p = checked.plan();
        ImageSource.checkBuildable(p, workspace);
        Path scripts = WorkspaceFiles.copyFlywayScripts(p, workspace, run);
        CredentialClusters clusters = CredentialClusters.resolve(p, run);
        MigrateThenDeployAction action = MigrateThenDeployAction.of(run);
        ApprovalGate approvals = request -> {
            // on the page first, so that whoever follows the link finds the form
            CompletionStage<ApprovalGate.Decision> answer = action.request(request, BuildOrigin.of(run, env));
            BuildLog.waitingForApproval(listener, run, action, request.action());
            return answer;
        };
        ImageSource images = new ImageSource(action.pinnedImage(p.image()), workspace, env, deploy.isResolveDigest(),
                listener, action::recordPinned);
        EngineService.LiveRun running;
        try {
            running = EngineService.get().start(new EngineService.Request(checked, run,
                    new BuildLog(listener.getLogger(), action, null), clusters, approvals, images, scripts, null));
        } catch (LintFailedException e) {
            // stopped before anything was touched: the page and the SARIF file show why
            action.complete(LintResults.stopped(p, e));
            LintResults.publish(run, workspace, launcher, listener, e.report());
            throw new AbortException(e.getMessage());
        } catch (InvalidPlanException e) {
            throw new AbortException(e.getMessage());
        }
        running.whenFinished(action::complete, error -> { }); // the await below reports the error itself
        RunReport report;
        try {
            report = running.await();
        } catch (InterruptedException e) {
            String why = Messages.MigrateThenDeployBuilder_Interrupted();
            listener.getLogger().println(BuildLog.PREFIX + why);
            running.cancel(why);
            action.cancelPending();
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new AbortException(Messages.MigrateThenDeployBuilder_EngineFailed(
                    cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        }
        listener.getLogger().print(ReportSummary.render(report));
        LintResults.publish(run, workspace, launcher, listener, report.lint());
        Result result = Outcomes.result(report.outcome());
        if (result != Result.SUCCESS) {
            run.setResult(result); // ABORTED stays: a result only gets worse
            throw new AbortException(Outcomes.failure(report));
        }
    }

    /** The plan, checked once at the engine's door (its Flyway scripts where the engine reads them). */
    private CheckedPlan plan(FilePath workspace, EnvVars env) throws IOException, InterruptedException {
        String text = deploy.getPlan() == null ? null : WorkspaceFiles.planFile(workspace, env.expand(deploy.getPlan()));
        try {
            PlanText p = PlanMapping.plan(deploy, text);
            // freestyle jobs name their image with build variables such as $GIT_COMMIT
            String image = p.plan() == null ? null : p.plan().image();
            return MigrateThenDeploy.check(image == null ? p : p.withImage(env.expand(image)), null);
        } catch (InvalidPlanException e) {
            throw new AbortException(e.getMessage());
        }
    }

    /** The builder's form is the step's (field checks included); its symbol differs from the step's function name. */
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

        /**
         * Keeps only the chosen side of the plan file or form choice, and refuses to save without app and image (or a plan
         * file): both here, since Jenkins binds the nested step leniently (a refusal of the step's own {@code newInstance}
         * would only be logged, and the step would be bound anyway).
         */
        @Override
        public Builder newInstance(@Nullable StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
            JSONObject deploy = formData.optJSONObject("deploy");
            if (deploy == null) {
                deploy = new JSONObject();
            }
            FieldChecks.requireAppAndImage(deploy, MigrateThenDeployStep.PLAN_CHOICE.keepChosen(deploy));
            return super.newInstance(req, formData);
        }
    }
}
