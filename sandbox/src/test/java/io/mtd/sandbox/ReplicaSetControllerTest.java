package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The ReplicaSet controller on its own: Pods kept at the replicas, the least useful deleted first, availability. */
class ReplicaSetControllerTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final KubernetesClient client = CLUSTER.client();

    @TempDir
    Path flags;

    /** A ReplicaSet whose Pods run {@code sleep} and are Ready while a file named after the Pod exists in {@code flags}. */
    private ReplicaSet replicaSet(String name, int replicas, int minReadySeconds) {
        return new ReplicaSetBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withMinReadySeconds(minReadySeconds)
                .withNewSelector().addToMatchLabels("rs", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("rs", name).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(1L).addNewContainer().withName("main")
                .withImage("registry.example.com/sleeper:1").withCommand("sleep", "3600")
                .addNewEnv().withName("FLAGS").withValue(flags.toString()).endEnv()
                .withNewReadinessProbe().withNewExec().withCommand("sh", "-c", "test -f \"$FLAGS/$HOSTNAME\"").endExec()
                .withPeriodSeconds(1).withFailureThreshold(1).endReadinessProbe()
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    private List<Pod> pods(String name) {
        return client.pods().withLabel("rs", name).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private ReplicaSet get(String name) {
        return client.apps().replicaSets().withName(name).get();
    }

    private void ready(Pod pod) throws IOException {
        Files.writeString(flags.resolve(pod.getMetadata().getName()), "");
    }

    @Test
    void aReplicaSetKeepsItsReplicasAsPodsItOwnsAndReportsThem() throws IOException {
        client.apps().replicaSets().resource(replicaSet("keeper", 2, 0)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> pods("keeper").size() == 2);
        for (Pod pod : pods("keeper")) {
            ready(pod);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> get("keeper").getStatus() != null
                && Integer.valueOf(2).equals(get("keeper").getStatus().getAvailableReplicas()));
        ReplicaSet rs = get("keeper");
        assertThat(rs.getStatus().getReplicas()).isEqualTo(2);
        assertThat(rs.getStatus().getReadyReplicas()).isEqualTo(2);
        assertThat(rs.getStatus().getObservedGeneration()).isEqualTo(rs.getMetadata().getGeneration());
        assertThat(pods("keeper")).allSatisfy(p -> {
            assertThat(p.getMetadata().getName()).matches("keeper-[a-z0-9]{5}");
            assertThat(p.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(o -> assertThat(o.getUid()).isEqualTo(rs.getMetadata().getUid()));
            assertThat(p.getMetadata().getFinalizers()).containsExactly(SandboxKubelet.PROCESS_FINALIZER);
        });

        Pod lost = pods("keeper").get(0);
        client.pods().resource(lost).delete();

        await().atMost(Duration.ofSeconds(20)).until(() -> pods("keeper").size() == 2
                && pods("keeper").stream().noneMatch(p -> p.getMetadata().getUid().equals(lost.getMetadata().getUid())));
    }

    @Test
    void scalingDownDeletesUnreadyPodsFirst() throws IOException {
        client.apps().replicaSets().resource(replicaSet("picky", 3, 0)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> pods("picky").size() == 3);
        List<Pod> pods = pods("picky");
        ready(pods.get(0));
        ready(pods.get(2));
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(2).equals(get("picky").getStatus().getReadyReplicas()));

        client.apps().replicaSets().withName("picky").edit(r -> new ReplicaSetBuilder(r).editSpec().withReplicas(2).endSpec().build());

        await().atMost(Duration.ofSeconds(20)).until(() -> pods("picky").size() == 2);
        assertThat(pods("picky")).extracting(p -> p.getMetadata().getName())
                .containsExactlyInAnyOrder(pods.get(0).getMetadata().getName(), pods.get(2).getMetadata().getName());
    }

    @Test
    void aPodIsAvailableOnlyOnceReadyForMinReadySecondsWithoutAnyOtherEvent() throws IOException {
        client.apps().replicaSets().resource(replicaSet("patient", 1, 2)).create();
        await().atMost(Duration.ofSeconds(20)).until(() -> pods("patient").size() == 1);
        ready(pods("patient").get(0));

        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(1).equals(get("patient").getStatus().getReadyReplicas()));
        assertThat(get("patient").getStatus().getAvailableReplicas()).isZero();

        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(1).equals(get("patient").getStatus().getAvailableReplicas()));
    }
}
