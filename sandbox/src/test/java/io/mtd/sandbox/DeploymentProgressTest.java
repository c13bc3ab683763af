package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class DeploymentProgressTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private final Deployment deployment = new DeploymentBuilder().withNewMetadata().withName("web").withGeneration(2L)
            .endMetadata().withNewSpec().withReplicas(3).withProgressDeadlineSeconds(30).endSpec().build();
    private final RolloutBounds bounds = new RolloutBounds(1, 0);

    private DeploymentStatus next(DeploymentStatus previous, DeploymentProgress.Counts counts, DeploymentProgress.Start start,
            Instant now) {
        return DeploymentProgress.next(deployment, previous, 3, bounds, counts, "web-abc", start, now);
    }

    private static DeploymentProgress.Counts counts(int replicas, int updated, int ready, int available, int wanted) {
        return new DeploymentProgress.Counts(replicas, updated, ready, available, wanted);
    }

    private static DeploymentCondition progressing(DeploymentStatus status) {
        return DeploymentProgress.condition(status, "Progressing");
    }

    @Test
    void aNewReplicaSetStartsTheRolloutAndEachStepForwardRefreshesItsProgress() {
        DeploymentStatus created = next(null, counts(3, 0, 3, 3, 4), DeploymentProgress.Start.CREATED, T0);
        assertThat(progressing(created).getReason()).isEqualTo("NewReplicaSetCreated");
        assertThat(progressing(created).getMessage()).isEqualTo("Created new replica set \"web-abc\"");
        assertThat(created.getObservedGeneration()).isEqualTo(2L);
        assertThat(created.getUnavailableReplicas()).isEqualTo(1);

        DeploymentStatus stepped = next(created, counts(4, 1, 4, 3, 4), DeploymentProgress.Start.FOUND, T0.plusSeconds(20));
        assertThat(progressing(stepped).getReason()).isEqualTo("ReplicaSetUpdated");
        assertThat(progressing(stepped).getLastUpdateTime()).isEqualTo("2026-12-01T10:00:20Z");
        assertThat(progressing(stepped).getLastTransitionTime()).isEqualTo("2026-12-01T10:00:00Z");

        DeploymentStatus stalled = next(stepped, counts(4, 1, 4, 3, 4), DeploymentProgress.Start.FOUND, T0.plusSeconds(49));
        assertThat(progressing(stalled).getReason()).as("30 s since the last progress, not since the start").isEqualTo("ReplicaSetUpdated");
    }

    @Test
    void noProgressForTheDeadlineTimesTheRolloutOutUntilItMakesProgressAgain() {
        DeploymentStatus created = next(null, counts(4, 1, 3, 3, 4), DeploymentProgress.Start.CREATED, T0);

        DeploymentStatus stuck = next(created, counts(4, 1, 3, 3, 4), DeploymentProgress.Start.FOUND, T0.plusSeconds(31));

        assertThat(progressing(stuck).getStatus()).isEqualTo("False");
        assertThat(progressing(stuck).getReason()).isEqualTo("ProgressDeadlineExceeded");
        assertThat(progressing(stuck).getMessage()).isEqualTo("ReplicaSet \"web-abc\" has timed out progressing.");
        assertThat(DeploymentProgress.deadline(deployment, stuck)).isNull();
        DeploymentStatus still = next(stuck, counts(4, 1, 3, 3, 4), DeploymentProgress.Start.FOUND, T0.plusSeconds(60));
        assertThat(progressing(still).getReason()).isEqualTo("ProgressDeadlineExceeded");

        DeploymentStatus moving = next(still, counts(4, 1, 4, 4, 4), DeploymentProgress.Start.FOUND, T0.plusSeconds(61));
        assertThat(progressing(moving).getStatus()).isEqualTo("True");
        assertThat(progressing(moving).getReason()).isEqualTo("ReplicaSetUpdated");
    }

    @Test
    void theDeadlineIsWhenTheNextSyncMustLookAgain() {
        DeploymentStatus created = next(null, counts(4, 1, 3, 3, 4), DeploymentProgress.Start.CREATED, T0);

        assertThat(DeploymentProgress.deadline(deployment, created)).isEqualTo(T0.plusSeconds(31));
    }

    @Test
    void aCompleteRolloutIsNewReplicaSetAvailableAndStaysSoWhenAPodIsLost() {
        DeploymentStatus done = next(null, counts(3, 3, 3, 3, 3), DeploymentProgress.Start.FOUND, T0);
        assertThat(progressing(done).getReason()).isEqualTo("NewReplicaSetAvailable");
        assertThat(DeploymentProgress.condition(done, "Available").getStatus()).isEqualTo("True");
        assertThat(done.getUnavailableReplicas()).isNull();

        DeploymentStatus lost = next(done, counts(2, 2, 2, 2, 3), DeploymentProgress.Start.FOUND, T0.plusSeconds(3600));
        assertThat(progressing(lost).getReason()).isEqualTo("NewReplicaSetAvailable");
        assertThat(DeploymentProgress.condition(lost, "Available").getStatus()).as("3 - maxUnavailable 0 = 3 needed")
                .isEqualTo("False");
    }

    @Test
    void recreateNeedsEveryPodAvailableToBeAvailable() {
        Deployment recreate = new DeploymentBuilder(deployment).editSpec().withNewStrategy().withType("Recreate").endStrategy()
                .endSpec().build();

        DeploymentStatus status = DeploymentProgress.next(recreate, null, 3, new RolloutBounds(1, 1), counts(3, 3, 2, 2, 3),
                "web-abc", DeploymentProgress.Start.FOUND, T0);

        assertThat(DeploymentProgress.condition(status, "Available").getStatus()).isEqualTo("False");
    }

    @Test
    void progressIsMorePodsUpdatedReadyOrAvailableOrFewerOldOnes() {
        DeploymentStatus before = next(null, counts(5, 2, 4, 3, 5), DeploymentProgress.Start.FOUND, T0);

        assertThat(DeploymentProgress.madeProgress(before, counts(5, 2, 4, 3, 5))).isFalse();
        assertThat(DeploymentProgress.madeProgress(before, counts(5, 3, 4, 3, 5))).isTrue();
        assertThat(DeploymentProgress.madeProgress(before, counts(4, 2, 4, 3, 5))).isTrue();
        assertThat(DeploymentProgress.madeProgress(before, counts(5, 2, 5, 3, 5))).isTrue();
        assertThat(DeploymentProgress.madeProgress(before, counts(5, 2, 4, 4, 5))).isTrue();
        assertThat(DeploymentProgress.madeProgress(null, counts(5, 2, 4, 4, 5))).isFalse();
    }
}
