package io.mtd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TrafficTest {

    @Test
    void aFailureFallsInTheStageUnderWayWhenItsRequestStartedAndAMigrationAfterTheRolloutIsTheContract() {
        Traffic.Stages stages = new Traffic.Stages();
        long before = System.nanoTime();
        stages.on(new ProgressEvent.StageStarted(Stage.MIGRATION, "production", null));
        long migrating = System.nanoTime();
        stages.on(new ProgressEvent.StageFinished(Stage.MIGRATION, "production", StageOutcome.SUCCEEDED, Duration.ZERO, null));
        stages.on(new ProgressEvent.StageStarted(Stage.ROLLOUT, "production", null));
        long rolling = System.nanoTime();
        stages.on(new ProgressEvent.StageStarted(Stage.MIGRATION, "production", null));
        long contracting = System.nanoTime();
        stages.on(new ProgressEvent.StageStarted(Stage.COMPATIBILITY, "production", null));
        stages.on(new ProgressEvent.Note(Stage.COMPATIBILITY, "production", "not a stage boundary"));
        long checking = System.nanoTime();

        assertThat(stages.at(before - 1)).isEqualTo("before the release");
        assertThat(stages.at(migrating)).isEqualTo("production migration");
        assertThat(stages.at(rolling)).isEqualTo("production rollout");
        assertThat(stages.at(contracting)).isEqualTo("production contract (migration)");
        assertThat(stages.at(checking)).isEqualTo("production contract (compatibility)");
    }

    @Test
    void failuresAreToldApartByWhatTheServerDidOrTheLoadGeneratorsOwnLimit() {
        assertThat(Traffic.kind("HTTP 502 Bad Gateway")).isEqualTo("5xx");
        assertThat(Traffic.kind("HTTP 404 not found")).isEqualTo("other status");
        assertThat(Traffic.kind("more than 64 requests in flight")).isEqualTo("over 64 in flight");
        assertThat(Traffic.kind("java.net.http.HttpTimeoutException: request timed out")).isEqualTo("timeout");
        assertThat(Traffic.kind("java.io.IOException: connection reset")).isEqualTo("connection error");
    }
}
