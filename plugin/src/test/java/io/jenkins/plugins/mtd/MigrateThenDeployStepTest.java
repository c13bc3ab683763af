package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import hudson.AbortException;
import hudson.FilePath;
import hudson.model.Executor;
import hudson.model.FreeStyleBuild;
import hudson.model.Label;
import hudson.model.ParametersDefinitionProperty;
import hudson.model.PasswordParameterDefinition;
import hudson.model.Result;
import hudson.slaves.DumbSlave;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jenkins.model.CauseOfInterruption;
import org.jenkinsci.plugins.workflow.actions.ArgumentsAction;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.graphanalysis.DepthFirstScanner;
import org.jenkinsci.plugins.workflow.graphanalysis.NodeStepTypePredicate;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.StepConfigTester;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** The Pipeline steps against the sandbox cluster: promotion order, gating, per-stage migrations, the report, masking, aborts, agents. */
@WithJenkins
class MigrateThenDeployStepTest {

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

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
        LintSpec lint = new LintSpec();
        lint.setSqlCommand(List.of("sh", "-c", "python manage.py sqlmigrate shop 0042"));
        LintAllowance allow = new LintAllowance("ban-drop-column");
        allow.setReason("v1.3 stopped reading fax");
        allow.setScript("0042_drop_fax");
        lint.setAllow(List.of(allow, new LintAllowance("require-timeout-settings")));
        lint.getAllow().get(1).setReason("a small table");
        migration.setLint(lint);
        PostRolloutSpec post = new PostRolloutSpec();
        post.setCommand(List.of("python", "manage.py", "migrate", "--database", "post"));
        post.setSqlCommand(List.of("sh", "-c", "python manage.py sqlmigrate shop 0043"));
        migration.setPostRollout(post);
        CompatibilitySpec compatibility = new CompatibilitySpec();
        compatibility.setCommand(List.of("python", "manage.py", "check_compatibility"));
        compatibility.setTimeout("2m");
        migration.setCompatibility(compatibility);
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
        assertThat(back.getMigration().getLint().getSqlCommand(), contains("sh", "-c", "python manage.py sqlmigrate shop 0042"));
        assertThat(back.getMigration().getLint().getAllow().stream().map(a -> a.getRule() + ":" + a.getReason()).toList(),
                contains("ban-drop-column:v1.3 stopped reading fax", "require-timeout-settings:a small table"));
        assertThat(back.getMigration().getPostRollout().getCommand(), contains("python", "manage.py", "migrate", "--database", "post"));
        assertThat(back.getMigration().toPlan().postRollout().sqlCommand(), contains("sh", "-c", "python manage.py sqlmigrate shop 0043"));
        assertThat(back.getMigration().toPlan().compatibility().command(), contains("python", "manage.py", "check_compatibility"));
        assertThat(back.getMigration().toPlan().compatibility().timeoutOrDefault(), is(java.time.Duration.ofMinutes(2)));
    }

    /**
     * The expand/contract check stops a release whose pre-rollout script drops a column before staging is touched: the
     * build fails naming the rule, no Job exists, the build page shows the finding and its recipe, and the SARIF file is
     * in the workspace (for Warnings NG) and among the artifacts.
     */
    @Test
    void aLintErrorFailsTheStepBeforeStagingIsTouched(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = run(r, "node {\n"
                + "  writeFile file: 'db/migration/V2__drop_fax.sql', text: 'ALTER TABLE customer DROP COLUMN fax;\\n'\n"
                + "  migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [flyway: [locations: ['db/migration'], secret: 'shop-db']],\n"
                + "      environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging',\n"
                + "                      deployments: ['web']]])\n"
                + "}");

        r.assertBuildStatus(Result.FAILURE, b);
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("ban-drop-column"), containsString("V2__drop_fax.sql:1"),
                not(containsString("migration started"))));
        assertThat("nothing was created in staging", cluster.jobs("staging"), empty());
        var report = b.getAction(MigrateThenDeployAction.class).getReport();
        assertThat(report.outcome(), is(io.mtd.report.RunOutcome.VETOED));
        assertThat(report.lint().blocking().stream().map(f -> f.rule()).toList(), contains("ban-drop-column"));
        assertThat(b.getArtifacts().stream().map(a -> a.relativePath).toList(), contains(LintResults.SARIF));
        String sarif = new String(b.getArtifactManager().root().child(LintResults.SARIF).open().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(sarif, allOf(containsString("\"ruleId\" : \"ban-drop-column\""), containsString("V2__drop_fax.sql")));
        assertThat(r.jenkins.getWorkspaceFor(b.getParent()).child(LintResults.SARIF).exists(), is(true));
        String page = r.createWebClient().getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString();
        assertThat(page, allOf(containsString("ban-drop-column"), containsString("V2__drop_fax.sql:1"),
                containsString(report.lint().blocking().get(0).recipe().substring(0, 20))));
        assertThat(r.createWebClient().getPage(b).getWebResponse().getContentAsString(),
                allOf(containsString("ban-drop-column"), containsString("errors: 1,")));
    }

    @Test
    void withoutABodyRunsTheWholePlanAndRollsOutEachEnvironmentAfterItsMigration(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        cluster.deployment("staging", "web", "registry.example.com/shop:0.9");
        cluster.deployment("production", "web", "registry.example.com/shop:0.9");
        WorkflowRun b = run(r, "def report = migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0',\n"
                + "    resolveDigest: false, migration: [command: ['sh', '-c', 'echo applying-0001 for shop'], timeout: '2m'],\n"
                + "    environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging',\n"
                + "                    deployments: ['web']],\n"
                + "                   [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'production',\n"
                + "                    deployments: ['web']]])\n"
                + "echo \"OUTCOME ${report.outcome} ENVIRONMENTS ${report.environments.collect { it.name + '=' + it.outcome }}\"");

        r.assertBuildStatusSuccess(b);
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("applying-0001 for shop"),
                containsString("OUTCOME SUCCEEDED ENVIRONMENTS [staging=SUCCEEDED, production=SUCCEEDED]")));
        assertThat("staging rolled out before production was migrated", log.indexOf("=== staging rollout SUCCEEDED"),
                allOf(greaterThan(0), lessThan(log.indexOf("=== production migration started"))));
        assertThat(cluster.deployedImage("staging", "web"), is("registry.example.com/shop:1.0"));
        assertThat(cluster.deployedImage("production", "web"), is("registry.example.com/shop:1.0"));
        assertThat(cluster.jobs("staging"), hasSize(1));
        assertThat(cluster.jobs("production"), hasSize(1));
        for (var e : b.getAction(MigrateThenDeployAction.class).getReport().environments()) {
            assertThat(e.name(), e.migration().job(), notNullValue());
        }
        assertThat(new DepthFirstScanner().filteredNodes(b.getExecution(), new NodeStepTypePredicate("migrateThenDeploy")).stream()
                .map(ArgumentsAction::getStepArgumentsAsString).toList(), contains("shop → staging, production"));
    }

    /** The composable form: each stage migrates its environment, then rolls out with the pipeline's own steps. */
    @Test
    void migrateDatabaseInEachStageRunsItsMigrationBeforeTheStagesOwnRollout(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = run(r, "def image = 'registry.example.com/shop:1.0'\n"
                + "def migration = [command: ['sh', '-c', 'echo migrating shop'], timeout: '2m']\n"
                + "stage('staging') {\n"
                + "  def m = migrateDatabase(app: 'shop', image: image, resolveDigest: false, migration: migration,\n"
                + "      environment: [name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'])\n"
                + "  echo \"ROLLOUT staging ${m.image.pinned} after ${m.environments[0].migration.outcome}\"\n"
                + "}\n"
                + "stage('production') {\n"
                + "  def m = migrateDatabase(app: 'shop', image: image, resolveDigest: false, migration: migration,\n"
                + "      environment: [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'production'])\n"
                + "  echo \"ROLLOUT production ${m.image.pinned} after ${m.environments[0].migration.outcome}\"\n"
                + "}");

        r.assertBuildStatusSuccess(b);
        String log = JenkinsRule.getLog(b);
        int staging = log.indexOf("ROLLOUT staging registry.example.com/shop:1.0 after SUCCEEDED");
        int productionMigration = log.indexOf("=== production migration started");
        assertThat("the staging rollout ran after its migration", staging,
                greaterThan(log.indexOf("=== staging migration SUCCEEDED")));
        assertThat("production was migrated after staging's rollout", productionMigration, greaterThan(staging));
        assertThat(log, allOf(containsString("ROLLOUT production registry.example.com/shop:1.0 after SUCCEEDED"),
                not(containsString("rollout started"))));
        assertThat(cluster.jobs("staging"), hasSize(1));
        assertThat(cluster.jobs("production"), hasSize(1));
        assertThat("one report per stage on the build page", b.getAction(MigrateThenDeployAction.class).getReports(), hasSize(2));
        // one heading per report, and the release's expand/contract check (the same in both stages) once
        String page = r.createWebClient().getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString();
        assertThat(page, allOf(containsString("<h2 class=\"mtd-report\">shop → staging</h2>"),
                containsString("<h2 class=\"mtd-report\">shop → production</h2>")));
        assertThat(page.split("class=\"mtd-lint\"", -1).length - 1, is(1));
        String status = r.createWebClient().getPage(b).getWebResponse().getContentAsString();
        assertThat(status, allOf(containsString("Migrate then deploy shop → staging: <strong>succeeded</strong>"),
                containsString("Migrate then deploy shop → production: <strong>succeeded</strong>")));
        assertThat("a finished build's page no longer refreshes itself", page, not(containsString("MigrateThenDeployAction/refresh.js")));
        // Graph View and Stage View name what each node does, from the arguments Jenkins stored (oldest node last)
        List<String> nodes = new DepthFirstScanner().filteredNodes(b.getExecution(), new NodeStepTypePredicate("migrateDatabase"))
                .stream().map(ArgumentsAction::getStepArgumentsAsString).toList();
        assertThat(nodes, contains("shop → production", "shop → staging"));
    }

    @Test
    void aFailedMigrationInAStageFailsThePipelineBeforeTheStagesRollout(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = run(r, "stage('staging') {\n"
                + "  migrateDatabase(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [command: ['sh', '-c', 'echo relation users already exists >&2; exit 3']],\n"
                + "      environment: [name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'])\n"
                + "  echo 'ROLLOUT staging'\n"
                + "}\n"
                + "stage('production') {\n"
                + "  migrateDatabase(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [command: ['true']],\n"
                + "      environment: [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'production'])\n"
                + "}");

        r.assertBuildStatus(Result.FAILURE, b);
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("relation users already exists"), containsString("MIGRATION_FAILED"),
                not(containsString("ROLLOUT staging"))));
        assertThat("production was never migrated", cluster.jobs("production"), empty());
        assertThat(b.getAction(MigrateThenDeployAction.class).getReport().environments().stream()
                .map(e -> e.name() + "=" + e.outcome()).toList(), contains("staging=FAILED"));
        // the report page explains the failure where it is shown: the exit code first, the end of the log with it
        String page = r.createWebClient().getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString();
        assertThat(page, allOf(containsString("the migration exited with code 3"), containsString("mtd-log-tail"),
                containsString("relation users already exists"), not(containsString("see its log above"))));
    }

    @Test
    void migrateDatabaseRefusesDeploymentsItWouldNotRollOut(JenkinsRule r) throws Exception {
        WorkflowRun b = run(r, "migrateDatabase(app: 'shop', image: 'registry.example.com/shop:1.0',\n"
                + "    migration: [command: ['migrate']], environment: [name: 'staging', deployments: ['web']])");

        r.assertBuildStatus(Result.FAILURE, b);
        assertThat(JenkinsRule.getLog(b), containsString("environment.deployments: migrateDatabase only migrates"));
    }

    /** An abort names who aborted and what is left in the cluster, instead of "Aborted: null". */
    @Test
    void anAbortSaysWhoAbortedAndWhatIsLeftRunning(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = start(r, ClusterFixture.migrateStaging("echo MIGRATION-WAITING; sleep 600"));
        ClusterFixture.waitForPodLog(r, b, "MIGRATION-WAITING");

        Executor executor = b.getExecutor();
        assertThat(executor, notNullValue());
        executor.interrupt(Result.ABORTED, new CauseOfInterruption.UserInterruption("alice"));

        r.assertBuildStatus(Result.ABORTED, r.waitForCompletion(b));
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("Aborted by alice: stopped waiting."),
                containsString("keeps running in its cluster"), not(containsString("Aborted: null"))));
        assertThat("the migration is left to finish (migration.onCancel defaults to leave)", cluster.jobs("staging"), hasSize(1));
    }

    /** Building needs the build context: outside node the step says so before anything is started. */
    @Test
    void anImageBuildOutsideNodeIsRefusedBeforeAnythingStarts(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = run(r, "migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0',\n"
                + "    build: [context: '.'], migration: [command: ['true']],\n"
                + "    environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging']])");

        r.assertBuildStatus(Result.FAILURE, b);
        assertThat(JenkinsRule.getLog(b), containsString("The plan builds registry.example.com/shop:1.0 from the workspace:"
                + " call the step inside a node block"));
        assertThat(cluster.jobs("staging"), empty());
    }

    /**
     * Digest pinning needs no workspace: outside node, a prebuilt image is pinned by asking its registry from the
     * controller, and a later stage of the build runs the digest the first one pinned even if the tag moved meanwhile.
     */
    @Test
    void aPrebuiltImageIsPinnedWithoutAWorkspaceAndEveryStageRunsTheFirstDigest(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        String first = "sha256:" + "a".repeat(64);
        String moved = "sha256:" + "b".repeat(64);
        AtomicInteger asked = new AtomicInteger();
        HttpServer registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry.createContext("/v2/shop/manifests/1.0", exchange -> {
            // the tag moves after the first answer
            exchange.getResponseHeaders().add("Docker-Content-Digest", asked.getAndIncrement() == 0 ? first : moved);
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        registry.start();
        try {
            String image = "127.0.0.1:" + registry.getAddress().getPort() + "/shop:1.0";
            StringBuilder script = new StringBuilder();
            for (String env : List.of("staging", "production")) {
                script.append("stage('").append(env).append("') {\n")
                        .append("  def m = migrateDatabase(app: 'shop', image: '").append(image).append("',\n")
                        .append("      migration: [command: ['sh', '-c', 'echo migrated']],\n")
                        .append("      environment: [name: '").append(env).append("', credentialsId: '")
                        .append(ClusterFixture.KUBECONFIG_ID).append("', namespace: '").append(env).append("'])\n")
                        .append("  echo \"PINNED ").append(env).append(" ${m.image.pinned}\"\n")
                        .append("}\n");
            }
            WorkflowRun b = run(r, script.toString());

            r.assertBuildStatusSuccess(b);
            String log = JenkinsRule.getLog(b);
            assertThat(log, allOf(containsString("PINNED staging "), containsString("PINNED production "),
                    containsString("pinned earlier in this build"), not(containsString(moved))));
            assertThat(log.substring(log.indexOf("PINNED staging ")), containsString("@" + first));
            assertThat(log.substring(log.indexOf("PINNED production ")), containsString("@" + first));
            assertThat("the registry was asked once, by the first stage", asked.get(), is(1));
            // the page shows a short digest, the full reference on hover and in the copy button
            String pinned = b.getAction(MigrateThenDeployAction.class).getReport().image().pinned();
            assertThat(MigrateThenDeployAction.shortImage(pinned), allOf(startsWith("127.0.0.1:"), endsWith("@sha256:" + "a".repeat(12) + "…")));
            String page = r.createWebClient().getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString();
            assertThat(page, allOf(containsString(">" + MigrateThenDeployAction.shortImage(pinned) + "</code>"),
                    containsString("title=\"" + pinned + "\""), containsString("text=\"" + pinned + "\"")));
            for (String env : List.of("staging", "production")) {
                assertThat(cluster.jobs(env).get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getImage(),
                        containsString("@" + first));
            }
        } finally {
            registry.stop(0);
        }
    }

    /** One engine per controller: two builds waiting on migrations in one namespace share one client and one watch. */
    @Test
    void twoConcurrentBuildsShareOneNamespaceWatch(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        Path release = Files.createTempDirectory("mtd-shared").resolve("release");
        WorkflowRun shop = start(r, waitingMigration("shop", release));
        WorkflowRun cart = start(r, waitingMigration("cart", release));
        ClusterFixture.waitForPodLog(r, shop, "MIGRATION-WAITING shop");
        ClusterFixture.waitForPodLog(r, cart, "MIGRATION-WAITING cart");

        EngineService engine = EngineService.get();
        assertThat("one client for the one cluster and credential", engine.clusterPool().clients(), is(1));
        assertThat("one watch of namespace staging for both builds", engine.clusterPool().watches(), is(1));

        Files.writeString(release, "go");
        r.assertBuildStatusSuccess(r.waitForCompletion(shop));
        r.assertBuildStatusSuccess(r.waitForCompletion(cart));
        // each run gives its client back as its report completes, which may be just after its step ended
        for (int i = 0; i < 300 && engine.clusterPool().clients() > 0; i++) {
            Thread.sleep(100);
        }
        assertThat("closed once no build uses it", engine.clusterPool().clients(), is(0));
    }

    /**
     * Shutting down (the @Terminator) detaches a waiting build without cancelling its migration, closes the clients and
     * waits for the engine's threads, so none of them runs on after the plugin's classes are gone.
     */
    @Test
    void shutdownClosesTheClientsAndAwaitsEveryEngineThreadLeavingTheMigrationRunning(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowRun b = start(r, "migrateDatabase(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "    migration: [command: ['sh', '-c', 'echo MIGRATION-WAITING; sleep 600']],\n"
                + "    environment: [name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'])");
        ClusterFixture.waitForPodLog(r, b, "MIGRATION-WAITING");
        EngineService engine = EngineService.get();
        assertThat(engine.clusterPool().watches(), is(1));

        engine.close(30, TimeUnit.SECONDS);

        assertThat("every executor of the engine ended", engine.isTerminated(), is(true));
        assertThat(engine.clusterPool().clients(), is(0));
        assertThat(engine.clusterPool().watches(), is(0));
        assertThat("the migration was detached, not cancelled", cluster.jobs("staging"), hasSize(1));
        assertThat(cluster.jobs("staging").get(0).getMetadata().getDeletionTimestamp(), nullValue());
        assertThat(b.isBuilding(), is(true));
    }

    private static String waitingMigration(String app, Path release) {
        return "migrateDatabase(app: '" + app + "', image: 'registry.example.com/" + app + ":1.0', resolveDigest: false,\n"
                + "    migration: [command: ['sh', '-c', 'echo MIGRATION-WAITING " + app + "; while [ ! -f " + release
                + " ]; do sleep 0.2; done'], timeout: '5m'],\n"
                + "    environment: [name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'])";
    }

    /** The workspace is on an agent: the plan file is read from there through remoting. */
    @Test
    void readsThePlanFileFromAnAgentsWorkspace(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        r.createOnlineSlave(Label.get("remote"));
        WorkflowRun b = run(r, "node('remote') {\n"
                + "  writeFile file: 'deploy/plan.yaml', text: '''app: shop\n"
                + "image: registry.example.com/shop:3.0\n"
                + "migration: {command: [sh, -c, echo migrated-from-agent-plan]}\n"
                + "environments:\n"
                + "  - {name: staging, credentialsId: " + ClusterFixture.KUBECONFIG_ID + ", namespace: staging}\n"
                + "'''\n"
                + "  migrateDatabase(plan: 'deploy/plan.yaml', resolveDigest: false, environment: [name: 'staging'])\n"
                + "}");

        r.assertBuildStatusSuccess(b);
        assertThat(JenkinsRule.getLog(b), containsString("migrated-from-agent-plan"));
        assertThat(cluster.jobs("staging"), hasSize(1));
    }

    /** The workspace is on an agent: Flyway scripts are copied through remoting into the build, where the engine reads them. */
    @Test
    void copiesFlywayScriptsFromAnAgentsWorkspaceIntoTheBuild(JenkinsRule r) throws Exception {
        DumbSlave agent = r.createOnlineSlave();
        FilePath workspace = agent.getRootPath().child("workspace/shop");
        workspace.child("db/migration/V1__init.sql").write("create table customer (id int);", "UTF-8");
        workspace.child("db/migration/nested/V2__email.sql").write("alter table customer add email text;", "UTF-8");
        assertThat(workspace.isRemote(), is(true));
        FreeStyleBuild build = r.buildAndAssertSuccess(r.createFreeStyleProject());
        FlywaySpec flyway = new FlywaySpec();
        flyway.setLocations(List.of("db/migration"));
        flyway.setSecret("shop-db");
        MigrationSpec migration = new MigrationSpec();
        migration.setFlyway(flyway);
        MigrateThenDeployStep step = new MigrateThenDeployStep();
        step.setApp("shop");
        step.setImage("registry.example.com/shop:1.0");
        step.setMigration(migration);
        step.setEnvironments(List.of(new DeployEnvironment("staging")));

        Path copy = WorkspaceFiles.copyFlywayScripts(PlanMapping.plan(step, null).plan(), workspace, build);

        assertThat(copy.startsWith(build.getRootDir().toPath()), is(true));
        assertThat(Files.readString(copy.resolve("db/migration/V1__init.sql")), is("create table customer (id int);"));
        assertThat(Files.readString(copy.resolve("db/migration/nested/V2__email.sql")), is("alter table customer add email text;"));

        flyway.setLocations(List.of("../outside"));
        AbortException leaves = assertThrows(AbortException.class,
                () -> WorkspaceFiles.copyFlywayScripts(PlanMapping.plan(step, null).plan(), workspace, build));
        assertThat(leaves.getMessage(), containsString("'../outside' leaves the workspace"));
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

    /**
     * A Secret-text credential holding {@code token}, and a job whose pipeline gets the same value from a password
     * parameter {@code name}: stored encrypted in build.xml, so that a test of what the engine stores finds the value only
     * where the engine put it (a literal in the script would be stored with the script).
     */
    private WorkflowJob tokenJob(JenkinsRule r, String name, String token, String script) throws Exception {
        cluster.addTokenCredential(token);
        WorkflowJob p = r.createProject(WorkflowJob.class);
        p.addProperty(new ParametersDefinitionProperty(new PasswordParameterDefinition(name, token, "")));
        p.setDefinition(new CpsFlowDefinition(script, true));
        return p;
    }

    /** The step's environments: staging, reached with the token credential. */
    private String stagingByToken() {
        return "environments: [[name: 'staging', credentialsId: '" + ClusterFixture.TOKEN_ID + "', serverUrl: '"
                + cluster.serverUrl() + "', namespace: 'staging']]";
    }

    private static String buildXml(WorkflowRun b) throws Exception {
        return Files.readString(b.getRootDir().toPath().resolve("build.xml"));
    }

    private static String artifact(WorkflowRun b, String name) throws Exception {
        return new String(b.getArtifactManager().root().child(name).open().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * A Secret-text credential's value quoted by the expand/contract check's "not checked" note (which quotes the
     * migration command) is masked in every artefact the step leaves: the log, the report stored in build.xml and shown
     * on the build page, the SARIF file, and the map the step returns (which a script may print).
     */
    @Test
    void aCredentialQuotedByTheReleaseCheckReachesNoStoredOrReturnedArtefact(JenkinsRule r) throws Exception {
        String token = "tok-canary-5e1f0a9d";
        WorkflowJob p = tokenJob(r, "TOKEN", token, "node {\n"
                + "  def report = migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [command: ['sh', '-c', \"echo migrating # token=${env.TOKEN}\"], timeout: '2m'],\n"
                + "      " + stagingByToken() + ")\n"
                + "  echo \"RETURNED ${report}\"\n"
                + "}");
        WorkflowRun b = r.buildAndAssertSuccess(p);

        String log = JenkinsRule.getLog(b);
        assertThat("the returned map is printed, masked", log, allOf(containsString("RETURNED {"), containsString("token=****"),
                not(containsString(token))));
        assertThat("the stored report keeps the note, masked", buildXml(b), allOf(containsString("token=****"), not(containsString(token))));
        String page = r.createWebClient().getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString();
        assertThat(page, not(containsString(token)));
        assertThat(artifact(b, LintResults.SARIF), not(containsString(token)));
        assertThat(b.getAction(MigrateThenDeployAction.class).getReport().lint().notChecked().toString(),
                allOf(containsString("token=****"), not(containsString(token))));
    }

    /**
     * The same when the check stops the run: the column its finding names is the credential's value, and the step's
     * failure, the stored report, the page and the SARIF file carry it masked.
     */
    @Test
    void aCredentialInAFindingThatStopsTheRunReachesNoStoredArtefact(JenkinsRule r) throws Exception {
        String token = "tok_canary_91b7c2";
        WorkflowJob p = tokenJob(r, "COLUMN", token, "node {\n"
                + "  writeFile file: 'db/migration/V2__drop.sql', text: \"ALTER TABLE customer DROP COLUMN ${env.COLUMN};\\n\"\n"
                + "  migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "      migration: [flyway: [locations: ['db/migration'], secret: 'shop-db']],\n"
                + "      " + stagingByToken() + ")\n"
                + "}");
        WorkflowRun b = r.buildAndAssertStatus(Result.FAILURE, p);

        assertThat(JenkinsRule.getLog(b), allOf(containsString("ban-drop-column"), not(containsString(token))));
        assertThat(cluster.jobs("staging"), empty());
        var report = b.getAction(MigrateThenDeployAction.class).getReport();
        assertThat(report.lint().blocking().stream().map(f -> f.rule()).toList(), contains("ban-drop-column"));
        assertThat(report.failure() + report.lint(), not(containsString(token)));
        assertThat(buildXml(b), allOf(containsString("ban-drop-column"), not(containsString(token))));
        assertThat(r.createWebClient().getPage(b, "migrate-then-deploy").getWebResponse().getContentAsString(),
                allOf(containsString("ban-drop-column"), not(containsString(token))));
        assertThat(artifact(b, LintResults.SARIF), allOf(containsString("ban-drop-column"), not(containsString(token))));
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

    @Test
    void migrateDatabaseConfigRoundTripKeepsEveryOption(JenkinsRule r) throws Exception {
        DeployEnvironment staging = new DeployEnvironment("staging");
        staging.setCredentialsId("kube-staging");
        staging.setNamespace("shop-staging");
        staging.setApproval(true);
        MigrateDatabaseStep step = new MigrateDatabaseStep(staging);
        step.setApp("shop");
        step.setImage("registry.example.com/shop:1.4.0");
        MigrationSpec migration = new MigrationSpec();
        migration.setCommand(List.of("python", "manage.py", "migrate", "--noinput"));
        migration.setEnvFromSecret("shop-db");
        step.setMigration(migration);
        step.setApprovalTimeout("2h");
        step.setResolveDigest(false);

        MigrateDatabaseStep back = new StepConfigTester(r).configRoundTrip(step);

        r.assertEqualDataBoundBeans(step, back);
    }

    private static WorkflowRun start(JenkinsRule r, String script) throws Exception {
        WorkflowJob p = r.createProject(WorkflowJob.class);
        p.setDefinition(new CpsFlowDefinition(script, true));
        return p.scheduleBuild2(0).waitForStart();
    }

    private static WorkflowRun run(JenkinsRule r, String script) throws Exception {
        return r.waitForCompletion(start(r, script));
    }
}
