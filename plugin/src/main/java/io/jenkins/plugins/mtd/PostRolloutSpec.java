package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import io.mtd.plan.PostRollout;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.StaplerRequest2;

/**
 * The contract phase: migrations run in each environment only after its rollout is complete and healthy (Flyway
 * locations for a Flyway migration, a command otherwise).
 */
public final class PostRolloutSpec implements Describable<PostRolloutSpec>, Serializable {

    private static final long serialVersionUID = 1L;

    private List<String> locations = new ArrayList<>();
    private List<String> command = new ArrayList<>();
    private List<String> sqlCommand = new ArrayList<>();
    private String table;

    @DataBoundConstructor
    public PostRolloutSpec() {}

    public List<String> getLocations() {
        return locations;
    }

    @DataBoundSetter
    public void setLocations(List<String> locations) {
        this.locations = FormLists.clean(locations);
    }

    public List<String> getCommand() {
        return command;
    }

    @DataBoundSetter
    public void setCommand(List<String> command) {
        this.command = FormLists.clean(command);
    }

    public List<String> getSqlCommand() {
        return sqlCommand;
    }

    @DataBoundSetter
    public void setSqlCommand(List<String> sqlCommand) {
        this.sqlCommand = FormLists.clean(sqlCommand);
    }

    public String getTable() {
        return table;
    }

    @DataBoundSetter
    public void setTable(String table) {
        this.table = Util.fixEmptyAndTrim(table);
    }

    PostRollout toPlan() {
        return new PostRollout(locations, command, sqlCommand, table);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<PostRolloutSpec> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PostRolloutSpec p && locations.equals(p.locations) && command.equals(p.command)
                && sqlCommand.equals(p.sqlCommand) && Objects.equals(table, p.table);
    }

    @Override
    public int hashCode() {
        return Objects.hash(locations, command, sqlCommand, table);
    }

    /** Form support for the post-rollout phase. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<PostRolloutSpec> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.PostRolloutSpec_DisplayName();
        }

        /** Locations: one per line (or comma separated); commands: one argument per line. */
        @Override
        public PostRolloutSpec newInstance(StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
            JSONObject form = FormLists.argumentLines(FormLists.splitFields(formData, "locations"),
                    "command", "sqlCommand");
            return super.newInstance(req, form);
        }

        public String lines(List<String> values) {
            return FormLists.join(values);
        }
    }
}
