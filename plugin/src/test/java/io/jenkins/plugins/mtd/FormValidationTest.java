package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import hudson.model.FreeStyleProject;
import hudson.model.Item;
import hudson.model.User;
import hudson.security.ACL;
import hudson.security.ACLContext;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import hudson.util.Secret;
import java.util.List;
import jenkins.model.Jenkins;
import jenkins.security.QueueItemAuthenticatorConfiguration;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.htmlunit.html.HtmlPage;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.MockQueueItemAuthenticator;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** Form checks answer with the engine validator's messages, and only to users allowed to configure the job. */
@WithJenkins
class FormValidationTest {

    @Test
    void fieldsAreCheckedByThePlanValidator(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject();
        MigrateThenDeployStep.DescriptorImpl step = r.jenkins.getDescriptorByType(MigrateThenDeployStep.DescriptorImpl.class);
        DeployEnvironment.DescriptorImpl env = r.jenkins.getDescriptorByType(DeployEnvironment.DescriptorImpl.class);
        MigrationSpec.DescriptorImpl migration = r.jenkins.getDescriptorByType(MigrationSpec.DescriptorImpl.class);

        assertError(step.doCheckApp(p, "Shop_App", null), "is not a valid Kubernetes name");
        assertThat(step.doCheckApp(p, "shop", null).kind, is(FormValidation.Kind.OK));
        assertError(step.doCheckImage(p, "not an image!"), "is not an image reference");
        assertThat("a build variable is only known when the build runs",
                step.doCheckImage(p, "registry.example.com/shop:$GIT_COMMIT").kind, is(FormValidation.Kind.OK));
        assertError(step.doCheckRolloutTimeout(p, "0s"), "longer than zero");
        assertThat("a new row is blank: no red error before anything was typed", env.doCheckName(p, "").kind, is(FormValidation.Kind.OK));
        assertError(env.doCheckNamespace(p, "Shop Staging"), "is not a valid Kubernetes name");
        assertError(env.doCheckDeployments(p, "shop-web\nShop_Worker"), "not a valid Deployment name");
        assertError(env.doCheckServerUrl(p, "api.example.com"), "is not a URL");
        assertThat(env.doCheckServerUrl(p, "https://api.example.com:6443").kind, is(FormValidation.Kind.OK));
        assertThat("Flyway or a plan file may stand for it", migration.doCheckCommand(p, "").kind, is(FormValidation.Kind.OK));
        assertError(migration.doCheckBackoffLimit(p, "11"), "out of range");
        assertError(migration.doCheckBackoffLimit(p, "many"), "is not a whole number");
    }

