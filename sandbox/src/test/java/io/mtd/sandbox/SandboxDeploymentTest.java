package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SandboxDeploymentTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final Sandbox sandbox = CLUSTER.sandbox();
    private final KubernetesClient client = CLUSTER.client();

    private static Deployment deployment(String name, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    private Deployment get(String name) {
        return client.apps().deployments().withName(name).get();
    }

    private static DeploymentCondition condition(Deployment d, String type) {
        if (d == null || d.getStatus() == null || d.getStatus().getConditions() == null) {
            return null;
        }
        return d.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static boolean rolledOut(Deployment d) {
        DeploymentCondition progressing = condition(d, "Progressing");
        return d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
                && progressing != null && "NewReplicaSetAvailable".equals(progressing.getReason())
                && Integer.valueOf(2).equals(d.getStatus().getAvailableReplicas())
                && Integer.valueOf(2).equals(d.getStatus().getReplicas());
    }

    private Deployment awaitRolledOut(String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> rolledOut(get(name)));
        return get(name);
    }

    private Deployment setImage(String name, String image) {
        return client.apps().deployments().withName(name).edit(d -> new DeploymentBuilder(d).editSpec().editTemplate()
                .editSpec().editFirstContainer().withImage(image).endContainer().endSpec().endTemplate().endSpec().build());
    }

    private List<ReplicaSet> replicaSets(String app) {
        return client.apps().replicaSets().withLabel("app", app).list().getItems();
    }

    private static String revision(io.fabric8.kubernetes.api.model.HasMetadata o) {
        return o.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision");
    }

    @Test
    void rolloutsCompleteWithCountingRevisionsAndUndoReusesTheOldReplicaSet() {
        client.apps().deployments().resource(deployment("web", "registry.example.com/web:1")).create();
        Deployment first = awaitRolledOut("web");
        assertThat(revision(first)).isEqualTo("1");
        assertThat(first.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat(condition(first, "Available").getStatus()).isEqualTo("True");
        String firstReplicaSet = replicaSets("web").get(0).getMetadata().getName();
        assertThat(firstReplicaSet).matches("web-[a-z0-9]{10}");
        assertThat(replicaSets("web").get(0).getMetadata().getLabels()).containsKey("pod-template-hash");

        setImage("web", "registry.example.com/web:2");
        await().atMost(Duration.ofSeconds(10)).until(() -> "2".equals(revision(get("web"))) && rolledOut(get("web")));
        Deployment second = get("web");
        assertThat(second.getMetadata().getGeneration()).isEqualTo(2L);
        assertThat(second.getStatus().getUpdatedReplicas()).isEqualTo(2);
        List<ReplicaSet> afterSecond = replicaSets("web");
        assertThat(afterSecond).hasSize(2);
        assertThat(afterSecond).filteredOn(rs -> rs.getMetadata().getName().equals(firstReplicaSet))
                .allSatisfy(rs -> assertThat(rs.getSpec().getReplicas()).isZero());
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().withLabel("app", "web").list().getItems().stream()
                .allMatch(p -> p.getSpec().getContainers().get(0).getImage().endsWith(":2")));

        client.apps().deployments().withName("web").rolling().undo();

        await().atMost(Duration.ofSeconds(10)).until(() -> "3".equals(revision(get("web"))) && rolledOut(get("web")));
        assertThat(get("web").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                .isEqualTo("registry.example.com/web:1");
        assertThat(replicaSets("web")).hasSize(2);
        ReplicaSet reused = client.apps().replicaSets().withName(firstReplicaSet).get();
        assertThat(revision(reused)).isEqualTo("3");
        assertThat(reused.getSpec().getReplicas()).isEqualTo(2);
    }

    @Test
    void crashLoopingRolloutStaysIncompleteAndExceedsItsProgressDeadline() {
        client.apps().deployments().resource(deployment("crashy", "registry.example.com/crashy:1")).create();
        awaitRolledOut("crashy");
        sandbox.kubelet().injectFault("registry.example.com/crashy", Fault.CRASH_LOOP);
        client.apps().deployments().withName("crashy").edit(d -> new DeploymentBuilder(d).editSpec()
                .withProgressDeadlineSeconds(1).editTemplate().editSpec().editFirstContainer()
                .withImage("registry.example.com/crashy:2").endContainer().endSpec().endTemplate().endSpec().build());

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            DeploymentCondition progressing = condition(get("crashy"), "Progressing");
            return progressing != null && "ProgressDeadlineExceeded".equals(progressing.getReason());
        });

        Deployment stuck = get("crashy");
        assertThat(condition(stuck, "Progressing").getStatus()).isEqualTo("False");
        assertThat(condition(stuck, "Available").getStatus()).isEqualTo("True");
        assertThat(stuck.getStatus().getAvailableReplicas()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> crashingPods("crashy:2").stream().anyMatch(p ->
                p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 2));
        Pod crashing = crashingPods("crashy:2").get(0);
        assertThat(crashing.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason())
                .isEqualTo("CrashLoopBackOff");
    }

    @Test
    void crashLoopingRolloutNeverLooksCompleteToAWatcher() {
        client.apps().deployments().resource(deployment("watched", "registry.example.com/watched:1")).create();
        awaitRolledOut("watched");
        sandbox.kubelet().injectFault("registry.example.com/watched", Fault.CRASH_LOOP);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.fabric8.kubernetes.client.Watch watch = client.apps().deployments().withName("watched").watch(
                new io.fabric8.kubernetes.client.Watcher<Deployment>() {
                    @Override
                    public void eventReceived(Action action, Deployment d) {
                        if (d.getMetadata().getGeneration() == 2L && d.getStatus() != null
                                && Long.valueOf(2).equals(d.getStatus().getObservedGeneration())) {
                            seen.add(d.getStatus().getUpdatedReplicas() + "/" + d.getStatus().getAvailableReplicas() + "/"
                                    + d.getStatus().getReplicas());
                        }
                    }

                    @Override
                    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                    }
                })) {
            setImage("watched", "registry.example.com/watched:2");

            await().atMost(Duration.ofSeconds(10)).until(() -> crashingPods("watched:2").stream().anyMatch(p ->
                    p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 3));
        }
        // updated/available/replicas, complete as kubectl rollout status defines it: updated >= 2, available >= updated,
        // replicas <= updated
        assertThat(seen).contains("1/2/3").noneSatisfy(s -> {
            String[] n = s.split("/");
            assertThat(Integer.parseInt(n[0]) >= 2 && Integer.parseInt(n[1]) >= Integer.parseInt(n[0])
                    && Integer.parseInt(n[2]) <= Integer.parseInt(n[0])).isTrue();
        });
    }

    @Test
    void neverReadyRolloutKeepsTheOldPodsServing() {
        client.apps().deployments().resource(deployment("sleepy", "registry.example.com/sleepy:1")).create();
        awaitRolledOut("sleepy");
        sandbox.kubelet().injectFault("registry.example.com/sleepy", Fault.NEVER_READY);

        setImage("sleepy", "registry.example.com/sleepy:2");

        // maxSurge 25% of 2 is 1 and maxUnavailable 25% of 2 is 0: one new Pod, and no old Pod goes until it is Ready.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Deployment d = get("sleepy");
            return d.getStatus() != null && Integer.valueOf(1).equals(d.getStatus().getUpdatedReplicas())
                    && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration())
                    && crashingPods("sleepy:2").size() == 1
                    && "Running".equals(crashingPods("sleepy:2").get(0).getStatus().getPhase());
        });
        Deployment stuck = get("sleepy");
        assertThat(condition(stuck, "Progressing").getReason()).isEqualTo("ReplicaSetUpdated");
        assertThat(condition(stuck, "Available").getStatus()).isEqualTo("True");
        assertThat(stuck.getStatus().getReplicas()).isEqualTo(3);
        assertThat(stuck.getStatus().getReadyReplicas()).isEqualTo(2);
        assertThat(stuck.getStatus().getUnavailableReplicas()).isEqualTo(1);
        assertThat(crashingPods("sleepy:2")).allSatisfy(p -> assertThat(p.getStatus().getConditions())
                .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=False")));
    }

    @Test
    void controllersCarryOnAfterEveryWatchIsDroppedMidRollout() {
        client.apps().deployments().resource(deployment("dropped", "registry.example.com/dropped:1")).create();
        awaitRolledOut("dropped");
        sandbox.kubelet().injectFault("registry.example.com/dropped", Fault.NEVER_READY);
        List<io.fabric8.kubernetes.client.informers.SharedIndexInformer<?>> informers = List.of(
                client.apps().deployments().inform(), client.apps().replicaSets().inform(), client.pods().inform());
        try {
            setImage("dropped", "registry.example.com/dropped:2");
            await().atMost(Duration.ofSeconds(10)).until(() -> crashingPods("dropped:2").size() == 1
                    && "Running".equals(crashingPods("dropped:2").get(0).getStatus().getPhase()));

            sandbox.dropWatches();
            sandbox.kubelet().clearFaults();
            crashingPods("dropped:2").forEach(p -> client.pods().resource(p).delete());

            Deployment done = awaitRolledOut("dropped");
            assertThat(done.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).endsWith(":2");
            assertThat(revision(done)).isEqualTo("2");
        } finally {
            informers.forEach(io.fabric8.kubernetes.client.informers.SharedIndexInformer::close);
        }
    }

    @Test
    void recreateStrategyRemovesTheOldPodsBeforeStartingNewOnes() {
        Deployment recreate = deployment("recreate", "registry.example.com/recreate:1");
        recreate.getSpec().setStrategy(new io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder()
                .withType("Recreate").build());
        client.apps().deployments().resource(recreate).create();
        awaitRolledOut("recreate");
        sandbox.kubelet().injectFault("registry.example.com/recreate", Fault.NEVER_READY);

        setImage("recreate", "registry.example.com/recreate:2");

        await().atMost(Duration.ofSeconds(10)).until(() -> crashingPods("recreate:2").size() == 2);
        assertThat(client.pods().withLabel("app", "recreate").list().getItems())
                .allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getImage()).endsWith(":2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "False".equals(condition(get("recreate"), "Available").getStatus()));
    }

    @Test
    void imagePullBackOffPodsWaitWithTheReason() {
        sandbox.kubelet().injectFault("registry.example.com/ghost", Fault.IMAGE_PULL_BACKOFF);

        client.apps().deployments().resource(deployment("ghost", "registry.example.com/ghost:1")).create();

        await().atMost(Duration.ofSeconds(10)).until(() -> crashingPods("ghost:1").size() == 2 && crashingPods("ghost:1")
                .stream().allMatch(p -> p.getStatus().getContainerStatuses() != null
                        && !p.getStatus().getContainerStatuses().isEmpty()
                        && p.getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                        && "ImagePullBackOff".equals(p.getStatus().getContainerStatuses().get(0).getState().getWaiting().getReason())));
        assertThat(condition(get("ghost"), "Available").getStatus()).isEqualTo("False");
    }

    @Test
    void oomKilledDeploymentPodsCrashLoopWithOomKilledAsTheirLastState() {
        sandbox.kubelet().injectFault("registry.example.com/oom", Fault.OOM_KILLED);

        client.apps().deployments().resource(deployment("oom", "registry.example.com/oom:1")).create();

        await().atMost(Duration.ofSeconds(10)).until(() -> crashingPods("oom:1").stream().anyMatch(p ->
                p.getStatus().getContainerStatuses().get(0).getRestartCount() >= 1));
        var status = crashingPods("oom:1").get(0).getStatus().getContainerStatuses().get(0);
        assertThat(status.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
        assertThat(status.getLastState().getTerminated().getReason()).isEqualTo("OOMKilled");
        assertThat(status.getLastState().getTerminated().getExitCode()).isEqualTo(137);
    }

    @Test
    void evictedDeploymentPodIsReplacedByItsReplicaSet() {
        sandbox.kubelet().injectFault("registry.example.com/evict", Fault.EVICTED);
        client.apps().deployments().resource(deployment("evict", "registry.example.com/evict:1")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> crashingPods("evict:1").stream()
                .anyMatch(p -> "Evicted".equals(p.getStatus().getReason())));

        sandbox.kubelet().clearFault("registry.example.com/evict");

        Deployment done = awaitRolledOut("evict");
        assertThat(done.getStatus().getReadyReplicas()).isEqualTo(2);
        assertThat(crashingPods("evict:1")).anySatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Failed"));
    }

    private List<Pod> crashingPods(String imageSuffix) {
        return client.pods().list().getItems().stream()
                .filter(p -> p.getSpec().getContainers().get(0).getImage().endsWith(imageSuffix))
                .filter(p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null
                        && !p.getStatus().getContainerStatuses().isEmpty())
                .collect(java.util.stream.Collectors.toList());
    }
}
