package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.RecordingListener;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Preparing a migration builds its Job and touches no cluster; one that cannot be shipped is refused with its reason. */
class MigrationStagePrepareTest {

    @TempDir
    Path workspace;

    private ScheduledExecutorService scheduler;
    private MigrationStage stage;

    @BeforeEach
    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.factory("stage-prepare"));
        stage = new MigrationStage(scheduler, scheduler, Clock.systemUTC(), Duration.ofMinutes(2));
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    /** No client and no watch: the stage must decide before it needs either. */
    private MigrationStage.Target target(Plan plan, RecordingListener events) {
        return new MigrationStage.Target(plan, plan.environments().get(0), "shop:1", new RunIdentity("run-1", null), null, null,
                events, new SecretMasker(), new CompletableFuture<>(), workspace);
    }

    @Test
    void scriptsThatCannotBeShippedAreRefusedWithNoClusterTouchedAndNoEventOfTheirOwn() throws Exception {
        Migration m = Migration.builder()
                .flyway(new Flyway(List.of("db/migration"), null, null, null, "shop-db", null, null, null, null, null, null))
                .build();
        Plan plan = new Plan("shop", "shop:1", null, m, null, List.of(Environment.of("staging", "shop-staging", List.of())));
        RecordingListener events = new RecordingListener();

        MigrationStage.Prepared prepared = stage.prepare(target(plan, events));

        assertThat(prepared).isInstanceOf(MigrationStage.Refused.class);
        assertThat(prepared.describe()).isEqualTo("migration from shop:1 in namespace shop-staging");
        MigrationStage.Outcome outcome = stage.run(prepared).get(10, TimeUnit.SECONDS);
        assertThat(outcome.report().reason()).isEqualTo("InvalidMigrations");
        assertThat(outcome.report().outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(outcome.report().job()).isNull();
        assertThat(outcome.runOutcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        // what happened leads, in the user's terms; Kubernetes-style reason after it, once (issue 23)
        assertThat(outcome.summary()).startsWith("migration.flyway.locations: 'db/migration' is not a directory")
                .endsWith("(InvalidMigrations)");
        assertThat(events.stages()).as("the pipeline announces stages, not the stage itself").isEmpty();
    }

    @Test
    void aCommandMigrationIsReadyWithTheJobItWillRun() throws Exception {
        Files.createDirectories(workspace);
        Plan plan = new Plan("shop", "shop:1", null, Migration.ofCommand(List.of("sh", "-c", "echo migrated")), null,
                List.of(Environment.of("staging", "shop-staging", List.of())));

        MigrationStage.Prepared prepared = stage.prepare(target(plan, new RecordingListener()));

        assertThat(prepared).isInstanceOfSatisfying(MigrationStage.Ready.class, ready -> {
            assertThat(ready.job().namespace()).isEqualTo("shop-staging");
            assertThat(ready.describe()).isEqualTo("Job " + ready.job().name() + " in namespace shop-staging from shop:1");
        });
    }
}
