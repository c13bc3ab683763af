package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import edu.umd.cs.findbugs.annotations.Nullable;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.kohsuke.stapler.StaplerRequest2;

/** What the forms of both steps share: the approval timeout's placeholder, and refusing to save without app and image. */
abstract class MigrationStepDescriptor extends StepDescriptor {

    /** The approval timeout a blank field means, shown as the field's placeholder. */
    public String getDefaultApprovalTimeout() {
        return FieldChecks.DEFAULT_APPROVAL_TIMEOUT;
    }

    /** Refuses to save a form that names neither a plan file nor the application and its image. */
    @Override
    public Step newInstance(@Nullable StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
        Step step = super.newInstance(req, formData);
        FieldChecks.requireAppAndImage(formData);
        return step;
    }
}
