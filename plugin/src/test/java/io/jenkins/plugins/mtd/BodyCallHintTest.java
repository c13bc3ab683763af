package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import hudson.model.Result;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

/** A call with a body fails with how to do per-stage work, not only Pipeline's raw "Expected named arguments". */
@WithJenkins
class BodyCallHintTest {

    private static WorkflowRun run(JenkinsRule r, String script) throws Exception {
        WorkflowJob p = r.createProject(WorkflowJob.class);
        p.setDefinition(new CpsFlowDefinition(script, true));
        return r.buildAndAssertStatus(Result.FAILURE, p);
    }

    @Test
    void migrateThenDeployWithABodySaysToUseMigrateDatabaseInEachStage(JenkinsRule r) throws Exception {
        WorkflowRun b = run(r, "migrateThenDeploy(app: 'shop', image: 'registry.example.com/shop:1.0',\n"
                + "    migration: [command: ['migrate']], environments: [[name: 'staging']]) {\n"
                + "  echo 'PER-STAGE WORK'\n"
                + "}");
        String log = JenkinsRule.getLog(b);
        assertThat(log, allOf(containsString("Expected named arguments"),
                containsString("migrateThenDeploy takes no body"), containsString("call migrateDatabase(...) in each stage"),
                not(containsString("PER-STAGE WORK"))));
        assertThat("the hint comes before the build's end", log.indexOf("takes no body"), lessThan(log.indexOf("Finished: FAILURE")));
    }

    @Test
    void migrateDatabaseWithABodySaysToPutTheStagesStepsAfterIt(JenkinsRule r) throws Exception {
        WorkflowRun b = run(r, "stage('staging') {\n"
                + "  migrateDatabase(app: 'shop', image: 'registry.example.com/shop:1.0', migration: [command: ['migrate']],\n"
                + "      environment: [name: 'staging']) { echo 'rolling out' }\n"
                + "}");
        assertThat(JenkinsRule.getLog(b), containsString("migrateDatabase takes no body"));
    }

    @Test
    void anotherStepsRejectedBlockGetsNoHint(JenkinsRule r) throws Exception {
        WorkflowRun b = run(r, "echo(message: 'hello') { echo 'inner' }");
        assertThat(JenkinsRule.getLog(b), allOf(containsString("Expected named arguments"), not(containsString("takes no body"))));
    }

    @Test
    void recognisesOnlyARejectedBlockOfItsOwnSteps() {
        String closure = "org.jenkinsci.plugins.workflow.cps.CpsClosure2@1a2b3c";
        assertThat(BodyCallHint.stepCalledWithBody(new IllegalArgumentException("Expected named arguments but got [{app=shop,"
                + " migration={command=[migrate]}, environments=[{name=staging}]}, " + closure + "]")), is("migrateThenDeploy"));
        assertThat(BodyCallHint.stepCalledWithBody(new RuntimeException("wrapped", new IllegalArgumentException(
                "Expected named arguments but got [{app=shop, environment={name=staging}}, " + closure + "]"))), is("migrateDatabase"));
        assertThat(BodyCallHint.stepCalledWithBody(new IllegalArgumentException(
                "Expected named arguments but got [{plan=mtd.yaml}, " + closure + "]")), is("migrateThenDeploy"));
        assertThat("another step's arguments", BodyCallHint.stepCalledWithBody(new IllegalArgumentException(
                "Expected named arguments but got [{message=hello}, " + closure + "]")), nullValue());
        assertThat("two positional arguments, no block", BodyCallHint.stepCalledWithBody(new IllegalArgumentException(
                "Expected named arguments but got [{migration=x}, other]")), nullValue());
        assertThat(BodyCallHint.stepCalledWithBody(null), nullValue());
    }
}
