package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.RelativePath;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import io.mtd.plan.Flyway;
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

/** Flyway as the migration: the scripts' locations and the Secret holding the database URL, user and password. */
public final class FlywaySpec implements Describable<FlywaySpec>, Serializable {

    private static final long serialVersionUID = 1L;

    private List<String> locations = new ArrayList<>();
    private String secret;
    private String source;
    private String imagePath;
    private String image;
    private String table;

    @DataBoundConstructor
    public FlywaySpec() {}

    public List<String> getLocations() {
        return locations;
    }

    @DataBoundSetter
    public void setLocations(List<String> locations) {
        this.locations = FormLists.clean(locations);
    }

    public String getSecret() {
        return secret;
    }

    @DataBoundSetter
    public void setSecret(String secret) {
        this.secret = Util.fixEmptyAndTrim(secret);
    }

    public String getSource() {
        return source;
    }

    @DataBoundSetter
    public void setSource(String source) {
        this.source = Util.fixEmptyAndTrim(source);
    }

    public String getImagePath() {
        return imagePath;
    }

    @DataBoundSetter
    public void setImagePath(String imagePath) {
        this.imagePath = Util.fixEmptyAndTrim(imagePath);
    }

    public String getImage() {
        return image;
    }

    @DataBoundSetter
    public void setImage(String image) {
        this.image = Util.fixEmptyAndTrim(image);
    }

    public String getTable() {
        return table;
    }

    /** The schema history table (Flyway's {@code flyway_schema_history} when left out). */
    @DataBoundSetter
    public void setTable(String table) {
        this.table = Util.fixEmptyAndTrim(table);
    }

    Flyway toPlan() {
        return new Flyway(locations, image, source, imagePath, secret, null, null, null, null, null, table);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<FlywaySpec> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FlywaySpec)) {
            return false;
        }
        FlywaySpec f = (FlywaySpec) o;
        return Objects.equals(locations, f.locations) && Objects.equals(secret, f.secret)
                && Objects.equals(source, f.source) && Objects.equals(imagePath, f.imagePath)
                && Objects.equals(image, f.image) && Objects.equals(table, f.table);
    }

    @Override
    public int hashCode() {
        return Objects.hash(locations, secret);
    }

    /** Form support for Flyway settings. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<FlywaySpec> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.FlywaySpec_DisplayName();
        }

        @POST
        public FormValidation doCheckSecret(@AncestorInPath Item item, @QueryParameter String value) {
            if (Util.fixEmptyAndTrim(value) == null) {
                return FormValidation.ok(); // a field not typed in yet shows no red error; the build names what is missing
            }
            FlywaySpec f = new FlywaySpec();
            f.setSecret(value);
            f.setLocations(List.of("db/migration"));
            return FieldChecks.check(item, FieldChecks.migration(FieldChecks.flywayMigration(f.toPlan())),
                    "migration.flyway.secret");
        }

        @POST
        public FormValidation doCheckLocations(@AncestorInPath Item item, @QueryParameter String value,
                @QueryParameter String source, @RelativePath("..") @QueryParameter String command,
                @RelativePath("..") @QueryParameter String migrationKind) {
            if (Util.fixEmptyAndTrim(command) != null && FieldChecks.mayCheck(item)) {
                // a migration is a command or Flyway, never both: with Flyway chosen, saving drops the command
                return FormChoice.FLYWAY.equals(migrationKind)
                        ? FormValidation.warning(Messages.FieldChecks_CommandDroppedOnSave())
                        : FormValidation.error(Messages.FieldChecks_CommandAndFlyway());
            }
            if (Util.fixEmptyAndTrim(value) == null) {
                return FormValidation.ok(); // a field not typed in yet shows no red error; the build names what is missing
            }
            FlywaySpec f = new FlywaySpec();
            f.setLocations(FormLists.split(value));
            f.setSource(source);
            f.setSecret("secret");
            return FieldChecks.check(item, FieldChecks.migration(FieldChecks.flywayMigration(f.toPlan())),
                    "migration.flyway.locations");
        }

        @Override
        public FlywaySpec newInstance(StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
            return super.newInstance(req, FormLists.splitFields(formData, "locations"));
        }

        public String lines(List<String> values) {
            return FormLists.join(values);
        }
    }
}
