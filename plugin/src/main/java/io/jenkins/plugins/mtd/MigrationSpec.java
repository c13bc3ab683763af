package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.RelativePath;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.mtd.plan.Durations;
import io.mtd.plan.Migration;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/** The migration run as a one-off Kubernetes Job from the application image: a command, or Flyway. */
public final class MigrationSpec implements Describable<MigrationSpec>, Serializable {

    private static final long serialVersionUID = 1L;

    private List<String> command = new ArrayList<>();
    private FlywaySpec flyway;
    private String envFromSecret;
    private String timeout;
    private Integer backoffLimit;
    private boolean retry;
    private String onCancel;
    private String serviceAccount;
    private LintSpec lint;
    private PostRolloutSpec postRollout;
    private CompatibilitySpec compatibility;

    @DataBoundConstructor
    public MigrationSpec() {}

    public List<String> getCommand() {
        return command;
    }

    @DataBoundSetter
    public void setCommand(List<String> command) {
        this.command = FormLists.clean(command);
    }

    public FlywaySpec getFlyway() {
        return flyway;
    }

    @DataBoundSetter
    public void setFlyway(FlywaySpec flyway) {
        this.flyway = flyway;
    }

    public String getEnvFromSecret() {
        return envFromSecret;
    }

    /** One Secret name, or several separated by commas, whose keys all become the migration's environment. */
    @DataBoundSetter
    public void setEnvFromSecret(String envFromSecret) {
        this.envFromSecret = Util.fixEmptyAndTrim(envFromSecret);
    }

