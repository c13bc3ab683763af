package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Rollouts of Deployments whose Pods run processes: minReadySeconds, and Recreate waiting for terminating Pods. */
class DeploymentRolloutTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final KubernetesClient client = CLUSTER.client();

    /** A Deployment of Pods running {@code command}, ready once running, with a grace period of 2 s. */
    private static Deployment deployment(String name, int replicas, String... command) {
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(2L).addNewContainer().withName("main")
                .withImage("registry.example.com/" + name + ":1").withCommand(command).endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    private Deployment get(String name) {
        return client.apps().deployments().withName(name).get();
    }

    private void awaitAvailable(String name, int replicas, String imageSuffix) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Deployment d = get(name);
            return d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
                    && Integer.valueOf(replicas).equals(d.getStatus().getAvailableReplicas())
                    && Integer.valueOf(replicas).equals(d.getStatus().getUpdatedReplicas())
                    && Integer.valueOf(replicas).equals(d.getStatus().getReplicas())
                    && d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().endsWith(imageSuffix);
        });
    }

    private void setImage(String name, String image) {
        client.apps().deployments().withName(name).edit(d -> new DeploymentBuilder(d).editSpec().editTemplate().editSpec()
                .editFirstContainer().withImage(image).endContainer().endSpec().endTemplate().endSpec().build());
    }

    /** Pod events in the API server's order: "+image" when a Pod is added, "-image" when it is gone. */
    private Watch record(String app, List<String> events, List<Pod> seen) {
        return client.pods().withLabel("app", app).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                String image = pod.getSpec().getContainers().get(0).getImage();
                if (action == Action.ADDED) {
                    events.add("+" + image);
                } else if (action == Action.DELETED) {
                    events.add("-" + image);
                }
                seen.add(pod);
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    @Test
    void recreateStartsNewPodsOnlyOnceTheOldOnesStoppedTerminatingPodsIncluded() {
        // sh ignores SIGTERM: each old Pod stays terminating for its whole grace period
        client.apps().deployments().resource(new DeploymentBuilder(deployment("redo", 2, "sh", "-c", "trap '' TERM; sleep 3600"))
                .editSpec().withNewStrategy().withType("Recreate").endStrategy().endSpec().build()).create();
        awaitAvailable("redo", 2, ":1");
        List<String> events = new CopyOnWriteArrayList<>();
        try (Watch ignored = record("redo", events, new CopyOnWriteArrayList<>())) {
            setImage("redo", "registry.example.com/redo:2");
            awaitAvailable("redo", 2, ":2");
        }

        List<String> changes = events.stream().filter(e -> !e.equals("+registry.example.com/redo:1")).toList();
        assertThat(changes).containsExactly("-registry.example.com/redo:1", "-registry.example.com/redo:1",
                "+registry.example.com/redo:2", "+registry.example.com/redo:2");
    }

    @Test
    void oldPodsGoOnlyOnceANewOneWasReadyForMinReadySeconds() {
        Deployment patient = new DeploymentBuilder(deployment("patient", 2, "sleep", "3600")).editSpec().withMinReadySeconds(2)
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxSurge(new io.fabric8.kubernetes.api.model.IntOrString(1))
                .withMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(0)).endRollingUpdate().endStrategy()
                .endSpec().build();
        client.apps().deployments().resource(patient).create();
        awaitAvailable("patient", 2, ":1");
        List<Pod> seen = new CopyOnWriteArrayList<>();
        try (Watch ignored = record("patient", new CopyOnWriteArrayList<>(), seen)) {
            setImage("patient", "registry.example.com/patient:2");
            awaitAvailable("patient", 2, ":2");
        }

        Instant firstNewReady = seen.stream().filter(p -> p.getSpec().getContainers().get(0).getImage().endsWith(":2"))
                .map(DeploymentRolloutTest::readySince).filter(java.util.Objects::nonNull).min(Instant::compareTo).orElseThrow();
        Instant firstOldDeleted = seen.stream().filter(p -> p.getSpec().getContainers().get(0).getImage().endsWith(":1"))
                .map(p -> p.getMetadata().getDeletionTimestamp()).filter(java.util.Objects::nonNull).map(Instant::parse)
                .min(Instant::compareTo).orElseThrow();
        assertThat(firstOldDeleted).isAfterOrEqualTo(firstNewReady.plusSeconds(2));
    }

    private static Instant readySince(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
                .map(PodCondition::getLastTransitionTime).map(Instant::parse).findFirst().orElse(null);
    }
}
