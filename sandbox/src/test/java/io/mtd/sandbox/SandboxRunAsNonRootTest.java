package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The kubelet's runAsNonRoot check against a test image that runs as root (its image config names no user). */
class SandboxRunAsNonRootTest {

    private static final String ROOT_IMAGE = "registry.example.com/runs-as-root";
    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private static KubernetesClient client;
    @TempDir
    static Path image;

    @BeforeAll
    static void registerTheRootImage() throws Exception {
        client = CLUSTER.client();
        Files.writeString(image.resolve(SandboxImage.CONFIG_FILE), "{\"config\": {}}");
        CLUSTER.sandbox().kubelet().registerImage(ROOT_IMAGE, new SandboxImage(image, List.of(), Map.of()));
    }

    private static Job job(String name, Path marker, Long runAsUser) {
        Job job = SandboxJobTest.job(name, "touch " + marker);
        var pod = job.getSpec().getTemplate().getSpec();
        pod.getContainers().get(0).setImage(ROOT_IMAGE + ":1");
        pod.setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder().withRunAsNonRoot(true)
                .withRunAsUser(runAsUser).build());
        return job;
    }

    private static List<Pod> podsOf(String label, String value) {
        return client.pods().withLabel(label, value).list().getItems();
    }

    private static ContainerStatus awaitWaiting(String label, String value) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<Pod> pods = podsOf(label, value);
            return !pods.isEmpty() && pods.get(0).getStatus() != null && pods.get(0).getStatus().getContainerStatuses() != null
                    && !pods.get(0).getStatus().getContainerStatuses().isEmpty()
                    && pods.get(0).getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                    && "CreateContainerConfigError".equals(pods.get(0).getStatus().getContainerStatuses().get(0).getState()
                    .getWaiting().getReason());
        });
        return podsOf(label, value).get(0).getStatus().getContainerStatuses().get(0);
    }

    @Test
    void aJobWithRunAsNonRootFromARootImageIsRefusedAndNeverRuns(@TempDir Path dir) {
        Path marker = dir.resolve("ran");
        client.batch().v1().jobs().resource(job("as-root", marker, null)).create();

        ContainerStatus status = awaitWaiting("job-name", "as-root");

        Pod pod = podsOf("job-name", "as-root").get(0);
        assertThat(status.getState().getWaiting().getMessage()).isEqualTo("container has runAsNonRoot and image will run as root"
                + " (pod: \"" + pod.getMetadata().getName() + "_default(" + pod.getMetadata().getUid() + ")\", container: main)");
        assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> !Files.exists(marker));
        assertThat(SandboxJobTest.condition(client.batch().v1().jobs().withName("as-root").get(), "Failed")).isNull();
    }

    @Test
    void aRunAsUserLetsTheSameImageRun(@TempDir Path dir) {
        Path marker = dir.resolve("ran");
        client.batch().v1().jobs().resource(job("as-user", marker, 10001L)).create();

        await().atMost(Duration.ofSeconds(10)).until(() ->
                SandboxJobTest.condition(client.batch().v1().jobs().withName("as-user").get(), "Complete") != null);
        assertThat(marker).exists();
    }

    @Test
    void aDeploymentPodWithRunAsNonRootFromARootImageIsRefusedToo() {
        client.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                .withNewSpec().withNewSecurityContext().withRunAsNonRoot(true).endSecurityContext()
                .addNewContainer().withName("web").withImage(ROOT_IMAGE + ":previous").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();

        ContainerStatus status = awaitWaiting("app", "web");

        assertThat(status.getState().getWaiting().getMessage()).startsWith("container has runAsNonRoot and image will run as root");
        assertThat(status.getReady()).isFalse();
    }
}
