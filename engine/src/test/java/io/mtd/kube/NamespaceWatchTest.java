package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.sandbox.Sandbox;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The migrations' shared namespace watch on its own, against the sandbox's API server (suspended Jobs: none runs). */
class NamespaceWatchTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private static Sandbox sandbox;

    private KubernetesClient client;
    private String namespace;
    private final List<NamespaceWatch> opened = new ArrayList<>();

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
        namespace = "jobs-" + NAMESPACES.incrementAndGet();
    }

    @AfterEach
    void disconnect() {
        opened.forEach(NamespaceWatch::close);
        client.close();
    }

    private NamespaceWatch watch() throws Exception {
        NamespaceWatch watch = new NamespaceWatch(client, namespace);
        opened.add(watch);
        watch.synced().get(30, TimeUnit.SECONDS);
        return watch;
    }

    private Job createSuspended(String name) {
        return client.batch().v1().jobs().inNamespace(namespace).resource(new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).addToLabels(Labels.MANAGED_BY, Labels.MANAGER)
                .endMetadata()
                .withNewSpec().withSuspend(true).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("migrate").withImage("registry.example.com/app:1").withCommand("true").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    @Test
    void everyWaiterOfANamespaceSharesTwoWatchConnectionsAndHearsOnlyOfItsOwnJob() throws Exception {
        int before = sandbox.watchesOpened();
        NamespaceWatch watch = watch();
        List<AtomicInteger> calls = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            AtomicInteger count = new AtomicInteger();
            calls.add(count);
            watch.subscribe("job-" + i, count::incrementAndGet);
        }

        createSuspended("job-7");

        await().atMost(WAIT).until(() -> calls.get(7).get() > 0);
        assertThat(watch.job("job-7")).isNotNull();
        for (int i = 0; i < calls.size(); i++) {
            if (i != 7) {
                assertThat(calls.get(i).get()).as("waiter of job-" + i).isZero();
            }
        }
        assertThat(sandbox.watchesOpened() - before).as("watches the sandbox accepted for 50 waiters").isEqualTo(2);
    }

    @Test
    void aLateSubscriberReadsTheCurrentStateAndHearsOfLaterChanges() throws Exception {
        createSuspended("late");
        NamespaceWatch watch = watch();
        assertThat(watch.job("late")).as("listed before anyone subscribed").isNotNull();

        AtomicInteger calls = new AtomicInteger();
        watch.subscribe("late", calls::incrementAndGet);
        client.batch().v1().jobs().inNamespace(namespace).withName("late")
                .edit(j -> new JobBuilder(j).editMetadata().addToAnnotations("touched", "yes").endMetadata().build());

        await().atMost(WAIT).until(() -> calls.get() > 0);
        assertThat(watch.job("late").getMetadata().getAnnotations()).containsEntry("touched", "yes");
    }

    @Test
    void aDeletionWhileTheWatchIsDroppedIsStillSeen() throws Exception {
        createSuspended("gone");
        NamespaceWatch watch = watch();
        AtomicInteger calls = new AtomicInteger();
        watch.subscribe("gone", calls::incrementAndGet);
        int opened = sandbox.watchesOpened();

        sandbox.dropWatches();
        // re-watching from the last resourceVersion would miss the deletion: the API server answers 410 Gone, and
        // the informer relists
        client.batch().v1().jobs().inNamespace(namespace).withName("gone").delete();

        await().atMost(WAIT).until(() -> watch.job("gone") == null);
        assertThat(calls.get()).as("the waiter was told").isPositive();
        assertThat(sandbox.watchesOpened()).as("the informers watched again").isGreaterThan(opened);

        createSuspended("after");
        await().atMost(WAIT).until(() -> watch.job("after") != null);
    }
}
