package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PostRollout;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.Fault;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The contract phase: a post-rollout migration per environment, only after its rollout is complete and healthy. */
@ExtendWith(SandboxExtension.class)
class PostRolloutRunTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    private static final ApprovalGate APPROVE = r -> CompletableFuture.completedFuture(ApprovalGate.Decision.approved("alice"));

    /** Staging and production with Deployment web; the migration echoes, the post-rollout command runs {@code post}. */
    private static Plan plan(String prefix, String image, String post) {
        cluster.deployment(prefix + "-staging", "web", "shop:old");
        cluster.deployment(prefix + "-production", "web", "shop:old");
        Migration m = Migration.builder().command("sh", "-c", "echo expand").timeout("2m")
                .postRollout(new PostRollout(null, List.of("sh", "-c", post), null, null)).build();
        return new Plan("shop", image, null, m, null, List.of(
                Environment.of("staging", prefix + "-staging", List.of("web")),
                Environment.of("production", prefix + "-production", List.of("web"))));
    }

    private static RunReport run(Plan plan, RecordingListener events) {
        try (MigrateThenDeploy engine = cluster.builder(events, "post-rollout-test").approvals(APPROVE).build()) {
            return engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
    }

    private static List<String> jobs(String namespace) {
        return cluster.jobs(namespace).stream().map(j -> j.getMetadata().getName()).sorted().toList();
    }

    @Test
    void theContractMigrationRunsInEachEnvironmentAfterItsRolloutAsItsOwnJob() {
        RecordingListener events = new RecordingListener();
        Plan plan = plan("post-ok", "shop:2", "echo contract in $MTD_MIGRATION_PHASE");
        RunReport report = run(plan, events);

        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(report.environments()).allSatisfy(e -> {
            assertThat(e.postRollout()).isNotNull();
            assertThat(e.postRollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(e.postRollout().job()).isNotEqualTo(e.migration().job());
        });
        assertThat(jobs("post-ok-staging")).hasSize(2);
        String log = events.text();
        int stagingRolledOut = log.indexOf("StageFinished[stage=ROLLOUT, environment=staging");
        int contract = log.indexOf("contract in post-rollout");
        int productionStarted = log.indexOf("environment=production");
        assertThat(stagingRolledOut).isPositive();
        assertThat(contract).isGreaterThan(stagingRolledOut).isLessThan(productionStarted);
        assertThat(ReportSummary.render(report)).contains("post-rollout migration succeeded");

        // a re-run finds both Jobs done for this image, yet a command migration's success is only the Job's record, not the
        // database's word: both phases run again (migrate commands apply only what is pending) and say why (issue 22)
        RunReport again = run(plan, new RecordingListener());
        assertThat(again.outcome()).as(String.valueOf(again.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        // each ran in a Job of its own, which the report names (not the first run's)
        assertThat(again.environments().get(0).migration().job()).isNotEqualTo(report.environments().get(0).migration().job())
                .isIn(jobs("post-ok-staging"));
        assertThat(again.environments().get(0).postRollout().job()).isNotEqualTo(report.environments().get(0).postRollout().job());
        assertThat(again.environments()).allSatisfy(e -> {
            assertThat(e.postRollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(e.postRollout().message()).startsWith("ran again: a command migration is idempotent");
            assertThat(e.migration().message()).startsWith("ran again: a command migration is idempotent");
        });
    }

    @Test
    void aFailedRolloutRunsNoContractMigration() {
        cluster.sandbox.kubelet().injectFault("shop-crashing-post", Fault.CRASH_LOOP);
        RunReport report = run(plan("post-rfail", "shop-crashing-post:2", "echo contract"), new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.ROLLOUT_FAILED);
        assertThat(report.environments().get(0).postRollout()).isNull();
        assertThat(jobs("post-rfail-staging")).hasSize(1); // the pre-rollout migration only
        assertThat(jobs("post-rfail-production")).isEmpty();
    }

    @Test
    void aFailedContractMigrationLeavesTheNewVersionServingAndSaysSo() {
        RunReport report = run(plan("post-cfail", "shop:3", "echo dropping; exit 1"), new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.POST_ROLLOUT_FAILED);
        var staging = report.environments().get(0);
        assertThat(staging.rollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(staging.postRollout().outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(cluster.deployedImage("post-cfail-staging", "web")).isEqualTo("shop:3");
        assertThat(report.failure()).contains("staging: post-rollout migration").contains("shop:3 is rolled out and keeps serving");
        assertThat(report.environments().get(1).outcome()).isEqualTo(StageOutcome.NOT_REACHED);
        assertThat(jobs("post-cfail-production")).isEmpty();
    }
}
