package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.command.PlanStatus;
import io.mtd.migration.SlotState;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code status}, the verb behind {@code mtd status} and the Jenkins job's panel: what each environment runs and holds,
 * read from the cluster, so that a lock or a Job left behind by a run that stopped is seen whoever looks.
 */
@ExtendWith(SandboxExtension.class)
class StatusTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    private static Plan plan(String image, String script, String namespace) {
        return new Plan("shop", image, null, Migration.builder().command("sh", "-c", script).timeout("2m").build(), null,
                List.of(Environment.of("staging", namespace, List.of("web"))));
    }

    private static PlanStatus status(Plan plan) {
        return status(plan, Clock.systemUTC());
    }

    /** The status read by a machine whose clock is {@code clock}. */
    private static PlanStatus status(Plan plan, Clock clock) {
        try (MigrateThenDeploy engine = cluster.builder(new RecordingListener(), "status-reader").clock(clock).build()) {
            return engine.status(MigrateThenDeploy.check(plan), Duration.ofSeconds(10));
        }
    }

    @Test
    void afterARunItShowsTheImageDeployedAndTheLastMigrationWithWhoRanItAndAFreeSlot() {
        cluster.deployment("status-done", "web", "shop:old");
        Plan plan = plan("shop:2", "echo migrated", "status-done");
        RunReport report;
        try (MigrateThenDeploy engine = cluster.engine(new RecordingListener(), "deploy#7")) {
            report = engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);

        PlanStatus.EnvironmentStatus staging = status(plan).environments().get(0);

        assertThat(staging.problem()).isNull();
        assertThat(staging.deployed()).singleElement().satisfies(w -> {
            assertThat(w.deployment()).isEqualTo("web");
            assertThat(w.container()).isEqualTo("web");
            assertThat(w.image()).isEqualTo("shop:2");
            assertThat(w.revision()).isEqualTo(2L);
            assertThat(w.progress()).matches("\\d+/\\d+ updated, \\d+ available");
            assertThat(w.complete()).isTrue();
        });
        SlotState.JobState last = staging.slot().lastMigration().orElseThrow();
        assertThat(last.name()).isEqualTo(report.environments().get(0).migration().job());
        assertThat(last.state()).isEqualTo(SlotState.State.SUCCEEDED);
        assertThat(last.run()).isEqualTo("deploy#7");
        assertThat(last.image()).isEqualTo("shop:2");
        assertThat(last.ended()).isNotNull();
        assertThat(staging.free()).isTrue();
        assertThat(status(plan).render()).contains("Status of shop", "  staging      namespace status-done",
                "runs       web/web: shop:2, revision 2", "migration  Job " + last.name() + " succeeded at ",
                ", started by deploy#7, image shop:2", "lock       free");
    }

    @Test
    void aLockHeldAndAJobLeftRunningByARunThatStoppedAreSeenFromTheCluster() {
        cluster.deployment("status-busy", "web", "shop:old");
        Plan plan = plan("shop:slow", "echo started; sleep 15; echo done", "status-busy");
        try (MigrateThenDeploy engine = cluster.engine(new RecordingListener(), "deploy#8")) {
            MigrateThenDeploy.Run run = engine.start(plan);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status(plan).environments().get(0).slot().occupying().size() == 1);

            PlanStatus.EnvironmentStatus held = status(plan).environments().get(0);
            assertThat(held.slot().lock().holder()).isEqualTo("deploy#8");
            assertThat(held.slot().occupying()).singleElement().satisfies(j -> assertThat(j.run()).isEqualTo("deploy#8"));
            assertThat(held.free()).isFalse();
            assertThat(held.slot().orphaned()).isEmpty();
            assertThat(held.slot().lockOverdue(held.slot().lock().renewTime().toInstant().plusSeconds(5))).isFalse();
            assertThat(status(plan).render()).contains("lock       held by deploy#8 of app shop, renewed ", " before this read (its lease: 30s)",
                    "occupied   by the unfinished Job ", ", started by deploy#8 at ", ", of the run that holds the lock");
            // read by a machine whose clock is 5 minutes ahead, the holder's last renewal looks 5 minutes old: said, hedged
            PlanStatus ahead = status(plan, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5)));
            assertThat(ahead.environments().get(0).slot().lockOverdue(ahead.at())).isTrue();
            assertThat(ahead.render()).contains("lock       held by deploy#8 of app shop, not renewed for 5m",
                    "(by this machine's clock against its holder's): its holder may have stopped;"
                            + " a run takes it over once it has seen it unrenewed for 30s");

            run.cancel("stopped by the test"); // the plan leaves a started migration to finish
            run.report().orTimeout(30, TimeUnit.SECONDS).join();
        }
        // the run is gone and its lock given back; its Job still runs and still occupies the environment
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            SlotState slot = status(plan).environments().get(0).slot();
            return slot.lock() != null && !slot.lock().held();
        });
        PlanStatus after = status(plan);
        PlanStatus.EnvironmentStatus afterStaging = after.environments().get(0);
        assertThat(afterStaging.slot().occupying()).hasSize(1);
        assertThat(afterStaging.slot().orphaned()).as("nobody holds the lock for it").isEqualTo(afterStaging.slot().occupying());
        assertThat(after.render()).contains("lock       free", ", whose run no longer holds the lock: the next run waits for it to end");
        assertThat(afterStaging.free()).isFalse();
        assertThat(afterStaging.deployed()).singleElement().satisfies(w -> assertThat(w.image()).as("never rolled out").isEqualTo("shop:old"));
    }

    @Test
    void anEnvironmentThatCannotBeReadSaysWhyAndTheOthersAreStillRead() {
        cluster.deployment("status-reachable", "web", "shop:1");
        Plan plan = new Plan("shop", "shop:1", null, Migration.ofCommand(List.of("true")), null, List.of(
                Environment.of("staging", "status-reachable", List.of("web", "gone")),
                Environment.of("production", "status-elsewhere", List.of("web"))));
        PlanStatus status;
        try (MigrateThenDeploy engine = cluster.builder(new RecordingListener(), "status-reader").clusters(env -> {
            if (env.name().equals("production")) {
                throw new IllegalStateException("kubeconfig context 'prod' not found");
            }
            return cluster.sandbox.client();
        }).build()) {
            status = engine.status(MigrateThenDeploy.check(plan), Duration.ofSeconds(10));
        }

        assertThat(status.environments().get(0).problem()).isNull();
        assertThat(status.environments().get(0).deployed().get(0).image()).isEqualTo("shop:1");
        assertThat(status.environments().get(0).deployed().get(1)).satisfies(w -> {
            assertThat(w.image()).as("a missing Deployment").isNull();
            assertThat(w.progress()).isEqualTo("not found in namespace status-reachable");
        });
        assertThat(status.environments().get(1).problem()).contains("kubeconfig context 'prod' not found");
        assertThat(status.render()).contains("production   namespace status-elsewhere", "cannot be read: kubeconfig context 'prod' not found");
    }
}
