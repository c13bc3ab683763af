package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import hudson.model.FreeStyleProject;
import java.util.List;
import org.htmlunit.html.HtmlPage;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.cps.Snippetizer;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * Every view the plugin ships renders (a Jelly error answers HTTP 500, which the test client turns into an exception):
 * every config.jelly through the job configuration page and the Snippet Generator, the build page's summary and the
 * action's own page. Help files are loaded by {@link FormValidationTest#everyFieldHasHelp}.
 */
@WithJenkins
class ViewsTest {

    @Test
    void theJobConfigurationPageRendersEveryNestedForm(JenkinsRule r) throws Exception {
        MigrateThenDeployStep options = new MigrateThenDeployStep();
        options.setApp("shop");
        options.setImage("registry.example.com/shop:$GIT_COMMIT");
        ImageBuild build = new ImageBuild();
        build.setContext(".");
        options.setBuild(build);
        FlywaySpec flyway = new FlywaySpec();
        flyway.setLocations(List.of("db/migration"));
        flyway.setSecret("shop-db");
        MigrationSpec migration = new MigrationSpec();
        migration.setFlyway(flyway);
        LintSpec lint = new LintSpec();
        LintAllowance allow = new LintAllowance("ban-drop-column");
        allow.setReason("v1.3 stopped reading it");
        lint.setAllow(List.of(allow));
        migration.setLint(lint);
        PostRolloutSpec post = new PostRolloutSpec();
        post.setLocations(List.of("db/post"));
        migration.setPostRollout(post);
        options.setMigration(migration);
        DeployEnvironment staging = new DeployEnvironment("staging");
        staging.setDeployments(List.of("shop-web"));
        options.setEnvironments(List.of(staging));
        FreeStyleProject p = r.createFreeStyleProject("configured");
        p.getBuildersList().add(new MigrateThenDeployBuilder(options));

        HtmlPage page = r.createWebClient().getPage(p, "configure");

        String html = page.getWebResponse().getContentAsString();
        for (String title : List.of("Command, one argument per line", "Script locations, one per line", "Cluster credentials",
                "Build the image first", "Deployments", "Command printing the SQL, one argument per line",
                "Acknowledged rules", "Flyway script locations, one per line", "Schema history table")) {
            assertThat(html, containsString(title));
        }
    }

    @Test
    void theSnippetGeneratorListsBothSteps(JenkinsRule r) throws Exception {
        WorkflowJob p = r.createProject(WorkflowJob.class, "snippets");

        String html = r.createWebClient().getPage(p, "pipeline-syntax").getWebResponse().getContentAsString();

        assertThat(html, containsString(Messages.MigrateThenDeployStep_DisplayName()));
        assertThat(html, containsString(Messages.MigrateDatabaseStep_DisplayName()));
    }

    /** The Snippet Generator writes the nested options as the maps README shows, not as symbol calls or $class maps. */
    @Test
    void theSnippetGeneratorWritesNestedOptionsAsMaps(JenkinsRule r) throws Exception {
        MigrateThenDeployStep step = new MigrateThenDeployStep();
        step.setApp("shop");
        step.setImage("registry.example.com/shop:1.0");
        MigrationSpec migration = new MigrationSpec();
        migration.setCommand(List.of("python", "manage.py", "migrate"));
        step.setMigration(migration);
        DeployEnvironment staging = new DeployEnvironment("staging");
        staging.setNamespace("shop-staging");
        step.setEnvironments(List.of(staging));

        String snippet = Snippetizer.object2Groovy(step);

        assertThat(snippet, allOf(containsString("migrateThenDeploy "), containsString("app: 'shop'"),
                containsString("migration: [command: ['python', 'manage.py', 'migrate']]"),
                containsString("environments: [[name: 'staging', namespace: 'shop-staging']]"),
                not(containsString("$class")), not(containsString("migration("))));
    }

    @Test
    void theBuildPageAndTheReportPageRender(JenkinsRule r) throws Exception {
        try (ClusterFixture cluster = ClusterFixture.started()) {
            cluster.addKubeconfigCredential();
            WorkflowJob p = r.createProject(WorkflowJob.class, "report");
            p.setDefinition(new CpsFlowDefinition("migrateDatabase(app: 'shop', image: 'registry.example.com/shop:1.0',\n"
                    + "    resolveDigest: false, migration: [command: ['sh', '-c', 'echo done']],\n"
                    + "    environment: [name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'])",
                    true));
            WorkflowRun b = r.buildAndAssertSuccess(p);
            JenkinsRule.WebClient wc = r.createWebClient();

            // words, not enum names, and one duration format
            String status = wc.getPage(b).getWebResponse().getContentAsString();
            assertThat(status, allOf(containsString("Migrate then deploy: <strong>succeeded</strong>"),
                    containsString("staging: succeeded"), containsString("; migration succeeded in "), not(containsString("SUCCEEDED"))));
            String report = wc.getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString();
            assertThat(report, allOf(containsString("shop-staging-migrate-"), containsString("mtd-tone-OK"),
                    not(containsString("SUCCEEDED")), not(containsString("=== "))));
        }
    }
}
