package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import edu.umd.cs.findbugs.annotations.Nullable;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.kohsuke.stapler.StaplerRequest2;

/**
 * What the forms of both steps share: the approval timeout's placeholder, the plan file or form choice, and refusing to
 * save without app and image.
 */
abstract class MigrationStepDescriptor extends StepDescriptor {

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
}
