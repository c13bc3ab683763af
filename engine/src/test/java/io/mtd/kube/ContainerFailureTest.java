package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

class ContainerFailureTest {

    @Test
    void classifiesEveryReasonMigrationsAndRolloutsActOn() {
        assertThat(ContainerFailure.of("ImagePullBackOff")).contains(ContainerFailure.IMAGE_PULL);
        assertThat(ContainerFailure.of("ErrImagePull")).contains(ContainerFailure.IMAGE_PULL);
        assertThat(ContainerFailure.of("InvalidImageName")).contains(ContainerFailure.IMAGE_PULL);
        assertThat(ContainerFailure.of("ErrImageNeverPull")).contains(ContainerFailure.IMAGE_PULL);
        assertThat(ContainerFailure.of("CreateContainerConfigError")).contains(ContainerFailure.CONFIG);
        assertThat(ContainerFailure.of("CreateContainerError")).contains(ContainerFailure.CONFIG);
        assertThat(ContainerFailure.of("RunContainerError")).contains(ContainerFailure.START);
        assertThat(ContainerFailure.of("CrashLoopBackOff")).contains(ContainerFailure.CRASH_LOOP);
        assertThat(ContainerFailure.of("OOMKilled")).contains(ContainerFailure.OUT_OF_MEMORY);
    }

    @Test
    void aRunAsNonRootRefusalIsToldApartFromAMissingSecretByTheKubeletsMessage() {
        String pod = " (pod: \"shop-migrate-x_shop(uid)\", container: migrate)";
        assertThat(ContainerFailure.of("CreateContainerConfigError", "container has runAsNonRoot and image will run as root" + pod))
                .contains(ContainerFailure.NON_ROOT);
        assertThat(ContainerFailure.of("CreateContainerConfigError",
                "container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root" + pod))
                .contains(ContainerFailure.NON_ROOT);
        assertThat(ContainerFailure.of("CreateContainerConfigError", "container's runAsUser breaks non-root policy" + pod))
                .contains(ContainerFailure.NON_ROOT);
        assertThat(ContainerFailure.of("CreateContainerConfigError", "secret \"shop-db\" not found")).contains(ContainerFailure.CONFIG);
        assertThat(ContainerFailure.of("ImagePullBackOff", "runAsNonRoot")).contains(ContainerFailure.IMAGE_PULL);
        // as reported, the reason alone names it, and the container never started
        assertThat(ContainerFailure.of(ContainerFailure.RUN_AS_NON_ROOT)).contains(ContainerFailure.NON_ROOT);
        assertThat(ContainerFailure.NON_ROOT.beforeStart()).isTrue();
    }

    @Test
    void reasonsThatWaitingFixesAreNotFailures() {
        assertThat(ContainerFailure.of("ContainerCreating")).isEmpty();
        assertThat(ContainerFailure.of("PodInitializing")).isEmpty();
        assertThat(ContainerFailure.of("Completed")).isEmpty();
        assertThat(ContainerFailure.of("Error")).isEmpty();
        assertThat(ContainerFailure.of(null)).isEmpty();
        assertThat(ContainerFailure.OUT_OF_MEMORY.matches(null)).isFalse();
        assertThat(ContainerFailure.CRASH_LOOP.matches("ImagePullBackOff")).isFalse();
    }

    @Test
    void readsInitContainersBeforeContainers() {
        Pod pod = new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus()
                .withInitContainerStatuses(new ContainerStatusBuilder().withName("init").build())
                .withContainerStatuses(new ContainerStatusBuilder().withName("app").build(),
                        new ContainerStatusBuilder().withName("sidecar").build())
                .endStatus().build();
        assertThat(ContainerFailure.statuses(pod)).extracting(s -> s.getName()).containsExactly("init", "app", "sidecar");
        assertThat(ContainerFailure.statuses(new PodBuilder().build())).isEmpty();
    }
}
