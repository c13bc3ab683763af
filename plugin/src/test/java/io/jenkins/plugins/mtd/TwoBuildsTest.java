package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import hudson.model.Item;
import hudson.model.Result;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.util.List;
import jenkins.model.Jenkins;
import org.htmlunit.html.HtmlPage;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/**
 * Two builds of one job promoting the same app: build 1 waits for production's approval while build 2 promotes it.
 * Answered late, build 1 ends NOT_BUILT, as {@code milestone} ends an older build, and production keeps build 2's
 * image; answered first, build 1 promotes, and build 2's answer, given for the change from before, is asked again.
 */
@WithJenkins
class TwoBuildsTest {

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void anOlderBuildApprovedAfterANewerOnePromotedEndsNotBuiltAndProductionKeepsTheNewerImage(JenkinsRule r) throws Exception {
        WorkflowJob p = job(r);
        WorkflowRun b1 = startWaiting(r, p);
        WorkflowRun b2 = startWaiting(r, p);

        approve(r, b2);
        r.assertBuildStatusSuccess(r.waitForCompletion(b2));
        assertThat(cluster.deployedImage("production", "web"), is("registry.example.com/shop:2"));
        approve(r, b1);

        r.assertBuildStatus(Result.NOT_BUILT, r.waitForCompletion(b1));
        r.assertLogContains("SUPERSEDED", b1);
        r.assertLogContains("superseded: run " + b2.getExternalizableId(), b1);
        RunReport report = b1.getAction(MigrateThenDeployAction.class).getReport();
        assertThat(report.outcome(), is(RunOutcome.SUPERSEDED));
        assertThat(report.environments().get(1).outcome(), is(StageOutcome.SUPERSEDED));
        assertThat(report.environments().get(1).release().supersededBy().image(), is("registry.example.com/shop:2"));
        assertThat(cluster.deployedImage("production", "web"), is("registry.example.com/shop:2"));
    }

    @Test
    void theOlderBuildApprovedFirstPromotesAndTheNewerBuildsStaleApprovalIsAskedAgain(JenkinsRule r) throws Exception {
        WorkflowJob p = job(r);
        WorkflowRun b1 = startWaiting(r, p);
        WorkflowRun b2 = startWaiting(r, p);
        HtmlPage before = r.createWebClient().login("alice").getPage(b2, "migrate-then-deploy");
        assertThat(before.getWebResponse().getContentAsString(), containsString("web runs shop:old; no release recorded yet"));

        approve(r, b1);
        r.assertBuildStatusSuccess(r.waitForCompletion(b1));
        assertThat(cluster.deployedImage("production", "web"), is("registry.example.com/shop:1"));
        approve(r, b2); // for the change from shop:old: production runs shop:1 now

        MigrateThenDeployAction action = b2.getAction(MigrateThenDeployAction.class);
        long deadline = System.currentTimeMillis() + 60_000;
        while (action.getPendingApprovals().stream().noneMatch(a -> a.getRunsNow().contains("registry.example.com/shop:1"))) {
            assertThat("asked again, showing build 1's release", System.currentTimeMillis() < deadline, is(true));
            Thread.sleep(100);
        }
        HtmlPage again = r.createWebClient().login("alice").getPage(b2, "migrate-then-deploy");
        assertThat(again.getWebResponse().getContentAsString(), containsString("released: registry.example.com/shop:1 (run "
                + b1.getExternalizableId()));
        approve(r, b2);

        r.assertBuildStatusSuccess(r.waitForCompletion(b2));
        r.assertLogContains("so it is refused and asked again", b2);
        assertThat(cluster.deployedImage("production", "web"), is("registry.example.com/shop:2"));
    }

    private WorkflowJob job(JenkinsRule r) throws Exception {
        r.jenkins.setSecurityRealm(r.createDummySecurityRealm());
        r.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
                .grant(Jenkins.READ, Item.READ, Item.BUILD).everywhere().to("alice"));
        cluster.addKubeconfigCredential();
        for (String namespace : List.of("staging", "production")) {
            cluster.deployment(namespace, "web", "shop:old");
        }
        WorkflowJob p = r.createProject(WorkflowJob.class, "deploy");
        // each build promotes its own image: build N the image tagged N
        p.setDefinition(new CpsFlowDefinition("migrateThenDeploy(app: 'shop', image: \"registry.example.com/shop:${currentBuild.number}\",\n"
                + "    resolveDigest: false, migration: [command: ['sh', '-c', 'echo migrated']],\n"
                + "    environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID
                + "', namespace: 'staging', deployments: ['web']],\n"
                + "                   [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID
                + "', namespace: 'production', deployments: ['web'], approval: true]])", true));
        return p;
    }

    private static WorkflowRun startWaiting(JenkinsRule r, WorkflowJob p) throws Exception {
        WorkflowRun b = p.scheduleBuild2(0).waitForStart();
        r.waitForMessage("Waiting for approval to promote registry.example.com/shop:" + b.getNumber() + " to production", b);
        return b;
    }

    private static void approve(JenkinsRule r, WorkflowRun b) throws Exception {
        r.submit(r.createWebClient().login("alice").getPage(b, "migrate-then-deploy").getFormByName("approval-production"), "approve");
    }
}
