package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.JenkinsSessionExtension;

/** A controller restart while the step waits on a migration: the step re-attaches to the same Job and finishes. */
class MigrateThenDeployRestartTest {

    /** Outlives the Jenkins sessions, as a real cluster outlives a controller restart. */
    @RegisterExtension
    static final ClusterFixture cluster = new ClusterFixture();
    private static Path release;

    @RegisterExtension
    private final JenkinsSessionExtension sessions = new JenkinsSessionExtension();

    @BeforeAll
    static void createReleaseFile() throws Exception {
        release = Files.createTempDirectory("mtd-restart").resolve("release");
    }

    @AfterAll
    static void deleteReleaseFile() throws Exception {
        Files.deleteIfExists(release);
    }

    @Test
    void reattachesToTheRunningMigrationAfterARestart() throws Throwable {
        sessions.then(r -> {
            cluster.addKubeconfigCredential();
            WorkflowJob p = r.createProject(WorkflowJob.class, "deploy");
            p.setDefinition(new CpsFlowDefinition("node {\n"
                    + "  def report = migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:2.0', resolveDigest: false,\n"
                    + "      migration: [command: ['sh', '-c', 'echo MIGRATION-WAITING; while [ ! -f " + release
                    + " ]; do sleep 0.2; done'], timeout: '5m'],\n"
                    + "      environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID
                    + "', namespace: 'staging']])\n"
                    + "  echo \"OUTCOME ${report.outcome}\"\n"
                    + "}", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            ClusterFixture.waitForPodLog(r, b, "MIGRATION-WAITING");
        });
        sessions.then(r -> {
            WorkflowRun b = r.jenkins.getItemByFullName("deploy", WorkflowJob.class).getBuildByNumber(1);
            // the migration is still waiting, so the resumed step can only attach to it or start another one
            r.waitForMessage("Jenkins restarted: starting the same plan again", b);
            Files.writeString(release, "go");
            r.assertBuildStatusSuccess(r.waitForCompletion(b));
            assertThat(JenkinsRule.getLog(b), containsString("OUTCOME SUCCEEDED"));
            assertThat("the restart re-attached instead of starting a second Job", cluster.jobs("staging"), hasSize(1));
        });
    }

    /** The same for migrateDatabase in a stage: after the restart it migrates the same environment only, then the stage goes on. */
    @Test
    void migrateDatabaseResumesItsOneEnvironmentAfterARestart() throws Throwable {
        Path go = release.resolveSibling("release-stage");
        sessions.then(r -> {
            cluster.addKubeconfigCredential();
            WorkflowJob p = r.createProject(WorkflowJob.class, "stages");
            p.setDefinition(new CpsFlowDefinition("stage('production') {\n"
                    + "  def m = migrateDatabase(app: 'cart', image: 'registry.example.com/cart:2.0', resolveDigest: false,\n"
                    + "      migration: [command: ['sh', '-c', 'echo STAGE-MIGRATION-WAITING; while [ ! -f " + go
                    + " ]; do sleep 0.2; done'], timeout: '5m'],\n"
                    + "      environment: [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID
                    + "', namespace: 'production'])\n"
                    + "  echo \"ROLLOUT AFTER ${m.environments.collect { it.name + '=' + it.migration.outcome }}\"\n"
                    + "}", true));
            WorkflowRun b = p.scheduleBuild2(0).waitForStart();
            ClusterFixture.waitForPodLog(r, b, "STAGE-MIGRATION-WAITING");
        });
        sessions.then(r -> {
            WorkflowRun b = r.jenkins.getItemByFullName("stages", WorkflowJob.class).getBuildByNumber(1);
            r.waitForMessage("Jenkins restarted: starting the same plan again", b);
            Files.writeString(go, "go");
            r.assertBuildStatusSuccess(r.waitForCompletion(b));
            assertThat(JenkinsRule.getLog(b), containsString("ROLLOUT AFTER [production=SUCCEEDED]"));
            assertThat("re-attached to the one Job", cluster.jobs("production"), hasSize(1));
            Files.deleteIfExists(go);
        });
    }
}