    public String getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmptyAndTrim(timeout);
    }

    public Integer getBackoffLimit() {
        return backoffLimit;
    }

    @DataBoundSetter
    public void setBackoffLimit(Integer backoffLimit) {
        this.backoffLimit = backoffLimit;
    }

    public boolean isRetry() {
        return retry;
    }

    @DataBoundSetter
    public void setRetry(boolean retry) {
        this.retry = retry;
    }

    public String getOnCancel() {
        return onCancel;
    }

    @DataBoundSetter
    public void setOnCancel(String onCancel) {
        this.onCancel = Util.fixEmptyAndTrim(onCancel);
    }

    public String getServiceAccount() {
        return serviceAccount;
    }

    @DataBoundSetter
    public void setServiceAccount(String serviceAccount) {
        this.serviceAccount = Util.fixEmptyAndTrim(serviceAccount);
    }

    public LintSpec getLint() {
        return lint;
    }

    /** How the migration's SQL is checked for expand/contract safety (the SQL-printing command, acknowledged rules). */
    @DataBoundSetter
    public void setLint(LintSpec lint) {
        this.lint = lint;
    }

    public PostRolloutSpec getPostRollout() {
        return postRollout;
    }

    /** The contract phase, run in each environment after its rollout. */
    @DataBoundSetter
    public void setPostRollout(PostRolloutSpec postRollout) {
        this.postRollout = postRollout;
    }

    public CompatibilitySpec getCompatibility() {
        return compatibility;
    }

    /** The compatibility check, run from the running image before each rollout. */
    @DataBoundSetter
    public void setCompatibility(CompatibilitySpec compatibility) {
        this.compatibility = compatibility;
    }

    /** Whether nothing was given: the form's untouched section, which a plan file may stand for. */
    boolean isEmpty() {
        return command.isEmpty() && flyway == null && envFromSecret == null && timeout == null && backoffLimit == null
                && !retry && onCancel == null && serviceAccount == null && lint == null && postRollout == null
                && compatibility == null;
    }

    Migration toPlan() {
        return Migration.builder().command(command).flyway(flyway == null ? null : flyway.toPlan())
                .envFromSecret(FormLists.split(envFromSecret)).timeout(timeout).backoffLimit(backoffLimit)
                .retry(retry ? Boolean.TRUE : null).onCancel(onCancel).serviceAccount(serviceAccount)
                .lint(lint == null ? null : lint.toPlan()).postRollout(postRollout == null ? null : postRollout.toPlan())
                .compatibility(compatibility == null ? null : compatibility.toPlan()).build();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<MigrationSpec> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MigrationSpec)) {
            return false;
        }
        MigrationSpec m = (MigrationSpec) o;
        return retry == m.retry && Objects.equals(command, m.command) && Objects.equals(flyway, m.flyway)
                && Objects.equals(envFromSecret, m.envFromSecret) && Objects.equals(timeout, m.timeout)
                && Objects.equals(backoffLimit, m.backoffLimit) && Objects.equals(onCancel, m.onCancel)
                && Objects.equals(serviceAccount, m.serviceAccount) && Objects.equals(lint, m.lint)
                && Objects.equals(postRollout, m.postRollout) && Objects.equals(compatibility, m.compatibility);
    }

    @Override
    public int hashCode() {
        return Objects.hash(command, flyway, timeout);
    }

    /** Form support for the migration. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<MigrationSpec> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.MigrationSpec_DisplayName();
        }

        /** The migration timeout a blank field means, shown as the field's placeholder. */
        public String getDefaultTimeout() {
            return Durations.format(Migration.DEFAULT_TIMEOUT);
        }

        /** The Pod retries a blank field means, shown as the field's placeholder. */
        public String getDefaultBackoffLimit() {
            return String.valueOf(Migration.builder().build().backoffLimitOrDefault());
        }

        public ListBoxModel doFillOnCancelItems() {
            ListBoxModel model = new ListBoxModel();
            // "leave" is the default, so it is the unset value
            model.add(Messages.MigrationSpec_OnCancel_Leave(), "");
            model.add(Messages.MigrationSpec_OnCancel_Delete(), "delete");
            return model;
        }

        @POST
        public FormValidation doCheckCommand(@AncestorInPath Item item, @QueryParameter String value,
                @QueryParameter String migrationKind, @RelativePath("flyway") @QueryParameter String locations) {
            FormValidation command = FormValidation.ok();
            if (Util.fixEmptyAndTrim(value) != null) {
                // blank: Flyway or a plan file may stand for it; a pristine form shows no red error
                MigrationSpec m = new MigrationSpec();
                m.setCommand(FormLists.lines(value));
                command = FieldChecks.check(item, FieldChecks.migration(m.toPlan()), "migration.command");
            }
            if (command.kind == FormValidation.Kind.OK && FormChoice.COMMAND.equals(migrationKind)
                    && Util.fixEmptyAndTrim(locations) != null && FieldChecks.mayCheck(item)) {
                // typed before the command was chosen: hidden now, and dropped on save
                return FormValidation.warning(Messages.FieldChecks_FlywayDroppedOnSave());
            }
            return command;
        }

        @POST
        public FormValidation doCheckEnvFromSecret(@AncestorInPath Item item, @QueryParameter String value) {
            MigrationSpec m = new MigrationSpec();
            m.setCommand(List.of("migrate"));
            m.setEnvFromSecret(value);
            return FieldChecks.check(item, FieldChecks.migration(m.toPlan()), "migration.envFromSecret");
        }

        @POST
        public FormValidation doCheckTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            MigrationSpec m = new MigrationSpec();
            m.setCommand(List.of("migrate"));
            m.setTimeout(value);
            return FieldChecks.check(item, FieldChecks.migration(m.toPlan()), "migration.timeout");
        }

        @POST
        public FormValidation doCheckBackoffLimit(@AncestorInPath Item item, @QueryParameter String value) {
            MigrationSpec m = new MigrationSpec();
            m.setCommand(List.of("migrate"));
            try {
                m.setBackoffLimit(Util.fixEmptyAndTrim(value) == null ? null : Integer.valueOf(value.trim()));
            } catch (NumberFormatException e) {
                return FormValidation.error(Messages.MigrationSpec_BackoffLimit_NotANumber(value));
            }
            return FieldChecks.check(item, FieldChecks.migration(m.toPlan()), "migration.backoffLimit");
        }

        @POST
        public FormValidation doCheckServiceAccount(@AncestorInPath Item item, @QueryParameter String value) {
            MigrationSpec m = new MigrationSpec();
            m.setCommand(List.of("migrate"));
            m.setServiceAccount(value);
            return FieldChecks.check(item, FieldChecks.migration(m.toPlan()), "migration.serviceAccount");
        }

        /**
         * Keeps only the chosen side of command or Flyway; the command textarea holds one argument per line (an argument
         * may contain spaces or commas), the bean a list.
         */
        @Override
        public MigrationSpec newInstance(StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
            FormChoice.MIGRATION.keepChosen(formData);
            // an empty number box means "the default", not zero
            if (Util.fixEmptyAndTrim(formData.optString("backoffLimit")) == null) {
                formData.remove("backoffLimit");
            }
            return super.newInstance(req, FormLists.argumentLines(formData, "command"));
        }

        public String lines(List<String> values) {
            return FormLists.join(values);
        }
    }
}
