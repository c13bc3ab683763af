package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.sandbox.Sandbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rollouts' shared namespace watch on its own, against the sandbox's API server and Deployment controller. */
class DeploymentWatchTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private static Sandbox sandbox;

    private KubernetesClient client;
    private DeploymentWatches watches;
    private String namespace;

    @BeforeAll
    static void startSandbox() {
        sandbox = Sandbox.start();
    }

    @AfterAll
    static void stopSandbox() {
        sandbox.close();
    }

    @BeforeEach
    void connect() {
        client = sandbox.client();
        watches = new DeploymentWatches();
        namespace = "watch-" + NAMESPACES.incrementAndGet();
    }

    @AfterEach
    void disconnect() {
        watches.close();
        client.close();
    }

    private Deployment create(String name, int replicas) {
        return client.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("registry.example.com/" + name + ":1").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    @Test
    void everyWaiterOfANamespaceSharesThreeWatchConnectionsAndHearsOnlyOfItsOwnDeployment() throws Exception {
        int opened = sandbox.watchesOpened();
        List<AtomicInteger> calls = new ArrayList<>();
        DeploymentWatch first = watches.of(client, namespace);
        for (int i = 0; i < 50; i++) {
            DeploymentWatch watch = watches.of(client, namespace);
            assertThat(watch).isSameAs(first);
            AtomicInteger count = new AtomicInteger();
            calls.add(count);
            watch.subscribe("app-" + i, Map.of("app", "app-" + i), count::incrementAndGet);
        }
        first.synced().get(30, TimeUnit.SECONDS);

        create("app-7", 1);

        // the controller's ReplicaSet and Pod reach app-7's waiter through its selector
        await().atMost(WAIT).until(() -> first.deployment("app-7") != null
                && !first.replicaSets(first.deployment("app-7").getMetadata().getUid(), Map.of("app", "app-7")).isEmpty()
                && calls.get(7).get() >= 2);
        for (int i = 0; i < calls.size(); i++) {
            if (i != 7) {
                assertThat(calls.get(i).get()).as("waiter of app-" + i).isZero();
            }
        }
        assertThat(watches.watchConnections()).isEqualTo(3);
        assertThat(sandbox.watchesOpened() - opened).as("watches the sandbox accepted for 50 waiters").isEqualTo(3);
    }

    @Test
    void aLateSubscriberReadsTheCurrentStateAndHearsOfLaterChanges() throws Exception {
        DeploymentWatch watch = watches.of(client, namespace);
        watch.synced().get(30, TimeUnit.SECONDS);
        Deployment created = create("web", 1);
        String uid = created.getMetadata().getUid();
        Map<String, String> selector = Map.of("app", "web");
        await().atMost(WAIT).until(() -> watch.replicaSets(uid, selector).size() == 1
                && watch.podsOwnedBy(watch.replicaSets(uid, selector).get(0).getMetadata().getUid(), selector).size() == 1);

        AtomicInteger calls = new AtomicInteger();
        watch.subscribe("web", selector, calls::incrementAndGet);

        assertThat(watch.deployment("web").getMetadata().getUid()).isEqualTo(uid);
        ReplicaSet rs = watch.replicaSets(uid, selector).get(0);
        String hash = rs.getMetadata().getLabels().get(DeploymentWatch.POD_TEMPLATE_HASH);
        assertThat(watch.podsWithTemplateHash(hash, selector)).hasSize(1);
        assertThat(watch.podsWithTemplateHash(hash, Map.of("app", "other"))).as("another Deployment's selector").isEmpty();

        int before = calls.get();
        client.apps().deployments().inNamespace(namespace).withName("web").scale(2);

        await().atMost(WAIT).until(() -> calls.get() > before && watch.podsWithTemplateHash(hash, selector).size() == 2);
    }

    @Test
    void aDeletionWhileTheWatchIsDroppedIsStillSeen() throws Exception {
        create("web", 0);
        DeploymentWatch watch = watches.of(client, namespace);
        AtomicInteger calls = new AtomicInteger();
        watch.subscribe("web", Map.of("app", "web"), calls::incrementAndGet);
        watch.synced().get(30, TimeUnit.SECONDS);
        assertThat(watch.deployment("web")).isNotNull();
        int opened = sandbox.watchesOpened();
        int before = calls.get();

        sandbox.dropWatches();
        // the informers re-watch after a pause; deleted meanwhile, the Deployment is only found gone by a relist,
        // which the API server forces with 410 Gone for a resourceVersion that would miss the deletion
        client.apps().deployments().inNamespace(namespace).withName("web").delete();

        await().atMost(WAIT).until(() -> watch.deployment("web") == null);
        assertThat(calls.get()).as("the waiter was told").isGreaterThan(before);
        assertThat(sandbox.watchesOpened()).as("the informers watched again").isGreaterThan(opened);
        assertThat(watch.usable()).isTrue();

        create("web", 0);
        await().atMost(WAIT).until(() -> watch.deployment("web") != null);
    }

    @Test
    void aWatchThatCouldNotStartIsReplacedForTheNextWaiter() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        // nothing listens there: the first list fails
        try (KubernetesClient unreachable = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port)
                        .withRequestRetryBackoffLimit(0).build()).build()) {
            DeploymentWatch broken = watches.of(unreachable, namespace);
            await().atMost(WAIT).until(() -> broken.synced().isDone());
            assertThat(broken.synced()).isCompletedExceptionally();
            assertThat(broken.usable()).isFalse();

            assertThat(watches.of(unreachable, namespace)).isNotSameAs(broken);
        }
    }
}
