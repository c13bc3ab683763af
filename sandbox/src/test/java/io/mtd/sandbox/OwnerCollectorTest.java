package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A deleted Deployment's ReplicaSets and their Pods are collected, as the garbage collector does. */
class OwnerCollectorTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final KubernetesClient client = CLUSTER.client();

    @Test
    void aDeletedDeploymentsReplicaSetsAndPodsAreCollected() {
        client.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName("gone").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "gone").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "gone").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("registry.example.com/gone:1").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().withLabel("app", "gone").list().getItems().size() == 2);

        client.apps().deployments().withName("gone").delete();

        await().atMost(Duration.ofSeconds(30)).until(() -> client.apps().replicaSets().withLabel("app", "gone").list()
                .getItems().isEmpty() && client.pods().withLabel("app", "gone").list().getItems().isEmpty());
    }

    @Test
    void aPodWhoseReplicaSetIsGoneIsCollected() {
        client.apps().replicaSets().resource(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder()
                .withNewMetadata().withName("lonely").endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("rs", "lonely").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("rs", "lonely").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("registry.example.com/lonely:1").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().withLabel("rs", "lonely").list().getItems().size() == 1);

        client.apps().replicaSets().withName("lonely").delete();

        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().withLabel("rs", "lonely").list().getItems().isEmpty());
        assertThat(client.apps().replicaSets().withName("lonely").get()).isNull();
    }
}
