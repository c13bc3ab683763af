package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.RecordingListener;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunOutcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A migration stage that cannot even build its Job still starts before it finishes, once each. */
class MigrationStageEventsTest {

    @TempDir
    Path workspace;

    @Test
    void scriptsThatCannotBeShippedAreAStartedAndFailedStageWithNoClusterTouched() throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.factory("stage-events"));
        try {
            MigrationStage stage = new MigrationStage(scheduler, scheduler, Clock.systemUTC(), Duration.ofMinutes(2));
            Migration m = Migration.builder()
                    .flyway(new Flyway(List.of("db/migration"), null, null, null, "shop-db", null, null, null, null, null, null))
                    .build();
            Plan plan = new Plan("shop", "shop:1", null, m, null, List.of(Environment.of("staging", "shop-staging", List.of())));
            RecordingListener events = new RecordingListener();

            // no client and no watch: the stage must fail before it needs either
            MigrationStage.Outcome outcome = stage.run(new MigrationStage.Target(plan, plan.environments().get(0), "shop:1",
                    new RunIdentity("run-1", null), null, null, events, new SecretMasker(), new CompletableFuture<>(), workspace))
                    .get(10, TimeUnit.SECONDS);

            assertThat(outcome.report().reason()).isEqualTo("InvalidMigrations");
            assertThat(outcome.runOutcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
            List<ProgressEvent> stageEvents = events.events.stream()
                    .filter(e -> e instanceof ProgressEvent.StageStarted || e instanceof ProgressEvent.StageFinished).toList();
            assertThat(stageEvents).hasSize(2);
            assertThat(stageEvents.get(0)).isInstanceOfSatisfying(ProgressEvent.StageStarted.class,
                    s -> assertThat(s.stage()).isEqualTo(Stage.MIGRATION));
            assertThat(stageEvents.get(1)).isInstanceOfSatisfying(ProgressEvent.StageFinished.class, f -> {
                assertThat(f.stage()).isEqualTo(Stage.MIGRATION);
                assertThat(f.outcome()).isEqualTo(StageOutcome.FAILED);
            });
        } finally {
            scheduler.shutdownNow();
        }
    }
}
