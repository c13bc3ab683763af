package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import hudson.model.Executor;
import hudson.model.Result;
import jenkins.model.CauseOfInterruption;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * The job page's environments panel: what each environment runs, its last migration and its migration slot, read from
 * the cluster after the page (never holding it up), and said plainly when the cluster cannot be read.
 */
@WithJenkins
class EnvironmentsPanelTest {

    private static final String PANEL = "migrate-then-deploy-environments/panel";

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void showsTheDeployedImageTheLastMigrationAndAFreeSlot(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        cluster.deployment("staging", "shop-web", "registry.example.com/shop:0.9");
        WorkflowJob p = job(r, "migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', resolveDigest: false,\n"
                + "    migration: [command: ['sh', '-c', 'echo migrated']],\n"
                + "    environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID
                + "', namespace: 'staging', deployments: ['shop-web']]])");
        WorkflowRun b = r.buildAndAssertSuccess(p);
        JenkinsRule.WebClient wc = r.createWebClient();

        // the job page holds a placeholder and the script that fills it: the cluster is read after the page
        String jobPage = wc.getPage(p).getWebResponse().getContentAsString();
        assertThat(jobPage, allOf(containsString("mtd-environments-panel"),
                containsString("io/jenkins/plugins/mtd/EnvironmentsPanel/load.js")));
        String panel = wc.goTo(p.getUrl() + PANEL).getWebResponse().getContentAsString();
        assertThat(panel, allOf(containsString("class=\"mtd-environment-staging\""),
                containsString("shop-web/web:"), containsString(">registry.example.com/shop:1.0</code>"),
                containsString("shop-staging-migrate-"), containsString(" succeeded at "),
                containsString("started by " + b.getExternalizableId()), containsString(">free<"),
                containsString(b.getFullDisplayName())));
    }

    @Test
    void aRunningMigrationHoldsTheLockAndOccupiesTheEnvironment(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowJob p = job(r, ClusterFixture.migrateStaging("echo PANEL-WAITING; sleep 600"));
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        ClusterFixture.waitForPodLog(r, b, "PANEL-WAITING");

        String panel = r.createWebClient().goTo(p.getUrl() + PANEL).getWebResponse().getContentAsString();
        assertThat(panel, allOf(containsString("lock held by " + b.getExternalizableId()),
                containsString("occupied by the unfinished Job shop-staging-migrate-"), containsString(" running since "),
                not(containsString(">free<"))));

        Executor executor = b.getExecutor();
        executor.interrupt(Result.ABORTED, new CauseOfInterruption.UserInterruption("alice"));
        r.assertBuildStatus(Result.ABORTED, r.waitForCompletion(b));
    }

    @Test
    void anUnreachableClusterIsSaidOnThePanelAndTheJobPageStillLoads(JenkinsRule r) throws Exception {
        cluster.addKubeconfigCredential();
        WorkflowJob p = job(r, ClusterFixture.migrateStaging("echo migrated"));
        r.buildAndAssertSuccess(p);
        cluster.close(); // the cluster goes away; the kubeconfig still points at it

        JenkinsRule.WebClient wc = r.createWebClient();
        assertThat(wc.getPage(p).getWebResponse().getContentAsString(), containsString("mtd-environments-panel"));
        String panel = wc.goTo(p.getUrl() + PANEL).getWebResponse().getContentAsString();
        assertThat(panel, allOf(containsString("class=\"mtd-environment-staging\""),
                containsString("Its cluster could not be read: "), not(containsString("Exception"))));
    }

    @Test
    void aJobThatNeverRanTheStepHasNoPanel(JenkinsRule r) throws Exception {
        WorkflowJob p = job(r, "echo 'no migration here'");
        r.buildAndAssertSuccess(p);

        assertThat(r.createWebClient().getPage(p).getWebResponse().getContentAsString(), not(containsString("mtd-environments-panel")));
    }

    private static WorkflowJob job(JenkinsRule r, String script) throws Exception {
        WorkflowJob p = r.createProject(WorkflowJob.class);
        p.setDefinition(new CpsFlowDefinition(script, true));
        return p;
    }
}
