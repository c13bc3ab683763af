package io.jenkins.plugins.mtd;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.domains.URIRequirementBuilder;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.mtd.plan.Environment;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/** One environment of the promotion (staging, production, ...) as configured in a job: its cluster credentials and what to roll out. */
public final class DeployEnvironment implements Describable<DeployEnvironment>, Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private String credentialsId;
    private String serverUrl;
    private String context;
    private String namespace;
    private List<String> deployments = new ArrayList<>();
    private String container;
    private boolean approval;
    private List<String> approvers = new ArrayList<>();

    @DataBoundConstructor
    public DeployEnvironment(String name) {
        this.name = Util.fixEmptyAndTrim(name);
    }

    public String getName() {
        return name;
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    /** A Secret file credential holding a kubeconfig, or a Secret text credential holding a bearer token (with serverUrl). */
    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    public String getServerUrl() {
        return serverUrl;
    }

    @DataBoundSetter
    public void setServerUrl(String serverUrl) {
        this.serverUrl = Util.fixEmptyAndTrim(serverUrl);
    }

    public String getContext() {
        return context;
    }

    @DataBoundSetter
    public void setContext(String context) {
        this.context = Util.fixEmptyAndTrim(context);
    }

    public String getNamespace() {
        return namespace;
    }

    @DataBoundSetter
    public void setNamespace(String namespace) {
        this.namespace = Util.fixEmptyAndTrim(namespace);
    }

    public List<String> getDeployments() {
        return deployments;
    }

    @DataBoundSetter
    public void setDeployments(List<String> deployments) {
        this.deployments = FormLists.clean(deployments);
    }

    public String getContainer() {
        return container;
    }

    @DataBoundSetter
    public void setContainer(String container) {
        this.container = Util.fixEmptyAndTrim(container);
    }

    public boolean isApproval() {
        return approval;
    }

    @DataBoundSetter
    public void setApproval(boolean approval) {
        this.approval = approval;
    }

    public List<String> getApprovers() {
        return approvers;
    }

    @DataBoundSetter
    public void setApprovers(List<String> approvers) {
        this.approvers = FormLists.clean(approvers);
    }

    /** Whether anything but the name is set (with a plan file, migrateDatabase names the plan's environment only). */
    boolean hasMoreThanName() {
        return credentialsId != null || serverUrl != null || context != null || namespace != null || !deployments.isEmpty()
                || container != null || approval || !approvers.isEmpty();
    }

    /** This environment as the engine's plan describes it. */
    Environment toPlan() {
        return new Environment(name, context, null, credentialsId, serverUrl, namespace, deployments, container,
                approval ? Boolean.TRUE : null, approvers);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Descriptor<DeployEnvironment> getDescriptor() {
        return Jenkins.get().getDescriptorOrDie(getClass());
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeployEnvironment)) {
            return false;
        }
        DeployEnvironment e = (DeployEnvironment) o;
        return approval == e.approval && Objects.equals(name, e.name) && Objects.equals(credentialsId, e.credentialsId)
                && Objects.equals(serverUrl, e.serverUrl) && Objects.equals(context, e.context)
                && Objects.equals(namespace, e.namespace) && Objects.equals(deployments, e.deployments)
                && Objects.equals(container, e.container) && Objects.equals(approvers, e.approvers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, namespace, deployments);
    }

    /** Form support for an environment: credential list, list fields and field checks. */
    @Extension
    public static final class DescriptorImpl extends Descriptor<DeployEnvironment> {

        @NonNull
        @Override
        public String getDisplayName() {
            return Messages.DeployEnvironment_DisplayName();
        }

        /**
         * Lists the kubeconfig files and tokens the job's builds can use: looked up as the job's builds run (its
         * authentication, as the credentials plugin's consumer guide asks), not as SYSTEM; only to users who may
         * configure the job.
         */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId,
                @QueryParameter String serverUrl) {
            StandardListBoxModel model = new StandardListBoxModel();
            if (item == null ? !Jenkins.get().hasPermission(Jenkins.ADMINISTER) : !item.hasPermission(Item.EXTENDED_READ)
                    && !item.hasPermission(com.cloudbees.plugins.credentials.CredentialsProvider.USE_ITEM)) {
                model.includeCurrentValue(Util.fixNull(credentialsId));
                return model;
            }
            model.includeEmptyValue()
                    .includeMatchingAs(item instanceof Queue.Task ? Tasks.getAuthenticationOf2((Queue.Task) item) : ACL.SYSTEM2,
                            item, StandardCredentials.class,
                            URIRequirementBuilder.fromUri(Util.fixEmptyAndTrim(serverUrl)).build(),
                            CredentialsMatchers.anyOf(CredentialsMatchers.instanceOf(FileCredentials.class),
                                    CredentialsMatchers.instanceOf(StringCredentials.class)))
                    .includeCurrentValue(Util.fixNull(credentialsId));
            return model;
        }

        @POST
        public FormValidation doCheckName(@AncestorInPath Item item, @QueryParameter String value) {
            if (Util.fixEmptyAndTrim(value) == null) {
                // a new environment row is blank: the build names what is missing, the form shows no red error
                return FormValidation.ok();
            }
            return FieldChecks.check(item, FieldChecks.environment(value, null, null, null, null), "name");
        }

        @POST
        public FormValidation doCheckNamespace(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.check(item, FieldChecks.environment("env", value, null, null, null), "namespace");
        }

        @POST
        public FormValidation doCheckDeployments(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.check(item, FieldChecks.environment("env", null, FormLists.split(value), null, null),
                    "deployments");
        }

        @POST
        public FormValidation doCheckContainer(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.check(item, FieldChecks.environment("env", null, null, value, null), "container");
        }

        @POST
        public FormValidation doCheckServerUrl(@AncestorInPath Item item, @QueryParameter String value) {
            return FieldChecks.check(item, FieldChecks.environment("env", null, null, null, value), "serverUrl");
        }

        /** The textareas for list fields hold one value per line; the bean takes lists. */
        @Override
        public DeployEnvironment newInstance(StaplerRequest2 req, @NonNull JSONObject formData) throws FormException {
            return super.newInstance(req, FormLists.splitFields(formData, "deployments", "approvers"));
        }

        /** One value per line, for a list field's textarea. */
        public String lines(List<String> values) {
            return FormLists.join(values);
        }
    }
}
