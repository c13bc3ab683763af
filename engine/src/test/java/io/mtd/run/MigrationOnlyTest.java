package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One environment's migration on its own (a Jenkins stage's {@code migrateDatabase}): lock, Job, report; no rollout. */
@ExtendWith(SandboxExtension.class)
class MigrationOnlyTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    private static Plan plan(String prefix, String script) {
        cluster.deployment(prefix + "-staging", "web", "shop:old");
        cluster.deployment(prefix + "-production", "web", "shop:old");
        return new Plan("shop", "shop:2", null, Migration.ofCommand(List.of("sh", "-c", script)), null, List.of(
                Environment.of("staging", prefix + "-staging", List.of("web")),
                new Environment("production", null, null, null, null, prefix + "-production", List.of("web"), null, true, null)));
    }

    private static MigrateThenDeploy engine(ApprovalGate approvals, RecordingListener events) {
        return cluster.builder(events, "migration-only-test").approvals(approvals).build();
    }

    private static int jobs(String namespace) {
        return cluster.jobs(namespace).size();
    }

    @Test
    void migratesTheNamedEnvironmentOnlyAndRollsNothingOut() {
        Plan plan = plan("one", "echo migrating-staging-only");
        RecordingListener events = new RecordingListener();
        RunReport report;
        try (MigrateThenDeploy engine = engine(ApprovalGate.DENY_ALL, events)) {
            report = engine.startMigration(plan, "staging").report().orTimeout(60, TimeUnit.SECONDS).join();
        }

        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(report.environments()).singleElement().satisfies(e -> {
            assertThat(e.name()).isEqualTo("staging");
            assertThat(e.migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(e.rollout()).isNull();
        });
        assertThat(events.text()).contains("migrating-staging-only").doesNotContain("ROLLOUT");
        assertThat(cluster.deployedImage("one-staging", "web")).as("the caller rolls out").isEqualTo("shop:old");
        assertThat(jobs("one-staging")).isOne();
        assertThat(jobs("one-production")).isZero();
    }

    @Test
    void theWholeRunAfterwardsSkipsTheMigrationAlreadyDoneForTheImage() {
        Plan plan = SandboxFixture.trustingJobRecord(plan("both", "echo migrated"));
        try (MigrateThenDeploy engine = engine(ApprovalGate.DENY_ALL, new RecordingListener())) {
            engine.startMigration(plan, "staging").report().orTimeout(60, TimeUnit.SECONDS).join();
        }
        RunReport whole;
        try (MigrateThenDeploy engine = engine(r -> CompletableFuture.completedFuture(ApprovalGate.Decision.approved("alice")),
                new RecordingListener())) {
            whole = engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }

        assertThat(whole.outcome()).as(String.valueOf(whole.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        EnvironmentReport staging = whole.environments().get(0);
        assertThat(staging.migration().outcome()).as("same Job name in both forms").isEqualTo(StageOutcome.SKIPPED);
        assertThat(jobs("both-staging")).isOne();
    }

    @Test
    void anEnvironmentThatAsksForApprovalWaitsForItAndADenialMigratesNothing() {
        Plan plan = plan("gate", "echo never");
        RunReport report;
        try (MigrateThenDeploy engine = engine(ApprovalGate.DENY_ALL, new RecordingListener())) {
            report = engine.startMigration(plan, "production").report().orTimeout(60, TimeUnit.SECONDS).join();
        }

        assertThat(report.outcome()).isEqualTo(RunOutcome.DENIED);
        assertThat(jobs("gate-production")).isZero();
    }

    @Test
    void anUnknownEnvironmentIsAPlanErrorNamingTheKnownOnes() {
        Plan plan = plan("unknown", "true");
        try (MigrateThenDeploy engine = engine(ApprovalGate.DENY_ALL, new RecordingListener())) {
            assertThatThrownBy(() -> engine.startMigration(plan, "qa"))
                    .isInstanceOf(InvalidPlanException.class)
                    .hasMessageContaining("no environment 'qa'")
                    .hasMessageContaining("[staging, production]");
        }
    }
}
