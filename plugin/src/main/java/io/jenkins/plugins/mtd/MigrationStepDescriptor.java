package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import edu.umd.cs.findbugs.annotations.Nullable;
import hudson.model.Item;
import hudson.util.FormValidation;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * What the forms of both steps share: the approval timeout's placeholder, the plan file or form choice, the checks of
 * the fields both have, and refusing to save without app and image (public: Stapler calls the checks on it).
 */
public abstract class MigrationStepDescriptor extends StepDescriptor {

    /** The step's choice between a plan file and its form's own fields. */
    abstract FormChoice planChoice();

    /** The approval timeout a blank field means, shown as the field's placeholder. */
    public String getDefaultApprovalTimeout() {
        return FieldChecks.DEFAULT_APPROVAL_TIMEOUT;
    }

    /**
     * Keeps only the chosen side of the plan file or form choice, and refuses to save a form that names neither a plan file
     * nor the application and its image.
     */
    @Override
    public Step newInstance(@Nullable StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
        String chosen = planChoice().keepChosen(formData);
        Step step = super.newInstance(req, formData);
        FieldChecks.requireAppAndImage(formData, chosen);
        return step;
    }

    @POST
    public FormValidation doCheckApp(@AncestorInPath Item item, @QueryParameter String value, @QueryParameter String plan,
            @QueryParameter String planSource) {
        return FieldChecks.checkApp(item, value, plan, planSource);
    }

    @POST
    public FormValidation doCheckPlan(@AncestorInPath Item item, @QueryParameter String value, @QueryParameter String app,
            @QueryParameter String planSource) {
        return FieldChecks.checkPlan(item, value, app, planSource);
    }

    @POST
    public FormValidation doCheckImage(@AncestorInPath Item item, @QueryParameter String value) {
        return FieldChecks.checkImage(item, value);
    }

    @POST
    public FormValidation doCheckApprovalTimeout(@AncestorInPath Item item, @QueryParameter String value) {
        return FieldChecks.checkApprovalTimeout(item, value);
    }
}
