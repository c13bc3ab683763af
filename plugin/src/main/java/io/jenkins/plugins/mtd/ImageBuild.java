package io.jenkins.plugins.mtd;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.mtd.plan.Build;
import java.io.Serializable;
import java.util.Objects;
import jenkins.model.Jenkins;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/** How to build the application image once before the first environment; left out for a prebuilt image. */
public final class ImageBuild implements Describable<ImageBuild>, Serializable {

    private static final long serialVersionUID = 1L;

    private String context;
    private String dockerfile;
    private String target;
    private String builder;

    @DataBoundConstructor
    public ImageBuild() {}

    public String getContext() {
        return context;
    }

    @DataBoundSetter
    public void setContext(String context) {
        this.context = Util.fixEmptyAndTrim(context);
    }

    public String getDockerfile() {
        return dockerfile;
    }

    @DataBoundSetter
    public void setDockerfile(String dockerfile) {
        this.dockerfile = Util.fixEmptyAndTrim(dockerfile);
    }

    public String getTarget() {
        return target;
    }

    @DataBoundSetter
    public void setTarget(String target) {
        this.target = Util.fixEmptyAndTrim(target);
    }

    public String getBuilder() {
        return builder;
    }

    @DataBoundSetter
    public void setBuilder(String builder) {
        this.builder = Util.fixEmptyAndTrim(builder);
    }

    Build toPlan() {
        return new Build(context, dockerfile, null, target, builder, null, null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<ImageBuild> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageBuild && Objects.equals(context, ((ImageBuild) o).context)
                && Objects.equals(dockerfile, ((ImageBuild) o).dockerfile)
                && Objects.equals(target, ((ImageBuild) o).target) && Objects.equals(builder, ((ImageBuild) o).builder);
    }

    @Override
    public int hashCode() {
        return Objects.hash(context, dockerfile, target, builder);
    }

    /** Form support for the image build. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<ImageBuild> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.ImageBuild_DisplayName();
        }

        /** "auto" is the unset value, so that an unset builder stays unset when the form is saved. */
        public ListBoxModel doFillBuilderItems() {
            ListBoxModel model = new ListBoxModel();
            model.add(Messages.ImageBuild_Builder_Auto(), "");
            for (String b : new String[] {"buildah", "podman", "docker"}) {
                model.add(b);
            }
            return model;
        }

        @POST
        public FormValidation doCheckContext(@AncestorInPath Item item, @QueryParameter String value) {
            if (Util.fixEmptyAndTrim(value) == null) {
                return FormValidation.ok(); // a field not typed in yet shows no red error; the build names what is missing
            }
            ImageBuild b = new ImageBuild();
            b.context = value == null ? null : value.trim();
            return FieldChecks.check(item, FieldChecks.build(b.toPlan()), "build.context");
        }
    }
}