    @Test
    void usersWhoCannotConfigureLearnNothing(JenkinsRule r) throws Exception {
        r.jenkins.setSecurityRealm(r.createDummySecurityRealm());
        r.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
                .grant(Jenkins.READ, Item.READ).everywhere().to("reader"));
        FreeStyleProject p = r.createFreeStyleProject();
        MigrateThenDeployStep.DescriptorImpl step = r.jenkins.getDescriptorByType(MigrateThenDeployStep.DescriptorImpl.class);
        DeployEnvironment.DescriptorImpl env = r.jenkins.getDescriptorByType(DeployEnvironment.DescriptorImpl.class);
        try (ACLContext ignored = ACL.as2(User.getById("reader", true).impersonate2())) {
            assertThat(step.doCheckApp(p, "Shop_App", null).kind, is(FormValidation.Kind.OK));
            ListBoxModel credentials = env.doFillCredentialsIdItems(p, "current-id", null);
            assertThat(credentials.size(), is(1));
            assertThat(credentials.get(0).value, is("current-id"));
        }
    }

    /**
     * The list is filled as the job's builds look credentials up (the credentials consumer guide), not as SYSTEM: a job
     * whose builds run as a user is not offered the global credentials that user's builds cannot use.
     */
    @Test
    void theCredentialsListShowsOnlyWhatTheJobsBuildsMayUse(JenkinsRule r) throws Exception {
        r.jenkins.setSecurityRealm(r.createDummySecurityRealm());
        r.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy().grant(Jenkins.ADMINISTER).everywhere().to("admin"));
        SystemCredentialsProvider.getInstance().getCredentials().add(new StringCredentialsImpl(CredentialsScope.GLOBAL,
                "kube-token", "token", Secret.fromString("t0ken")));
        SystemCredentialsProvider.getInstance().save();
        FreeStyleProject asSystem = r.createFreeStyleProject("as-system");
        FreeStyleProject asBob = r.createFreeStyleProject("as-bob");
        QueueItemAuthenticatorConfiguration.get().getAuthenticators().add(new MockQueueItemAuthenticator()
                .authenticate("as-bob", User.getById("bob", true).impersonate2()));
        DeployEnvironment.DescriptorImpl env = r.jenkins.getDescriptorByType(DeployEnvironment.DescriptorImpl.class);
        try (ACLContext ignored = ACL.as2(User.getById("admin", true).impersonate2())) {
            assertThat(ids(env.doFillCredentialsIdItems(asSystem, "", null)).contains("kube-token"), is(true));
            assertThat("bob's builds cannot use global credentials, so they are not offered",
                    ids(env.doFillCredentialsIdItems(asBob, "", null)).contains("kube-token"), is(false));
        }
    }

    private static List<String> ids(ListBoxModel model) {
        return model.stream().map(o -> o.value).toList();
    }

    /** Messages in the form's words: a capital first letter, examples as the value to type, not as plan file YAML. */
    @Test
    void messagesSpeakTheFormsTerms(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject();
        MigrateThenDeployStep.DescriptorImpl step = r.jenkins.getDescriptorByType(MigrateThenDeployStep.DescriptorImpl.class);
        FormValidation v = step.doCheckApprovalTimeout(p, "0s");
        assertThat(v.kind, is(FormValidation.Kind.ERROR));
        assertThat(v.getMessage(), is("Must be longer than zero, e.g. 10m"));
        assertError(step.doCheckApp(p, "shop", "deploy/plan.yaml"), "Give either a plan file or");
        FlywaySpec.DescriptorImpl flyway = r.jenkins.getDescriptorByType(FlywaySpec.DescriptorImpl.class);
        assertError(flyway.doCheckLocations(p, "db/migration", null, "python\nmanage.py\nmigrate"), "Give either a command or Flyway");
        assertThat(flyway.doCheckLocations(p, "db/migration", null, "").kind, is(FormValidation.Kind.OK));
        assertThat(FieldChecks.formMessage("missing: give the image to migrate and deploy, e.g. image: registry.example.com/shop:1.4.0"),
                is("Missing: give the image to migrate and deploy, e.g. registry.example.com/shop:1.4.0"));
    }

    /** The migration section is on a new job's form, defaults are placeholders, and nothing is red before typing. */
    @Test
    void aPristineFormShowsTheMigrationAndDefaultsAndNoError(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject("pristine");
        p.getBuildersList().add(new MigrateThenDeployBuilder(new MigrateThenDeployStep()));

        HtmlPage page = r.createWebClient().getPage(p, "configure");

        String html = page.getWebResponse().getContentAsString();
        assertThat("the plan file is the first choice, in sight, not under Advanced",
                html.indexOf("Plan file in the workspace, instead of the fields below"), allOf(greaterThanOrEqualTo(0),
                        lessThan(html.indexOf("Command, one argument per line"))));
        assertThat(html, allOf(containsString("Command, one argument per line"), containsString("placeholder=\"10m\""),
                containsString("placeholder=\"24h\""), containsString("placeholder=\"30m\""), containsString("placeholder=\"0\"")));
        assertThat("an untouched job shows no \"Edited\" badge", html, not(containsString("advanced-customized-fields-info")));
        assertThat("no check answered with an error on load", page.getByXPath("//div[contains(concat(' ', @class, ' '), ' error ')]"), empty());
    }

    /** Saving needs the application and its image, or a plan file; an untouched migration section means none given. */
    @Test
    void savingRefusesAFormWithoutAppAndImageAndKeepsAnUntouchedMigrationUnset(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject("unsaved");
        p.getBuildersList().add(new MigrateThenDeployBuilder(new MigrateThenDeployStep()));
        JenkinsRule.WebClient wc = r.createWebClient();
        wc.setThrowExceptionOnFailingStatusCode(false);
        HtmlPage refused = r.submit(wc.getPage(p, "configure").getFormByName("config"));
        assertThat(refused.getWebResponse().getStatusCode(), greaterThanOrEqualTo(400));
        assertThat(refused.getWebResponse().getContentAsString(), containsString("Application is required"));

        MigrateThenDeployStep fromFile = new MigrateThenDeployStep();
        fromFile.setPlan("deploy/plan.yaml");
        MigrateThenDeployBuilder back = r.configRoundtrip(new MigrateThenDeployBuilder(fromFile));
        assertThat(back.getDeploy().getPlan(), is("deploy/plan.yaml"));
        assertThat("the untouched section is no migration, so the plan file's is used", back.getDeploy().getMigration(), nullValue());
    }

    @Test
    void everyFieldHasHelp(JenkinsRule r) throws Exception {
        String top = "plan,app,image,build,migration,environments,rolloutTimeout,approvalTimeout,undoOnFailure,resolveDigest";
        r.assertHelpExists(MigrateThenDeployStep.class, top);
        r.assertHelpExists(MigrateDatabaseStep.class, "environment,plan,app,image,migration,approvalTimeout,resolveDigest");
        r.assertHelpExists(DeployEnvironment.class,
                "name,credentialsId,serverUrl,context,namespace,deployments,container,approval,approvers");
        r.assertHelpExists(ImageBuild.class, "context,dockerfile,target,builder");
        r.assertHelpExists(MigrationSpec.class,
                "command,flyway,envFromSecret,timeout,backoffLimit,retry,onCancel,serviceAccount,lint,postRollout,compatibility");
        r.assertHelpExists(FlywaySpec.class, "locations,secret,source,imagePath,image,table");
        r.assertHelpExists(LintSpec.class, "sqlCommand,allow");
        r.assertHelpExists(LintAllowance.class, "rule,reason,script");
        r.assertHelpExists(PostRolloutSpec.class, "locations,command,sqlCommand,table");
        r.assertHelpExists(CompatibilitySpec.class, "command,timeout,envFromSecret");
    }

    private static void assertError(FormValidation v, String text) {
        assertThat(v.kind, is(FormValidation.Kind.ERROR));
        assertThat(v.getMessage(), containsString(text));
    }
}
