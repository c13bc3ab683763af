package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import io.mtd.plan.Compatibility;
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
 * The compatibility check ({@code migration.compatibility}): a command run from the image each environment's
 * Deployments run now, after its migration and before its rollout (and from the new image after its post-rollout
 * migration); its failure stops the promotion there.
 */
public final class CompatibilitySpec implements Describable<CompatibilitySpec>, Serializable {

    private static final long serialVersionUID = 1L;

    private List<String> command = new ArrayList<>();
    private String timeout;
    private String envFromSecret;

    @DataBoundConstructor
    public CompatibilitySpec() {}

    public List<String> getCommand() {
        return command;
    }

    @DataBoundSetter
    public void setCommand(List<String> command) {
        this.command = FormLists.clean(command);
    }

    public String getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmptyAndTrim(timeout);
    }

    public String getEnvFromSecret() {
        return envFromSecret;
    }

    /** Secrets (comma separated) the check reads instead of the migration's, such as a read-only database user's. */
    @DataBoundSetter
    public void setEnvFromSecret(String envFromSecret) {
        this.envFromSecret = Util.fixEmptyAndTrim(envFromSecret);
    }

    Compatibility toPlan() {
        return new Compatibility(command, timeout, null, FormLists.split(envFromSecret), null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<CompatibilitySpec> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompatibilitySpec c && command.equals(c.command) && Objects.equals(timeout, c.timeout)
                && Objects.equals(envFromSecret, c.envFromSecret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(command, timeout, envFromSecret);
    }

    /** Form support for the compatibility check. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<CompatibilitySpec> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.CompatibilitySpec_DisplayName();
        }

        /** The command: one argument per line. */
        @Override
        public CompatibilitySpec newInstance(StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
            return super.newInstance(req, FormLists.argumentLines(formData, "command"));
        }

        public String lines(List<String> values) {
            return FormLists.join(values);
        }
    }
}
