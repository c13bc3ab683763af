package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import hudson.model.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** The Pipeline step against the sandbox cluster: promotion order, gating, the body, the returned report, masking. */
@WithJenkins
class MigrateThenDeployStepTest {

    private ClusterFixture cluster;

    @BeforeEach
    void startCluster() {
        cluster = new ClusterFixture();
    }

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void configRoundTripKeepsEveryOption(JenkinsRule r) throws Exception {
        MigrateThenDeployStep step = new MigrateThenDeployStep();
        step.setApp("shop");
        step.setImage("registry.example.com/shop:1.4.0");
        ImageBuild build = new ImageBuild();
        build.setContext(".");
        build.setDockerfile("Dockerfile");
        step.setBuild(build);
        MigrationSpec migration = new MigrationSpec();
        migration.setCommand(List.of("python", "manage.py", "migrate", "--noinput"));
        migration.setEnvFromSecret("shop-db");
        migration.setTimeout("10m");
        migration.setRetry(true);
        migration.setOnCancel("delete");
        step.setMigration(migration);
        DeployEnvironment staging = new DeployEnvironment("staging");
        staging.setCredentialsId("kube-staging");
        staging.setNamespace("shop-staging");
        staging.setDeployments(List.of("shop-web", "shop-worker"));
        DeployEnvironment production = new DeployEnvironment("production");
        production.setNamespace("shop");
        production.setApproval(true);
        production.setApprovers(List.of("release-managers"));
        step.setEnvironments(List.of(staging, production));
        step.setRolloutTimeout("5m");
        step.setUndoOnFailure(false);

        MigrateThenDeployStep back = new StepConfigTester(r).configRoundTrip(step);

        r.assertEqualDataBoundBeans(step, back);
        assertThat(back.getEnvironments().stream().map(DeployEnvironment::getName).toList(), contains("staging", "production"));
        assertThat(back.getMigration().getCommand(), contains("python", "manage.py", "migrate", "--noinput"));
    }

    @Test
    void promotesThroughEnvironmentsInOrderCallingTheBodyOncePerEnvironment(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = run(r, "node {\n"
                + "  def report = migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [command: ['sh', '-c', 'echo applying-0001 for shop'], timeout: '2m'],\n"
                + "      environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'],\n"
                + "                     [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'production']]) {\n"
                + "    echo \"ROLLOUT env=${env.MTD_ENVIRONMENT} ns=${env.MTD_NAMESPACE} image=${env.MTD_IMAGE}\"\n"
                + "    echo \"KUBECONFIG-SAYS ${readFile(env.KUBECONFIG).contains('current-context: sandbox')}\"\n"
                + "    echo \"KUBECONFIG-AT ${env.KUBECONFIG}\"\n"
                + "  }\n"
                + "  echo \"OUTCOME ${report.outcome} ENVIRONMENTS ${report.environments.collect { it.name + '=' + it.outcome }}\"\n"
                + "}");

        r.assertBuildStatusSuccess(b);
        String log = JenkinsRule.getLog(b);
        int staging = log.indexOf("ROLLOUT env=staging ns=staging image=registry.example.com/shop:1.0");
        int production = log.indexOf("ROLLOUT env=production ns=production image=registry.example.com/shop:1.0");
        assertThat("staging rolled out", staging, greaterThan(0));
        assertThat("production rolled out after staging", production, greaterThan(staging));
        assertThat("the body ran once for staging", log.indexOf("ROLLOUT env=staging", staging + 1), is(-1));
        assertThat(log, allOf(containsString("applying-0001 for shop"), containsString("KUBECONFIG-SAYS true"),
                containsString("OUTCOME SUCCEEDED ENVIRONMENTS [staging=SUCCEEDED, production=SUCCEEDED]")));
        assertThat(cluster.jobs("staging"), hasSize(1));
        assertThat(cluster.jobs("production"), hasSize(1));
        int kubeconfigs = 0;
        for (String line : log.split("\\R")) {
            if (line.startsWith("KUBECONFIG-AT ")) {
                kubeconfigs++;
                Path file = Path.of(line.substring("KUBECONFIG-AT ".length()).trim());
                assertThat("the kubeconfig " + file + " is deleted after the body", Files.exists(file), is(false));
            }
        }
        assertThat(kubeconfigs, is(2));
        MigrateThenDeployAction action = b.getAction(MigrateThenDeployAction.class);
        assertThat(action.getReport().succeeded(), is(true));
        for (var e : action.getReport().environments()) {
            assertThat(e.name(), e.migration().job(), notNullValue());
        }
    }

