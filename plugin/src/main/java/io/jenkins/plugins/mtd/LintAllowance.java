package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import io.mtd.lint.Rule;
import io.mtd.plan.Lint;
import java.io.Serializable;
import java.util.Objects;
import jenkins.model.Jenkins;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/** An expand/contract rule acknowledged in the job, with the reason it is safe here (kept in the report). */
public final class LintAllowance implements Describable<LintAllowance>, Serializable {

    private static final long serialVersionUID = 1L;

    private final String rule;
    private String script;
    private String reason;

    @DataBoundConstructor
    public LintAllowance(String rule) {
        this.rule = Util.fixEmptyAndTrim(rule);
    }

    public String getRule() {
        return rule;
    }

    public String getScript() {
        return script;
    }

    /** The script (file name) it applies to; every script when left out. */
    @DataBoundSetter
    public void setScript(String script) {
        this.script = Util.fixEmptyAndTrim(script);
    }

    public String getReason() {
        return reason;
    }

    @DataBoundSetter
    public void setReason(String reason) {
        this.reason = Util.fixEmptyAndTrim(reason);
    }

    Lint.Allow toPlan() {
        return new Lint.Allow(rule, script, reason);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<LintAllowance> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LintAllowance a && Objects.equals(rule, a.rule) && Objects.equals(script, a.script)
                && Objects.equals(reason, a.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rule, script, reason);
    }

    /** Form support for an acknowledgement. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<LintAllowance> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.LintAllowance_DisplayName();
        }

        @POST
        public FormValidation doCheckRule(@AncestorInPath Item item, @QueryParameter String value) {
            if (!FieldChecks.mayCheck(item) || Util.fixEmptyAndTrim(value) == null || Rule.byId(value.trim()).isPresent()) {
                return FormValidation.ok();
            }
            return FormValidation.error(Messages.LintAllowance_UnknownRule(value.trim(), Rule.ids()));
        }

        @POST
        public FormValidation doCheckReason(@AncestorInPath Item item, @QueryParameter String value) {
            if (!FieldChecks.mayCheck(item) || Util.fixEmptyAndTrim(value) != null) {
                return FormValidation.ok();
            }
            return FormValidation.error(Messages.LintAllowance_NoReason());
        }
    }
}
