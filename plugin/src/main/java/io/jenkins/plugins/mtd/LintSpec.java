package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.model.Describable;
import hudson.model.Descriptor;
import io.mtd.plan.Lint;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.StaplerRequest2;

/** How the migration's SQL is checked for expand/contract safety: the SQL-printing command and the acknowledged rules. */
public final class LintSpec implements Describable<LintSpec>, Serializable {

    private static final long serialVersionUID = 1L;

    private List<String> sqlCommand = new ArrayList<>();
    private List<LintAllowance> allow = new ArrayList<>();

    @DataBoundConstructor
    public LintSpec() {}

    public List<String> getSqlCommand() {
        return sqlCommand;
    }

    @DataBoundSetter
    public void setSqlCommand(List<String> sqlCommand) {
        this.sqlCommand = FormLists.clean(sqlCommand);
    }

    public List<LintAllowance> getAllow() {
        return allow;
    }

    @DataBoundSetter
    public void setAllow(List<LintAllowance> allow) {
        this.allow = allow == null ? new ArrayList<>() : new ArrayList<>(allow);
    }

    Lint toPlan() {
        return new Lint(sqlCommand, allow.stream().map(LintAllowance::toPlan).toList());
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<LintSpec> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LintSpec l && sqlCommand.equals(l.sqlCommand) && allow.equals(l.allow);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sqlCommand, allow);
    }

    /** Form support for the expand/contract check. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<LintSpec> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.LintSpec_DisplayName();
        }

        /** The SQL command's textarea holds one argument per line, like the migration command's. */
        @Override
        public LintSpec newInstance(StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
            return super.newInstance(req, FormLists.argumentLines(formData, "sqlCommand"));
        }

        public String lines(List<String> values) {
            return FormLists.join(values);
        }
    }
}
