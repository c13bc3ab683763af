package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.progress.StageOutcome;
import io.mtd.report.RunOutcome;
import org.junit.jupiter.api.Test;

class MigrationReasonTest {

    @Test
    void theEngineReasonsReadAsReportsHaveAlwaysWrittenThem() {
        assertThat(MigrationReason.Engine.KUBERNETES_ERROR.value()).isEqualTo("KubernetesError");
        assertThat(MigrationReason.Engine.ENGINE_ERROR.value()).isEqualTo("EngineError");
        assertThat(MigrationReason.Engine.WAIT_TIMEOUT.value()).isEqualTo("WaitTimeout");
        assertThat(MigrationReason.Engine.LOCK_LOST.value()).isEqualTo("LockLost");
        assertThat(MigrationReason.Engine.LOCK_TIMEOUT.value()).isEqualTo("LockTimeout");
        assertThat(MigrationReason.of("LockLost")).isSameAs(MigrationReason.Engine.LOCK_LOST);
        assertThat(MigrationReason.of("OOMKilled")).isEqualTo(new MigrationReason.Kubernetes("OOMKilled"));
        assertThat(MigrationReason.of("DeadlineExceeded")).isEqualTo(MigrationReason.Kubernetes.DEADLINE_EXCEEDED);
        assertThat(MigrationReason.of(null)).isNull();
        assertThat(String.valueOf(MigrationReason.Engine.CANCELLED)).isEqualTo("Cancelled");
    }

    @Test
    void eachEndOfAMigrationMapsToTheRunOutcomeItAlwaysHad() {
        assertThat(MigrationStage.verdict(StageOutcome.SUCCEEDED, null)).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(MigrationStage.verdict(StageOutcome.SKIPPED, MigrationReason.Engine.ALREADY_SUCCEEDED)).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(MigrationStage.verdict(StageOutcome.TIMED_OUT, MigrationReason.Engine.LOCK_TIMEOUT)).isEqualTo(RunOutcome.TIMED_OUT);
        assertThat(MigrationStage.verdict(StageOutcome.TIMED_OUT, MigrationReason.Kubernetes.DEADLINE_EXCEEDED))
                .isEqualTo(RunOutcome.TIMED_OUT);
        assertThat(MigrationStage.verdict(StageOutcome.CANCELLED, MigrationReason.Engine.CANCELLED)).isEqualTo(RunOutcome.CANCELLED);
        assertThat(MigrationStage.verdict(StageOutcome.FAILED, MigrationReason.Engine.LOCK_LOST)).isEqualTo(RunOutcome.LOCK_LOST);
        assertThat(MigrationStage.verdict(StageOutcome.FAILED, MigrationReason.Engine.KUBERNETES_ERROR))
                .isEqualTo(RunOutcome.INFRASTRUCTURE);
        assertThat(MigrationStage.verdict(StageOutcome.FAILED, MigrationReason.Engine.ENGINE_ERROR)).isEqualTo(RunOutcome.INFRASTRUCTURE);
        assertThat(MigrationStage.verdict(StageOutcome.FAILED, MigrationReason.Engine.PREFLIGHT_FAILED))
                .isEqualTo(RunOutcome.MIGRATION_FAILED);
        assertThat(MigrationStage.verdict(StageOutcome.FAILED, MigrationReason.Kubernetes.BACKOFF_LIMIT_EXCEEDED))
                .isEqualTo(RunOutcome.MIGRATION_FAILED);
    }
}
