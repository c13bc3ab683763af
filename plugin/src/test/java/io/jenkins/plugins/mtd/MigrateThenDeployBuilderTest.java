package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;

import hudson.model.FreeStyleBuild;
import hudson.model.FreeStyleProject;
import hudson.model.Result;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** The freestyle build step: its form keeps every option, and it runs the same promotion, blocking its executor. */
@WithJenkins
class MigrateThenDeployBuilderTest {

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void configRoundTripKeepsEveryOption(JenkinsRule r) throws Exception {
        MigrateThenDeployBuilder builder = builder("shop", "sh", "-c", "true");
        MigrateThenDeployStep options = builder.getDeploy();
        options.getEnvironments().get(0).setApproval(true);
        options.getEnvironments().get(0).setApprovers(List.of("alice", "release-managers"));
        options.getEnvironments().get(0).setDeployments(List.of("shop-web"));
        FlywaySpec flyway = new FlywaySpec();
        flyway.setLocations(List.of("db/migration", "db/seed"));
        flyway.setSecret("shop-db");
        flyway.setTable("schema_history");
        options.getMigration().setFlyway(flyway);
        PostRolloutSpec post = new PostRolloutSpec();
        post.setLocations(List.of("db/post"));
        post.setTable("schema_history_post");
        options.getMigration().setPostRollout(post);
        LintSpec lint = new LintSpec();
        LintAllowance allow = new LintAllowance("require-concurrent-index-creation");
        allow.setReason("the table has 40 rows");
        lint.setAllow(List.of(allow));
        options.getMigration().setLint(lint);
        options.getMigration().setCommand(List.of());
        options.setApprovalTimeout("4h");
        options.setResolveDigest(false);

        MigrateThenDeployBuilder back = r.configRoundtrip(builder);

        r.assertEqualDataBoundBeans(builder, back);
        assertThat(back.getDeploy().getMigration().getFlyway().getLocations(), is(List.of("db/migration", "db/seed")));
        assertThat(back.getDeploy().getMigration().getFlyway().getTable(), is("schema_history"));
        assertThat(back.getDeploy().getMigration().getPostRollout().getLocations(), is(List.of("db/post")));
        assertThat(back.getDeploy().getMigration().getPostRollout().getTable(), is("schema_history_post"));
        assertThat(back.getDeploy().getMigration().getLint().getAllow().get(0).getReason(), is("the table has 40 rows"));
    }

    @Test
    void runsThePromotionAndFailsWithTheEnginesReason(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        FreeStyleProject ok = r.createFreeStyleProject("ok");
        ok.getBuildersList().add(builder("shop", "sh", "-c", "echo FREESTYLE-MIGRATION"));
        FreeStyleBuild success = r.buildAndAssertSuccess(ok);
        assertThat(JenkinsRule.getLog(success), containsString("FREESTYLE-MIGRATION"));
        assertThat(cluster.jobs("staging"), hasSize(1));
        MigrateThenDeployAction action = success.getAction(MigrateThenDeployAction.class);
        assertThat(action.getReport().image().pinned(), is("registry.example.com/shop:1"));

        FreeStyleProject failing = r.createFreeStyleProject("failing");
        // another app, so that its migration Job is not the one that already succeeded for the same image
        failing.getBuildersList().add(builder("billing", "sh", "-c", "exit 4"));
        FreeStyleBuild failure = r.assertBuildStatus(Result.FAILURE, failing.scheduleBuild2(0));
        assertThat(JenkinsRule.getLog(failure), containsString("MIGRATION_FAILED: "));
    }

    /**
     * A command migration's printed SQL is checked before it runs; a rule acknowledged in the job's form lets it pass, and
     * the acknowledgement with its reason is in the report, on the build page and in the archived SARIF file.
     */
    @Test
    void anAcknowledgedFindingInThePrintedSqlLetsTheBuildGoOn(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        MigrateThenDeployBuilder builder = builder("shop", "sh", "-c", "echo MIGRATED-AFTER-CHECK");
        LintSpec lint = new LintSpec();
        lint.setSqlCommand(List.of("sh", "-c", "echo 'ALTER TABLE customer DROP COLUMN fax;'"));
        LintAllowance allow = new LintAllowance("ban-drop-column");
        allow.setReason("the v1.3 release stopped reading fax");
        lint.setAllow(List.of(allow));
        builder.getDeploy().getMigration().setLint(lint);
        FreeStyleProject p = r.createFreeStyleProject("acknowledged");
        p.getBuildersList().add(builder);

        FreeStyleBuild b = r.buildAndAssertSuccess(p);

        assertThat(JenkinsRule.getLog(b), containsString("MIGRATED-AFTER-CHECK"));
        var report = b.getAction(MigrateThenDeployAction.class).getReport();
        assertThat(report.lint().acknowledgements().stream().map(a -> a.rule() + ": " + a.reason()).toList(),
                contains("ban-drop-column: the v1.3 release stopped reading fax"));
        String page = r.createWebClient().getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString();
        assertThat(page, allOf(containsString("ban-drop-column"), containsString("the v1.3 release stopped reading fax")));
        String sarif = new String(b.getArtifactManager().root().child(LintResults.SARIF).open().readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(sarif, allOf(containsString("suppressions"), containsString("the v1.3 release stopped reading fax")));
    }

    private static MigrateThenDeployBuilder builder(String app, String... command) {
        MigrateThenDeployStep b = new MigrateThenDeployStep();
        b.setApp(app);
        b.setImage("registry.example.com/" + app + ":${BUILD_NUMBER}");
        b.setResolveDigest(false);
        MigrationSpec m = new MigrationSpec();
        m.setCommand(List.of(command));
        m.setTimeout("2m");
        b.setMigration(m);
        DeployEnvironment staging = new DeployEnvironment("staging");
        staging.setCredentialsId(ClusterFixture.KUBECONFIG_ID);
        staging.setNamespace("staging");
        b.setEnvironments(List.of(staging));
        return new MigrateThenDeployBuilder(b);
    }
}