    @Test
    void aFailedMigrationFailsTheBuildBeforeAnyRollout(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = run(r, "node {\n"
                + "  migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [command: ['sh', '-c', 'echo relation users already exists >&2; exit 3']],\n"
                + "      environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'],\n"
                + "                     [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'production']]) {\n"
                + "    echo \"ROLLOUT env=${env.MTD_ENVIRONMENT}\"\n"
                + "  }\n"
                + "}");

        r.assertBuildStatus(Result.FAILURE, b);
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("relation users already exists"), containsString("MIGRATION_FAILED"),
                not(containsString("ROLLOUT env="))));
        assertThat("production was never migrated", cluster.jobs("production"), empty());
        assertThat(b.getAction(MigrateThenDeployAction.class).getReport().environments().stream()
                        .map(e -> e.name() + "=" + e.outcome()).toList(),
                contains("staging=FAILED", "production=NOT_REACHED"));
    }

    @Test
    void secretsOfCredentialsAndReferencedSecretsNeverReachTheLog(JenkinsRule r) throws Exception {
        String token = "tok-9f8e7d6c5b4a";
        String password = "pw-s3cr3t-0451";
        cluster.addTokenCredential(token);
        cluster.secret("staging", "shop-db", Map.of("DB_PASSWORD", password));
        WorkflowRun b = run(r, "node {\n"
                + "  migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [command: ['sh', '-c', 'echo token=" + token + " password=$DB_PASSWORD'], envFromSecret: 'shop-db'],\n"
                + "      environments: [[name: 'staging', credentialsId: '" + ClusterFixture.TOKEN_ID + "',\n"
                + "                      serverUrl: '" + cluster.serverUrl() + "', namespace: 'staging']])\n"
                + "}");

        r.assertBuildStatusSuccess(b);
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("token=****"), containsString("password=****"),
                not(containsString(token)), not(containsString(password))));
        assertThat(b.getAction(MigrateThenDeployAction.class).getReport().toString(), not(containsString(token)));
    }

    @Test
    void theRolloutBodyCannotPrintTheClusterCredentials(JenkinsRule r) throws Exception {
        String token = "tok-0a1b2c3d4e5f";
        cluster.addTokenCredential(token);
        WorkflowRun b = run(r, "node {\n"
                + "  migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [command: ['sh', '-c', 'true']],\n"
                + "      environments: [[name: 'staging', credentialsId: '" + ClusterFixture.TOKEN_ID + "',\n"
                + "                      serverUrl: '" + cluster.serverUrl() + "', namespace: 'staging']]) {\n"
                + "    echo \"BODY SEES ${readFile(env.KUBECONFIG)}\"\n"
                + "  }\n"
                + "}");

        r.assertBuildStatusSuccess(b);
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("BODY SEES"), containsString("token: ****"), not(containsString(token))));
    }

    @Test
    void anInvalidPlanFailsWithEveryErrorBeforeTouchingTheCluster(JenkinsRule r) throws Exception {
        WorkflowRun b = run(r, "migrateThenDeploy(app: 'Shop_App', image: 'registry.example.com/shop:1.0',\n"
                + "    migration: [command: ['migrate'], timeout: 'ten minutes'],\n"
                + "    environments: [[name: 'staging'], [name: 'staging']])");

        r.assertBuildStatus(Result.FAILURE, b);
        assertThat(JenkinsRule.getLog(b), allOf(containsString("app: 'Shop_App' is not a valid Kubernetes name"),
                containsString("migration.timeout"),
                containsString("environments[1].name: 'staging' is used by an earlier environment")));
        assertThat(cluster.jobs("staging"), empty());
    }

    @Test
    void aMissingCredentialIsNamedWithItsEnvironment(JenkinsRule r) throws Exception {
        WorkflowRun b = run(r, "migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0',\n"
                + "    migration: [command: ['migrate']], environments: [[name: 'staging', credentialsId: 'nope']])");

        r.assertBuildStatus(Result.FAILURE, b);
        assertThat(JenkinsRule.getLog(b), containsString("environment \"staging\": no credentials with id \"nope\""));
    }

    private static WorkflowRun run(JenkinsRule r, String script) throws Exception {
        WorkflowJob p = r.createProject(WorkflowJob.class);
        p.setDefinition(new CpsFlowDefinition(script, true));
        return p.scheduleBuild2(0).get();
    }
}
