package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PodAdmissionTest {

    private static Pod pod(String phase, boolean deleting) {
        PodBuilder pod = new PodBuilder(PodStatusReportTest.pod());
        if (deleting) {
            pod.editMetadata().withDeletionTimestamp("2024-01-01T00:00:00Z").endMetadata();
        }
        return phase == null ? pod.build() : pod.withNewStatus().withPhase(phase).endStatus().build();
    }

    @Test
    void aNodeTakesOnPodsThatAreNeitherDeletedNorEnded() {
        assertThat(PodAdmission.admits(pod(null, false))).isTrue();
        assertThat(PodAdmission.admits(pod("Pending", false))).isTrue();
        assertThat(PodAdmission.admits(pod("Running", false))).isTrue();
        assertThat(PodAdmission.admits(pod("Succeeded", false))).isFalse();
        assertThat(PodAdmission.admits(pod("Failed", false))).isFalse();
        assertThat(PodAdmission.admits(pod("Pending", true))).isFalse();
    }

    @Test
    void podsOfAReplicaSetAreDeploymentPods() {
        Pod owned = new PodBuilder(pod(null, false)).editMetadata().addNewOwnerReference().withKind("ReplicaSet")
                .withName("web-1").endOwnerReference().endMetadata().build();
        Pod job = new PodBuilder(pod(null, false)).editMetadata().addNewOwnerReference().withKind("Job")
                .withName("migrate").endOwnerReference().endMetadata().build();

        assertThat(PodAdmission.isReplicaSetPod(owned)).isTrue();
        assertThat(PodAdmission.isReplicaSetPod(job)).isFalse();
        assertThat(PodAdmission.isReplicaSetPod(pod(null, false))).isFalse();
    }

    @Test
    void aContainerWaitsInCreateContainerConfigErrorUntilItsSecretAppears() throws Exception {
        Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
        NamespaceData data = new NamespaceData() {
            @Override
            public Map<String, String> secret(String name) {
                return secrets.get(name);
            }

            @Override
            public Map<String, String> configMap(String name) {
                return null;
            }
        };
        Pod pod = new PodBuilder(pod(null, false)).editSpec().editFirstContainer().addNewEnvFrom().withNewSecretRef()
                .withName("shop-db").endSecretRef().endEnvFrom().endContainer().endSpec().build();
        List<Pod> written = new CopyOnWriteArrayList<>();
        PodStatusReport report = new PodStatusReport(pod, update -> written.add(update));

        CompletableFuture<Map<String, String>> env = CompletableFuture.supplyAsync(() ->
                PodAdmission.awaitContainerConfig(pod, pod.getSpec().getContainers().get(0), null, data, report, () -> false));
        await().atMost(Duration.ofSeconds(5)).until(() -> !written.isEmpty());
        Thread.sleep(3 * PodAdmission.CONFIG_RETRY_MS);
        secrets.put("shop-db", Map.of("URL", "postgres://db"));

        assertThat(env.get()).containsEntry("URL", "postgres://db");
        // each reason is published once, however often it is retried
        assertThat(written).hasSize(1);
        var waiting = written.get(0).getStatus().getContainerStatuses().get(0).getState().getWaiting();
        assertThat(waiting.getReason()).isEqualTo("CreateContainerConfigError");
        assertThat(waiting.getMessage()).isEqualTo("secret \"shop-db\" not found");
    }

    @Test
    void aStoppedPodStopsWaitingForItsConfiguration() {
        Pod pod = new PodBuilder(pod(null, false)).editSpec().editFirstContainer().addNewEnvFrom().withNewSecretRef()
                .withName("never").endSecretRef().endEnvFrom().endContainer().endSpec().build();
        NamespaceData nothing = new NamespaceData() {
            @Override
            public Map<String, String> secret(String name) {
                return null;
            }

            @Override
            public Map<String, String> configMap(String name) {
                return null;
            }
        };

        assertThat(PodAdmission.awaitContainerConfig(pod, pod.getSpec().getContainers().get(0), null, nothing,
                new PodStatusReport(pod, update -> true), () -> true)).isNull();
    }

    private static Pod secured(Boolean podNonRoot, Long podUser, Boolean containerNonRoot, Long containerUser) {
        return new PodBuilder(PodStatusReportTest.pod()).editSpec()
                .withNewSecurityContext().withRunAsNonRoot(podNonRoot).withRunAsUser(podUser).endSecurityContext()
                .editFirstContainer().withNewSecurityContext().withRunAsNonRoot(containerNonRoot).withRunAsUser(containerUser)
                .endSecurityContext().endContainer().endSpec().build();
    }

    private static String refusal(Pod pod, String imageUser) {
        try {
            PodAdmission.verifyRunAsNonRoot(pod, pod.getSpec().getContainers().get(0), imageUser);
            return null;
        } catch (ContainerConfigError e) {
            return e.getMessage();
        }
    }

    private static final String WHERE = " (pod: \"migrate-abcde_shop(u-1)\", container: migrate)";

    @Test
    void runAsNonRootRefusesAnImageThatRunsAsRootWithTheKubeletsMessage() {
        Pod nonRoot = secured(true, null, null, null);

        assertThat(refusal(nonRoot, "")).isEqualTo("container has runAsNonRoot and image will run as root" + WHERE);
        assertThat(refusal(nonRoot, "0")).isEqualTo("container has runAsNonRoot and image will run as root" + WHERE);
        assertThat(refusal(nonRoot, "0:1000")).isEqualTo("container has runAsNonRoot and image will run as root" + WHERE);
    }

    @Test
    void runAsNonRootRefusesANamedUserItCannotVerify() {
        Pod nonRoot = secured(true, null, null, null);

        assertThat(refusal(nonRoot, "app")).isEqualTo(
                "container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root" + WHERE);
        assertThat(refusal(nonRoot, "root:root")).isEqualTo(
                "container has runAsNonRoot and image has non-numeric user (root), cannot verify user is non-root" + WHERE);
        assertThat(refusal(nonRoot, "4294967296")).startsWith(
                "container has runAsNonRoot and image has an invalid user id (4294967296). (Must be 1-(2147483647)): "
                        + "must be between 0 and 2147483647, inclusive").endsWith(WHERE);
    }

    @Test
    void runAsNonRootAdmitsANumericNonRootUserOrAnExplicitRunAsUser() {
        Pod nonRoot = secured(true, null, null, null);

        assertThat(refusal(nonRoot, "10001")).isNull();
        assertThat(refusal(nonRoot, "10001:10001")).isNull();
        assertThat(refusal(secured(true, 1000L, null, null), "")).isNull();
        assertThat(refusal(secured(true, null, null, 1000L), "app")).isNull();
    }

    @Test
    void aRunAsUserOfRootBreaksThePolicyWhateverTheImage() {
        assertThat(refusal(secured(true, 1000L, null, 0L), "10001"))
                .isEqualTo("container's runAsUser breaks non-root policy" + WHERE);
        assertThat(refusal(secured(null, 0L, true, null), "10001"))
                .isEqualTo("container's runAsUser breaks non-root policy" + WHERE);
    }

    @Test
    void withoutRunAsNonRootOrWithAnImageTheSandboxDoesNotKnowNothingIsChecked() {
        assertThat(refusal(secured(null, null, null, null), "")).isNull();
        assertThat(refusal(secured(true, null, false, null), "")).isNull();
        assertThat(refusal(secured(true, null, null, null), null)).isNull();
    }

    @Test
    void aSimulatedContainerIsCheckedForItsUserButGetsNoEnvironment() {
        Pod pod = new PodBuilder(secured(true, null, null, null)).editSpec().editFirstContainer().addNewEnvFrom()
                .withNewSecretRef().withName("absent").endSecretRef().endEnvFrom().endContainer().endSpec().build();
        List<Pod> written = new CopyOnWriteArrayList<>();
        PodStatusReport report = new PodStatusReport(pod, update -> written.add(update));
        SandboxImage root = new SandboxImage(null, List.of(), Map.of(), "");

        assertThat(PodAdmission.awaitContainerConfig(pod, pod.getSpec().getContainers().get(0), root, null, report,
                () -> !written.isEmpty())).isNull();
        assertThat(written.get(0).getStatus().getContainerStatuses().get(0).getState().getWaiting().getMessage())
                .isEqualTo("container has runAsNonRoot and image will run as root" + WHERE);
        assertThat(PodAdmission.awaitContainerConfig(pod, pod.getSpec().getContainers().get(0), root.withUser("10001"),
                null, report, () -> true)).isEmpty();
    }
}
