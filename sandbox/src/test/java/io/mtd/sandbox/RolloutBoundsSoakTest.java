package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Seeded, bounded rollouts of Deployments with random replicas, maxSurge, maxUnavailable (ints and percentages) and
 * minReadySeconds, whose Pods become Ready after random delays, some rolled over mid-rollout: at every pass of the
 * Deployment controller (read back from the API server) and at every Pod event (a watch sees every state the API
 * passes through), at most {@code desired + maxSurge} Pods are wanted and run, and, once the Deployment was first
 * available, at least {@code desired - maxUnavailable} Pods are available.
 */
class RolloutBoundsSoakTest {

    private static final long SEED = 26;
    private static final int DEPLOYMENTS = 4;
    private static final int ROLLOUTS = 3;

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final Sandbox sandbox = CLUSTER.sandbox();
    private final KubernetesClient client = CLUSTER.client();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final AtomicInteger samples = new AtomicInteger();

    /** The Deployment being checked, its bounds, and whether it has been available yet. */
    private volatile Checked checked;

    private record Checked(String name, int desired, RolloutBounds bounds, int minReadySeconds, boolean wasAvailable) {
        Checked available() {
            return new Checked(name, desired, bounds, minReadySeconds, true);
        }
    }

    @AfterEach
    void reset() {
        sandbox.deploymentController().afterEachPass(() -> { });
        sandbox.kubelet().placeholderDelay(() -> FaultHooks.READY_DELAY_MS);
    }

    @Test
    void rollingUpdatesNeverCrossTheirBounds() {
        Random random = new Random(SEED);
        Random delays = new Random(SEED + 1);
        sandbox.kubelet().placeholderDelay(() -> {
            synchronized (delays) {
                return delays.nextInt(400);
            }
        });
        sandbox.deploymentController().afterEachPass(() -> check("controller pass", apiPods()));
        SharedIndexInformer<Pod> watch = client.pods().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                sample();
            }

            @Override
            public void onUpdate(Pod before, Pod pod) {
                sample();
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                sample();
            }

            private void sample() {
                try {
                    check("pod event", null);
                } catch (KubernetesClientException e) {
                    // the watch is being closed at the end of the test
                }
            }
        });
        try {
            for (int d = 0; d < DEPLOYMENTS; d++) {
                soak(random, "soak-" + d, watch);
            }
        } finally {
            watch.close();
        }
        assertThat(violations).as("seed " + SEED).isEmpty();
        assertThat(samples.get()).as("the checker ran").isGreaterThan(DEPLOYMENTS * ROLLOUTS * 5);
    }

    private void soak(Random random, String name, SharedIndexInformer<Pod> watch) {
        int desired = 1 + random.nextInt(4);
        IntOrString surge = bound(random);
        IntOrString unavailable = bound(random);
        int minReadySeconds = random.nextInt(3) == 0 ? 1 : 0;
        RolloutBounds bounds = RolloutBounds.of(surge, unavailable, desired);
        Deployment deployment = new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(desired).withMinReadySeconds(minReadySeconds)
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(surge)
                .withMaxUnavailable(unavailable).endRollingUpdate().endStrategy()
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("registry.example.com/" + name + ":0").endContainer()
                .endSpec().endTemplate().endSpec().build();
        checked = new Checked(name, desired, bounds, minReadySeconds, false);
        client.apps().deployments().resource(deployment).create();
        awaitComplete(name, desired, 0);
        checked = checked.available();
        int version = 0;
        for (int rollout = 0; rollout < ROLLOUTS; rollout++) {
            version = setImage(name, version + 1);
            if (random.nextInt(3) == 0) {
                // a rollover: a newer template while the last one is still rolling out
                await().atMost(Duration.ofSeconds(30)).until(() -> updated(name) >= 1);
                version = setImage(name, version + 1);
            }
            awaitComplete(name, desired, version);
        }
        checked = null;
        client.apps().deployments().withName(name).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> watch.getStore().list().stream()
                .noneMatch(p -> name.equals(p.getMetadata().getLabels().get("app"))));
    }

    private static IntOrString bound(Random random) {
        return random.nextBoolean() ? new IntOrString(random.nextInt(3))
                : new IntOrString(List.of("0%", "25%", "50%", "100%").get(random.nextInt(4)));
    }

    /** Sets the image to version {@code version}, retrying on a conflict with the controller's writes, as clients do. */
    private int setImage(String name, int version) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsMatching(e -> e instanceof KubernetesClientException
                && ((KubernetesClientException) e).getCode() == 409).until(() -> {
                    client.apps().deployments().withName(name).edit(d -> new DeploymentBuilder(d).editSpec().editTemplate()
                            .editSpec().editFirstContainer().withImage("registry.example.com/" + name + ":" + version)
                            .endContainer().endSpec().endTemplate().endSpec().build());
                    return true;
                });
        return version;
    }

    private int updated(String name) {
        Deployment d = client.apps().deployments().withName(name).get();
        return d.getStatus() == null || d.getStatus().getUpdatedReplicas() == null ? 0 : d.getStatus().getUpdatedReplicas();
    }

    private void awaitComplete(String name, int desired, int version) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Deployment d = client.apps().deployments().withName(name).get();
            DeploymentCondition progressing = d.getStatus() == null || d.getStatus().getConditions() == null ? null
                    : d.getStatus().getConditions().stream().filter(c -> "Progressing".equals(c.getType())).findFirst().orElse(null);
            return d.getMetadata().getGeneration().equals(d.getStatus() == null ? null : d.getStatus().getObservedGeneration())
                    && progressing != null && "NewReplicaSetAvailable".equals(progressing.getReason())
                    && d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage().endsWith(":" + version)
                    && Integer.valueOf(desired).equals(d.getStatus().getAvailableReplicas())
                    && Integer.valueOf(desired).equals(d.getStatus().getReplicas());
        });
    }

    private List<Pod> apiPods() {
        Checked now = checked;
        return now == null ? List.of() : client.pods().withLabel("app", now.name()).list().getItems();
    }

    /** Checks the bounds on {@code pods} (null: the API server's Pods now) and the ReplicaSets' wanted replicas. */
    private void check(String when, List<Pod> pods) {
        Checked now = checked;
        if (now == null) {
            return;
        }
        List<Pod> current = pods != null ? pods : apiPods();
        List<ReplicaSet> sets = client.apps().replicaSets().withLabel("app", now.name()).list().getItems();
        samples.incrementAndGet();
        Instant at = Instant.now();
        int wanted = sets.stream().mapToInt(rs -> rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas()).sum();
        List<Pod> counted = current.stream().filter(PodAvailability::isActive).filter(p -> !PodAvailability.isTerminating(p))
                .toList();
        long available = counted.stream().filter(p -> PodAvailability.isAvailable(p, now.minReadySeconds(), at)).count();
        String state = now.name() + " (desired " + now.desired() + ", " + now.bounds() + ", minReadySeconds "
                + now.minReadySeconds() + ") at " + when + ": ";
        if (wanted > now.bounds().maxTotal(now.desired())) {
            violations.add(state + wanted + " Pods wanted by " + sets.size() + " ReplicaSets");
        }
        if (counted.size() > now.bounds().maxTotal(now.desired())) {
            violations.add(state + counted.size() + " Pods running");
        }
        if (now.wasAvailable() && available < now.bounds().minAvailable(now.desired())) {
            violations.add(state + "only " + available + " Pods available");
        }
    }
}
