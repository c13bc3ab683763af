package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import hudson.model.Cause;
import hudson.model.CauseAction;
import hudson.model.Item;
import hudson.model.Result;
import io.mtd.progress.StageOutcome;
import io.mtd.report.EnvironmentReport;
import java.time.Duration;
import java.time.Instant;
import jenkins.model.Jenkins;
import org.htmlunit.html.HtmlForm;
import org.htmlunit.html.HtmlPage;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.graphanalysis.DepthFirstScanner;
import org.jenkinsci.plugins.workflow.graphanalysis.NodeStepTypePredicate;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.support.actions.PauseAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.MockAuthorizationStrategy;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** The approval gate on the build page: who may answer, what the answer does, and that it is recorded. */
@WithJenkins
class ApprovalTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @RegisterExtension
    final ClusterFixture cluster = new ClusterFixture();

    @Test
    void anApproverWithBuildPermissionPromotesAndIsRecorded(JenkinsRule r) throws Exception {
        WorkflowRun b = startWaitingForApproval(r);
        JenkinsRule.WebClient reader = r.createWebClient().login("reader");
        HtmlPage readerPage = reader.getPage(b, "migrate-then-deploy");
        assertThat(readerPage.getWebResponse().getContentAsString(), containsString("You may not answer this approval."));
        assertThat("no production Job before the approval", cluster.jobs("production"), empty());
        // Stage View and Graph View show the step as waiting for input, as they show the input step
        FlowNode step = new DepthFirstScanner().findFirstMatch(b.getExecution(), new NodeStepTypePredicate("migrateThenDeploy"));
        assertThat(PauseAction.isPaused(step), is(true));
        assertThat(PauseAction.getCurrentPause(step).getCause(), is("promote registry.example.com/shop:1.0 to production"));

        JenkinsRule.WebClient alice = r.createWebClient().login("alice");
        HtmlPage page = alice.getPage(b, "migrate-then-deploy");
        // the page carries the decision: what approving does, what staging did, what will run in production
        assertThat(page.getWebResponse().getContentAsString(), allOf(
                containsString("Promote registry.example.com/shop:1.0 to production?"),
                containsString("staging    succeeded: "), containsString("migration succeeded in "),
                containsString("next       "), containsString(" in namespace production runs sh -c echo migrated")));
        // and where the build comes from, and how long the decision may take
        String html = page.getWebResponse().getContentAsString();
        assertThat(html, allOf(containsString("Started by user alice"), containsString(">0123456789ab</code>"),
                containsString("title=\"" + COMMIT + "\""), containsString("(GIT_COMMIT)"),
                containsString("Times out at "), containsString("(in 45 min)")));
        MigrateThenDeployAction.PendingApproval pending = b.getAction(MigrateThenDeployAction.class).getPendingApprovals().get(0);
        assertThat(pending.getOrigin().commit(), is(COMMIT));
        assertThat(html, containsString(pending.getDeadlineText()));
        assertThat("the deadline is the approval timeout after the request",
                Duration.between(Instant.now(), pending.getDeadline()).toMinutes(), allOf(greaterThan(40L), lessThan(46L)));
        // the page refreshes its live part while the build runs, through an adjunct (no inline script under the CSP)
        assertThat(html, containsString("io/jenkins/plugins/mtd/MigrateThenDeployAction/refresh.js"));
        String live = alice.goTo(b.getUrl() + "migrate-then-deploy/live").getWebResponse().getContentAsString();
        assertThat(live, allOf(containsString("id=\"mtd-live\""),
                containsString("Waiting for approval: promote registry.example.com/shop:1.0 to production"),
                not(containsString("<form"))));
        assertThat("Approve is the primary button, Reject not", page.getElementsByName("reject").get(0).getAttribute("class"),
                not(containsString("jenkins-button--primary")));
        HtmlForm form = page.getFormByName("approval-production");
        form.getInputByName("comment").setValue("ship it");
        r.submit(form, "approve");

        r.assertBuildStatusSuccess(r.waitForCompletion(b));
        assertThat("the pause ended with the answer", PauseAction.isPaused(step), is(false));
        EnvironmentReport production = b.getAction(MigrateThenDeployAction.class).getReport().environments().get(1);
        assertThat(production.approval().outcome(), is(StageOutcome.SUCCEEDED));
        assertThat(production.approval().by(), is("alice"));
        assertThat(production.approval().comment(), is("ship it"));
        assertThat(cluster.jobs("production"), not(empty()));
    }

    @Test
    void aRejectionStopsThePromotionBeforeTheEnvironmentIsTouched(JenkinsRule r) throws Exception {
        WorkflowRun b = startWaitingForApproval(r);
        JenkinsRule.WebClient alice = r.createWebClient().login("alice");
        r.submit(alice.getPage(b, "migrate-then-deploy").getFormByName("approval-production"), "reject");

        r.assertBuildStatus(Result.FAILURE, r.waitForCompletion(b));
        assertThat(JenkinsRule.getLog(b), containsString("DENIED"));
        assertThat(b.getAction(MigrateThenDeployAction.class).getReport().environments().get(1).approval().by(), is("alice"));
        assertThat("production was never migrated", cluster.jobs("production"), empty());
    }

    private WorkflowRun startWaitingForApproval(JenkinsRule r) throws Exception {
        r.jenkins.setSecurityRealm(r.createDummySecurityRealm());
        r.jenkins.setAuthorizationStrategy(new MockAuthorizationStrategy()
                .grant(Jenkins.READ, Item.READ).everywhere().to("reader", "alice")
                .grant(Item.BUILD).everywhere().to("alice"));
        cluster.addKubeconfigCredential();
        WorkflowJob p = r.createProject(WorkflowJob.class, "deploy");
        // GIT_COMMIT in the step's environment, where Declarative's checkout (or the freestyle SCM) puts it
        p.setDefinition(new CpsFlowDefinition("withEnv(['GIT_COMMIT=" + COMMIT + "']) {\n"
                + "migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0', approvalTimeout: '45m',\n"
                + "    resolveDigest: false, migration: [command: ['sh', '-c', 'echo migrated']],\n"
                + "    environments: [[name: 'staging', credentialsId: '" + ClusterFixture.KUBECONFIG_ID + "', namespace: 'staging'],\n"
                + "                   [name: 'production', credentialsId: '" + ClusterFixture.KUBECONFIG_ID
                + "', namespace: 'production', approval: true]])\n}", true));
        WorkflowRun b = p.scheduleBuild2(0, new CauseAction(new Cause.UserIdCause("alice"))).waitForStart();
        r.waitForMessage("Waiting for approval to promote registry.example.com/shop:1.0 to production", b);
        return b;
    }
}
