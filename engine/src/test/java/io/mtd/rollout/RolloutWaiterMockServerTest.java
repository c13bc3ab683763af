package io.mtd.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.mtd.kube.DeploymentWatches;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The waiter and the undo against a plain CRUD mock server, where the test plays the Deployment controller. */
class RolloutWaiterMockServerTest {

    private static final String NS = "shop";

    private KubernetesMockServer server;
    private KubernetesClient client;
    private ScheduledExecutorService scheduler;
    private DeploymentWatches watches;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        scheduler = Executors.newScheduledThreadPool(2);
        watches = new DeploymentWatches();
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
        watches.close();
        client.close();
        server.destroy();
    }

    private static PodTemplateSpec template(String image) {
        return new PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "shop-web").endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec().build();
    }

    private Deployment deployment(String image, long revision) {
        Deployment created = client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
                .withNewMetadata().withName("shop-web").withNamespace(NS)
                .addToAnnotations(RolloutStatus.REVISION_ANNOTATION, String.valueOf(revision)).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "shop-web").endSelector()
                .withTemplate(template(image)).endSpec().build()).create();
        return status(created, 1, 0, 0);
    }

    /** Writes status as the Deployment controller would, for the spec as it is now. */
    private Deployment status(Deployment d, int replicas, int updated, int available) {
        Deployment withStatus = new DeploymentBuilder(client.apps().deployments().inNamespace(NS).withName(d.getMetadata().getName()).get())
                .withNewStatus().withObservedGeneration(1000L).withReplicas(replicas).withUpdatedReplicas(updated)
                .withAvailableReplicas(available).endStatus().build();
        return client.apps().deployments().inNamespace(NS).resource(withStatus).updateStatus();
    }

    private ReplicaSet replicaSet(Deployment owner, String hash, long revision, String image) {
        PodTemplateSpec template = new PodTemplateSpecBuilder(template(image)).editMetadata().addToLabels("pod-template-hash", hash)
                .endMetadata().build();
        return client.apps().replicaSets().inNamespace(NS).resource(new ReplicaSetBuilder()
                .withNewMetadata().withName("shop-web-" + hash).withNamespace(NS)
                .addToLabels("app", "shop-web").addToLabels("pod-template-hash", hash)
                .addToAnnotations(RolloutStatus.REVISION_ANNOTATION, String.valueOf(revision))
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("shop-web")
                .withUid(owner.getMetadata().getUid()).withController(true).endOwnerReference().endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "shop-web")
                .addToMatchLabels("pod-template-hash", hash).endSelector().withTemplate(template).endSpec().build()).create();
    }

    private Pod crashingPod(String hash, int restarts) {
        return client.pods().inNamespace(NS).resource(new PodBuilder()
                .withNewMetadata().withName("shop-web-" + hash + "-x1").withNamespace(NS)
                .addToLabels("app", "shop-web").addToLabels("pod-template-hash", hash).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("shop").endContainer().endSpec()
                .withNewStatus().withPhase("Running").withContainerStatuses(new ContainerStatusBuilder().withName("web")
                        .withRestartCount(restarts).withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting()
                        .endState().build()).endStatus().build()).create();
    }

    private static RolloutFailedException failure(CompletableFuture<?> future) {
        assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        return (RolloutFailedException) io.mtd.concurrent.Futures.unwrap(future.handle((v, e) -> e).join());
    }

    @Test
    void completesWhenTheControllerReportsEveryReplicaUpdatedAndAvailable() throws Exception {
        Deployment d = deployment("shop:2", 2);
        CompletableFuture<Deployment> waiting = new RolloutWaiter(client, watches, scheduler).await(d, Duration.ofMinutes(5), 3, n -> {});

        assertThatThrownBy(() -> waiting.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        status(d, 1, 1, 1);

        assertThat(RolloutStatus.revision(waiting.get(30, TimeUnit.SECONDS))).isEqualTo(2L);
    }

    @Test
    void failsOnProgressDeadlineExceeded() {
        Deployment d = deployment("shop:2", 2);
        CompletableFuture<Deployment> waiting = new RolloutWaiter(client, watches, scheduler).await(d, Duration.ofMinutes(5), 3, n -> {});

        Deployment stuck = new DeploymentBuilder(client.apps().deployments().inNamespace(NS).withName("shop-web").get())
                .editStatus().addNewCondition().withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"shop-web-b2\" has timed out progressing.").endCondition().endStatus().build();
        client.apps().deployments().inNamespace(NS).resource(stuck).updateStatus();

        RolloutFailedException e = failure(waiting);
        assertThat(e.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(e.getMessage()).contains("Deployment shop-web exceeded its progress deadline")
                .contains("has timed out progressing").contains("kubectl describe pods -n shop -l app=shop-web");
    }

    @Test
    void onlyPodsOfTheNewReplicaSetFailTheRollout() throws Exception {
        Deployment d = deployment("shop:2", 2);
        replicaSet(d, "a1", 1, "shop:1");
        replicaSet(d, "b2", 2, "shop:2");
        crashingPod("a1", 10);
        CompletableFuture<Deployment> waiting = new RolloutWaiter(client, watches, scheduler).await(d, Duration.ofMinutes(5), 3, n -> {});

        assertThatThrownBy(() -> waiting.get(500, TimeUnit.MILLISECONDS)).as("an old Pod crashing is not this rollout's failure")
                .isInstanceOf(TimeoutException.class);
        crashingPod("b2", 3);

        RolloutFailedException e = failure(waiting);
        assertThat(e.getMessage()).contains("Pod shop-web-b2-x1 (container web): CrashLoopBackOff");
    }

    @Test
    void undoRestoresTheOwnedReplicaSetsTemplateWithoutItsHash() {
        Deployment d = deployment("shop:2", 2);
        replicaSet(d, "a1", 1, "shop:1");
        replicaSet(d, "b2", 2, "shop:2");
        // same labels, higher revision, but another owner: must not be taken for this Deployment's history
        ReplicaSet foreign = new ReplicaSetBuilder(replicaSet(d, "z9", 7, "other:9")).editMetadata()
                .editFirstOwnerReference().withUid("someone-else").endOwnerReference().endMetadata().build();
        client.apps().replicaSets().inNamespace(NS).resource(foreign).update();

        RolloutUndo.Undone undone = new RolloutUndo(client).undo(NS, "shop-web", null, null);

        assertThat(undone.revision()).isEqualTo(1L);
        assertThat(undone.changed()).isTrue();
        PodTemplateSpec now = client.apps().deployments().inNamespace(NS).withName("shop-web").get().getSpec().getTemplate();
        assertThat(now.getSpec().getContainers().get(0).getImage()).isEqualTo("shop:1");
        assertThat(now.getMetadata().getLabels()).containsExactlyEntriesOf(java.util.Map.of("app", "shop-web"));
    }

    @Test
    void undoToAPrunedRevisionUsesTheTemplateItReplacedOrSaysWhy() {
        deployment("shop:2", 2);

        assertThatThrownBy(() -> new RolloutUndo(client).undo(NS, "shop-web", 1L, null))
                .isInstanceOf(RolloutFailedException.class)
                .hasMessageContaining("no ReplicaSet of revision 1 is left").hasMessageContaining("revisionHistoryLimit");

        RolloutUndo.Undone undone = new RolloutUndo(client).undo(NS, "shop-web", 1L, template("shop:1"));

        assertThat(undone.changed()).isTrue();
        assertThat(client.apps().deployments().inNamespace(NS).withName("shop-web").get().getSpec().getTemplate()
                .getSpec().getContainers()).extracting(c -> c.getImage()).containsExactly("shop:1");
    }

    @Test
    void undoOfADeploymentThatIsGoneSaysSo() {
        assertThatThrownBy(() -> new RolloutUndo(client).undo(NS, "shop-web", null, null))
                .isInstanceOf(RolloutFailedException.class)
                .hasMessage("cannot undo the rollout of Deployment shop-web: it no longer exists in namespace shop");
    }

    @Test
    void progressNotesAreThrottledButTheLastStateIsAlwaysReported() throws Exception {
        Deployment d = deployment("shop:2", 2);
        List<String> notes = new CopyOnWriteArrayList<>();
        CompletableFuture<Deployment> waiting =
                new RolloutWaiter(client, watches, scheduler, Duration.ofHours(1)).await(d, Duration.ofMinutes(5), 3, notes::add);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !notes.isEmpty());

        status(d, 1, 1, 0);
        status(d, 1, 1, 1);
        waiting.get(30, TimeUnit.SECONDS);

        assertThat(notes).containsExactly("shop-web: 0/1 updated, 0 available, 1 old pending termination",
                "shop-web: 1/1 updated, 1 available");
    }
    @Test
    void aDeploymentDeletedMidWaitFailsTheWait() {
        Deployment d = deployment("shop:2", 2);
        List<String> notes = new CopyOnWriteArrayList<>();
        CompletableFuture<Deployment> waiting = new RolloutWaiter(client, watches, scheduler).await(d, Duration.ofMinutes(5), 3, notes::add);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !notes.isEmpty());

        client.apps().deployments().inNamespace(NS).withName("shop-web").delete();

        assertThat(failure(waiting).getMessage())
                .isEqualTo("Deployment shop-web was deleted from namespace shop while it was rolling out");
    }

    @Test
    void waitsInOneNamespaceShareOneWatch() throws Exception {
        Deployment d = deployment("shop:2", 2);
        List<CompletableFuture<Deployment>> waits = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waits.add(new RolloutWaiter(client, watches, scheduler).await(d, Duration.ofMinutes(5), 3, n -> {}));
        }
        assertThat(watches.watchConnections()).isEqualTo(3);

        status(d, 1, 1, 1);

        for (CompletableFuture<Deployment> w : waits) {
            assertThat(RolloutStatus.revision(w.get(30, TimeUnit.SECONDS))).isEqualTo(2L);
        }
        assertThat(watches.watchConnections()).isEqualTo(3);
    }
    @Test
    void theSharedWatchsOlderGenerationIsNotTakenForTheWrittenSpecsCompletion() throws Exception {
        Deployment complete = status(deployment("shop:2", 2), 1, 1, 1);
        // an earlier wait has the shared watch hold the Deployment, complete for the spec of its generation
        new RolloutWaiter(client, watches, scheduler).await(complete, Duration.ofMinutes(5), 3, n -> {}).get(30, TimeUnit.SECONDS);
        long generation = complete.getMetadata().getGeneration() == null ? 0 : complete.getMetadata().getGeneration();
        // as a set-image patch returns it before the watch has seen it: one generation on, its status the old one's
        Deployment written = new DeploymentBuilder(complete).editMetadata().withGeneration(generation + 1).endMetadata().build();

        CompletableFuture<Deployment> waiting = new RolloutWaiter(client, watches, scheduler).await(written, Duration.ofMinutes(5), 3, n -> {});

        assertThatThrownBy(() -> waiting.get(500, TimeUnit.MILLISECONDS)).as("the old spec's completion is not this rollout's")
                .isInstanceOf(TimeoutException.class);
    }

    @Test
    void everyEndedWaitLeavesNothingSubscribedToTheSharedWatch() throws Exception {
        Deployment d = deployment("shop:2", 2);
        RolloutWaiter waiter = new RolloutWaiter(client, watches, scheduler);
        CompletableFuture<Deployment> completes = waiter.await(d, Duration.ofMinutes(5), 3, n -> {});
        CompletableFuture<Deployment> cancelled = waiter.await(d, Duration.ofMinutes(5), 3, n -> {});
        CompletableFuture<Deployment> timesOut = waiter.await(d, Duration.ofMillis(300), 3, n -> {});
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> watches.of(client, NS).waiting() == 3);

        assertThat(failure(timesOut).outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        cancelled.cancel(false);
        status(d, 1, 1, 1);
        completes.get(30, TimeUnit.SECONDS);

        // a Jenkins controller's watch lives for months: each ended wait must leave nothing behind on it
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> watches.of(client, NS).waiting() == 0);
    }
}
