package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
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
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.html.HtmlRadioButtonInput;
import org.htmlunit.html.HtmlTextArea;
import org.htmlunit.html.HtmlTextInput;
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

        assertError(step.doCheckApp(p, "Shop_App", null, null), "is not a valid Kubernetes name");
        assertThat(step.doCheckApp(p, "shop", null, null).kind, is(FormValidation.Kind.OK));
        assertError(step.doCheckImage(p, "not an image!"), "is not an image reference");
        assertThat("a build variable is only known when the build runs",
                step.doCheckImage(p, "registry.example.com/shop:$GIT_COMMIT").kind, is(FormValidation.Kind.OK));
        assertError(step.doCheckRolloutTimeout(p, "0s"), "longer than zero");
        assertThat("a new row is blank: no red error before anything was typed", env.doCheckName(p, "").kind, is(FormValidation.Kind.OK));
        assertError(env.doCheckNamespace(p, "Shop Staging"), "is not a valid Kubernetes name");
        assertError(env.doCheckDeployments(p, "shop-web\nShop_Worker"), "not a valid Deployment name");
        assertError(env.doCheckServerUrl(p, "api.example.com"), "is not a URL");
        assertThat(env.doCheckServerUrl(p, "https://api.example.com:6443").kind, is(FormValidation.Kind.OK));
        assertThat("Flyway or a plan file may stand for it", migration.doCheckCommand(p, "", null, null).kind, is(FormValidation.Kind.OK));
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
            assertThat(step.doCheckApp(p, "Shop_App", null, null).kind, is(FormValidation.Kind.OK));
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
        assertError(step.doCheckApp(p, "shop", "deploy/plan.yaml", null), "Give either a plan file or");
        FlywaySpec.DescriptorImpl flyway = r.jenkins.getDescriptorByType(FlywaySpec.DescriptorImpl.class);
        assertError(flyway.doCheckLocations(p, "db/migration", null, "python\nmanage.py\nmigrate", null), "Give either a command or Flyway");
        assertThat(flyway.doCheckLocations(p, "db/migration", null, "", null).kind, is(FormValidation.Kind.OK));
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
        assertThat("a new step is described on the form, its migration by a command", List.of(
                radio(page, "planSource", "form").isChecked(), radio(page, "planSource", "plan").isChecked(),
                radio(page, "migrationKind", "command").isChecked(), radio(page, "migrationKind", "flyway").isChecked()),
                is(List.of(true, false, true, false)));
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

    /** The checks speak of the choices: what the side not chosen holds is dropped on save, not a conflict to fix. */
    @Test
    void theChecksSayWhatSavingDropsOnTheSideNotChosen(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject();
        MigrateThenDeployStep.DescriptorImpl step = r.jenkins.getDescriptorByType(MigrateThenDeployStep.DescriptorImpl.class);
        MigrateDatabaseStep.DescriptorImpl database = r.jenkins.getDescriptorByType(MigrateDatabaseStep.DescriptorImpl.class);
        MigrationSpec.DescriptorImpl migration = r.jenkins.getDescriptorByType(MigrationSpec.DescriptorImpl.class);
        FlywaySpec.DescriptorImpl flyway = r.jenkins.getDescriptorByType(FlywaySpec.DescriptorImpl.class);

        assertWarning(step.doCheckApp(p, "shop", "deploy/plan.yaml", "form"), "saving with this form chosen drops it");
        assertWarning(step.doCheckPlan(p, "deploy/plan.yaml", "shop", "plan"), "saving with the plan file chosen drops");
        assertWarning(database.doCheckPlan(p, "deploy/plan.yaml", "shop", "plan"), "saving with the plan file chosen drops");
        assertError(step.doCheckPlan(p, "deploy/plan.yaml", "shop", null), "Give either a plan file or");
        assertThat(step.doCheckPlan(p, "deploy/plan.yaml", null, "plan").kind, is(FormValidation.Kind.OK));
        assertWarning(flyway.doCheckLocations(p, "db/migration", null, "migrate", "flyway"), "saving with Flyway chosen drops it");
        assertWarning(migration.doCheckCommand(p, "migrate", "command", "db/migration"), "saving with the command chosen drops");
        assertThat("nothing typed on the Flyway side", migration.doCheckCommand(p, "migrate", "command", "").kind,
                is(FormValidation.Kind.OK));
    }

    /** Saving with Flyway chosen drops the command the migration had, and saving with the command chosen drops Flyway. */
    @Test
    void savingWithOneMigrationChosenDropsTheOther(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject("command-or-flyway");
        p.getBuildersList().add(new MigrateThenDeployBuilder(describedOnTheForm()));
        JenkinsRule.WebClient wc = r.createWebClient();

        HtmlPage page = wc.getPage(p, "configure");
        radio(page, "migrationKind", "flyway").click();
        this.<HtmlTextArea>inBlock(page, "migrationKind", "flyway", "//textarea[@name='_.locations']").setText("db/migration");
        this.<HtmlTextInput>inBlock(page, "migrationKind", "flyway", "//input[@name='_.secret']").setValue("shop-db");
        r.submit(page.getFormByName("config"));

        MigrationSpec saved = p.getBuildersList().get(MigrateThenDeployBuilder.class).getDeploy().getMigration();
        assertThat("the command typed earlier is dropped", saved.getCommand(), empty());
        assertThat(saved.getFlyway().getLocations(), is(List.of("db/migration")));
        assertThat(saved.getFlyway().getSecret(), is("shop-db"));

        page = wc.getPage(p, "configure");
        assertThat("the checked side is read from the saved migration", radio(page, "migrationKind", "flyway").isChecked(), is(true));
        radio(page, "migrationKind", "command").click();
        this.<HtmlTextArea>inBlock(page, "migrationKind", "command", "//textarea[@name='_.command']")
                .setText("python\nmanage.py\nmigrate");
        r.submit(page.getFormByName("config"));

        saved = p.getBuildersList().get(MigrateThenDeployBuilder.class).getDeploy().getMigration();
        assertThat("the Flyway settings typed earlier are dropped", saved.getFlyway(), nullValue());
        assertThat(saved.getCommand(), is(List.of("python", "manage.py", "migrate")));
    }

    /** Saving with the plan file chosen drops the form's fields (Image stays), and saving with the form drops the file. */
    @Test
    void savingWithThePlanFileOrTheFormChosenDropsTheOther(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject("plan-or-form");
        p.getBuildersList().add(new MigrateThenDeployBuilder(describedOnTheForm()));
        JenkinsRule.WebClient wc = r.createWebClient();

        HtmlPage page = wc.getPage(p, "configure");
        radio(page, "planSource", "plan").click();
        page.getFormByName("config").getInputByName("_.plan").setValue("deploy/plan.yaml");
        r.submit(page.getFormByName("config"));

        MigrateThenDeployStep saved = p.getBuildersList().get(MigrateThenDeployBuilder.class).getDeploy();
        assertThat(saved.getPlan(), is("deploy/plan.yaml"));
        assertThat("the form's fields are dropped", List.of(String.valueOf(saved.getApp()), String.valueOf(saved.getMigration()),
                String.valueOf(saved.getEnvironments().size())), is(List.of("null", "null", "0")));
        assertThat("Image overrides the plan's image either way", saved.getImage(), is("registry.example.com/shop:$GIT_COMMIT"));
        assertThat("nothing of the form is left to conflict with the plan file when the build starts",
                PlanMapping.plan(saved, "app: shop\n").plan().app(), is("shop"));

        page = wc.getPage(p, "configure");
        assertThat("the checked side is read from the saved step", radio(page, "planSource", "plan").isChecked(), is(true));
        radio(page, "planSource", "form").click();
        page.getFormByName("config").getInputByName("_.app").setValue("shop");
        r.submit(page.getFormByName("config"));

        saved = p.getBuildersList().get(MigrateThenDeployBuilder.class).getDeploy();
        assertThat("the plan file typed earlier is dropped", saved.getPlan(), nullValue());
        assertThat(saved.getApp(), is("shop"));
    }

    /** Choosing the plan file without naming one is refused by name, not as a missing application. */
    @Test
    void choosingThePlanFileWithoutNamingItIsRefused(JenkinsRule r) throws Exception {
        FreeStyleProject p = r.createFreeStyleProject("no-plan");
        p.getBuildersList().add(new MigrateThenDeployBuilder(describedOnTheForm()));
        JenkinsRule.WebClient wc = r.createWebClient();
        wc.setThrowExceptionOnFailingStatusCode(false);

        HtmlPage page = wc.getPage(p, "configure");
        radio(page, "planSource", "plan").click();
        HtmlPage refused = r.submit(page.getFormByName("config"));

        assertThat(refused.getWebResponse().getStatusCode(), greaterThanOrEqualTo(400));
        assertThat(refused.getWebResponse().getContentAsString(), containsString("Plan file is required"));
        assertThat("the saved step is untouched", p.getBuildersList().get(MigrateThenDeployBuilder.class).getDeploy().getApp(),
                is("shop"));
    }

    /** migrateDatabase with a plan file keeps the file, the image and the environment's name: its plan radio is checked. */
    @Test
    void migrateDatabaseWithAPlanFileKeepsItsChoiceOnSave(JenkinsRule r) throws Exception {
        MigrateDatabaseStep step = new MigrateDatabaseStep(new DeployEnvironment("staging"));
        step.setPlan("deploy/plan.yaml");
        step.setImage("registry.example.com/shop:1.4.0");

        MigrateDatabaseStep back = new StepConfigTester(r).configRoundTrip(step);

        r.assertEqualDataBoundBeans(step, back);
        assertThat("the untouched form side is dropped, not bound as an empty migration", back.getMigration(), nullValue());
    }

    private static MigrateThenDeployStep describedOnTheForm() {
        MigrateThenDeployStep options = new MigrateThenDeployStep();
        options.setApp("shop");
        options.setImage("registry.example.com/shop:$GIT_COMMIT");
        MigrationSpec migration = new MigrationSpec();
        migration.setCommand(List.of("python", "manage.py", "migrate"));
        options.setMigration(migration);
        DeployEnvironment staging = new DeployEnvironment("staging");
        staging.setNamespace("shop-staging");
        staging.setDeployments(List.of("shop-web"));
        options.setEnvironments(List.of(staging));
        return options;
    }

    /** A radio of an either-or choice; in a freestyle builder its name carries the repeated chunk's prefix. */
    private static HtmlRadioButtonInput radio(HtmlPage page, String group, String value) {
        HtmlRadioButtonInput radio = page.getFirstByXPath(choice(group, value));
        assertThat(group + "=" + value, radio, notNullValue());
        return radio;
    }

    /** An element inside the block of one side of a choice (the innermost block: the form side holds the migration's). */
    private <E> E inBlock(HtmlPage page, String group, String value, String xpath) {
        E element = page.getFirstByXPath("//div[contains(@class, 'radioBlock-container')][.//input[" + choiceTest(group, value)
                + "]][not(.//div[contains(@class, 'radioBlock-container')])]" + xpath);
        assertThat(group + "=" + value + " " + xpath, element, notNullValue());
        return element;
    }

    private static String choice(String group, String value) {
        return "//input[" + choiceTest(group, value) + "]";
    }

    private static String choiceTest(String group, String value) {
        return "@type='radio' and substring(@name, string-length(@name) - " + (group.length() - 1) + ") = '" + group
                + "' and @value='" + value + "'";
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

    private static void assertWarning(FormValidation v, String text) {
        assertThat(v.kind, is(FormValidation.Kind.WARNING));
        assertThat(v.getMessage(), containsString(text));
    }

    private static void assertError(FormValidation v, String text) {
        assertThat(v.kind, is(FormValidation.Kind.ERROR));
        assertThat(v.getMessage(), containsString(text));
    }
}
