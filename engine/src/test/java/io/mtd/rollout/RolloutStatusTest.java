package io.mtd.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutStatusTest {

    private static Deployment deployment(long generation, long observed, int desired, int replicas, int updated, int available) {
        return new DeploymentBuilder()
                .withNewMetadata().withName("shop-web").withGeneration(generation)
                .addToAnnotations(RolloutStatus.REVISION_ANNOTATION, "2").endMetadata()
                .withNewSpec().withReplicas(desired).endSpec()
                .withNewStatus().withObservedGeneration(observed).withReplicas(replicas).withUpdatedReplicas(updated)
                .withAvailableReplicas(available).endStatus()
                .build();
    }

    @Test
    void completeOnlyWhenObservedUpdatedAvailableAndNoOldReplicasLeft() {
        assertThat(RolloutStatus.isComplete(deployment(2, 2, 3, 3, 3, 3))).isTrue();
        assertThat(RolloutStatus.isComplete(deployment(3, 2, 3, 3, 3, 3))).as("new spec not yet observed").isFalse();
        assertThat(RolloutStatus.isComplete(deployment(2, 2, 3, 3, 2, 2))).as("not every replica updated").isFalse();
        assertThat(RolloutStatus.isComplete(deployment(2, 2, 3, 3, 3, 1))).as("updated replicas not available").isFalse();
        assertThat(RolloutStatus.isComplete(deployment(2, 2, 3, 4, 3, 3))).as("an old replica is left").isFalse();
    }

    @Test
    void progressNamesTheDeploymentAndItsCounts() {
        assertThat(RolloutStatus.progress(deployment(2, 2, 3, 3, 2, 1))).isEqualTo("shop-web: 2/3 updated, 1 available, 1 old pending termination");
        assertThat(RolloutStatus.progress(deployment(2, 2, 3, 2, 2, 1))).isEqualTo("shop-web: 2/3 updated, 1 available");
        assertThat(RolloutStatus.revision(deployment(2, 2, 3, 3, 2, 1))).isEqualTo(2L);
    }

    @Test
    void progressDeadlineCountsOnlyForTheObservedSpec() {
        Deployment stale = new DeploymentBuilder(deployment(3, 2, 1, 1, 0, 0)).editStatus().addNewCondition()
                .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"shop-web-5d8f\" has timed out progressing.").endCondition().endStatus().build();
        Deployment current = new DeploymentBuilder(stale).editMetadata().withGeneration(2L).endMetadata().build();

        assertThat(RolloutStatus.progressDeadlineExceeded(stale)).isEmpty();
        assertThat(RolloutStatus.progressDeadlineExceeded(current)).contains("ReplicaSet \"shop-web-5d8f\" has timed out progressing.");
    }

    private static Pod pod(ContainerStatus status) {
        return new PodBuilder().withNewMetadata().withName("shop-web-5d8f-x2").endMetadata()
                .withNewStatus().withPhase("Pending").withContainerStatuses(status).endStatus().build();
    }

    @Test
    void imagePullFailureNamesThePodAndHintsAtTheRegistry() {
        Pod pod = pod(new ContainerStatusBuilder().withName("web").withImage("registry.example.com/shop:2").withRestartCount(0)
                .withNewState().withNewWaiting().withReason("ImagePullBackOff").withMessage("Back-off pulling image").endWaiting().endState()
                .build());

        PodFailure failure = PodFailure.find(List.of(pod), "shop", 3).orElseThrow();

        assertThat(failure.describe()).contains("Pod shop-web-5d8f-x2 (container web): ImagePullBackOff: Back-off pulling image")
                .contains("registry").contains("imagePullSecrets");
    }

    @Test
    void missingSecretHintsAtTheSecret() {
        Pod pod = pod(new ContainerStatusBuilder().withName("web").withRestartCount(0)
                .withNewState().withNewWaiting().withReason("CreateContainerConfigError").withMessage("secret \"shop-db\" not found")
                .endWaiting().endState().build());

        assertThat(PodFailure.find(List.of(pod), "shop", 3).orElseThrow().describe())
                .contains("CreateContainerConfigError: secret \"shop-db\" not found").contains("Secret").contains("namespace shop");
    }

    @Test
    void aRunAsNonRootRefusalHintsAtTheSecurityContextNotTheSecrets() {
        Pod pod = pod(new ContainerStatusBuilder().withName("web").withRestartCount(0)
                .withNewState().withNewWaiting().withReason("CreateContainerConfigError")
                .withMessage("container has runAsNonRoot and image will run as root").endWaiting().endState().build());

        PodFailure failure = PodFailure.find(List.of(pod), "shop", 3).orElseThrow();

        assertThat(failure.reason()).isEqualTo("RunAsNonRoot");
        assertThat(failure.describe()).contains("container has runAsNonRoot and image will run as root")
                .contains("runAsUser").doesNotContain("Secret");
    }

    @Test
    void crashLoopFailsOnlyFromTheThresholdOn() {
        ContainerStatusBuilder crashing = new ContainerStatusBuilder().withName("web")
                .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState()
                .withNewLastState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated().endLastState();

        assertThat(PodFailure.find(List.of(pod(crashing.withRestartCount(2).build())), "shop", 3)).isEmpty();
        PodFailure failure = PodFailure.find(List.of(pod(crashing.withRestartCount(3).build())), "shop", 3).orElseThrow();
        assertThat(failure.reason()).isEqualTo("CrashLoopBackOff");
        assertThat(failure.describe()).contains("last exit code 1").contains("kubectl logs -n shop shop-web-5d8f-x2 -c web --previous");
    }

    @Test
    void aStartingPodIsNoFailure() {
        Pod pod = pod(new ContainerStatusBuilder().withName("web").withRestartCount(0)
                .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState().build());

        assertThat(PodFailure.find(List.of(pod), "shop", 3)).isEmpty();
    }
}
