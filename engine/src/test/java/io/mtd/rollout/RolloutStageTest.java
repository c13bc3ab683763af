package io.mtd.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mtd.kube.DeploymentWatches;
import io.mtd.plan.Environment;
import io.mtd.plan.Rollout;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RolloutReport;
import io.mtd.report.RolloutReport.DeploymentReport;
import io.mtd.sandbox.Fault;
import io.mtd.sandbox.Sandbox;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RolloutStageTest {

    private static final String OLD = "registry.example.com/shop:1.0.0";
    private static final String NEW = "registry.example.com/shop:1.1.0";
    private static final String CRASHING = "registry.example.com/shop-crashing:1.1.0";
    private static final String UNPULLABLE = "registry.example.com/shop-unpullable:1.1.0";
    private static final String NEVER_READY = "registry.example.com/shop-never-ready:1.1.0";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private static Sandbox sandbox;
    private static ScheduledExecutorService scheduler;

    private KubernetesClient client;
    private DeploymentWatches watches;
    private String namespace;
    private final List<ProgressEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startSandbox() {
        sandbox = Sandbox.start();
        scheduler = Executors.newScheduledThreadPool(2);
        injectFaults();
    }

    private static void injectFaults() {
        sandbox.kubelet().injectFault("registry.example.com/shop-crashing", Fault.CRASH_LOOP);
        sandbox.kubelet().injectFault("registry.example.com/shop-unpullable", Fault.IMAGE_PULL_BACKOFF);
        sandbox.kubelet().injectFault("registry.example.com/shop-never-ready", Fault.NEVER_READY);
    }

    @AfterAll
    static void stopSandbox() {
        scheduler.shutdownNow();
        sandbox.close();
    }

    @BeforeEach
    void connect() {
        client = sandbox.client();
        watches = new DeploymentWatches();
        namespace = "rollout-" + NAMESPACES.incrementAndGet();
    }

    @AfterEach
    void disconnect() {
        watches.close();
        client.close();
    }

    private Deployment createAvailable(String name, Container... containers) {
        return createAvailable(name, 2, containers);
    }

    private Deployment createAvailable(String name, int replicas, Container... containers) {
        client.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().withContainers(containers).endSpec().endTemplate()
                .endSpec().build()).create();
        await().atMost(WAIT).until(() -> {
            Deployment d = deployment(name);
            return RolloutStatus.isComplete(d) && Long.valueOf(1).equals(RolloutStatus.revision(d));
        });
        return deployment(name);
    }

    private Deployment createAvailable(String name) {
        return createAvailable(name, container("web", OLD));
    }

    private static Container container(String name, String image) {
        return new ContainerBuilder().withName(name).withImage(image).build();
    }

    private Deployment deployment(String name) {
        return client.apps().deployments().inNamespace(namespace).withName(name).get();
    }

    private String image(String name) {
        return deployment(name).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private Environment env(String... deployments) {
        return Environment.of("staging", namespace, Arrays.asList(deployments));
    }

    private RolloutReport roll(Environment env, String image, Rollout settings) throws Exception {
        return new RolloutStage(scheduler, watches).roll(client, env, image, settings, events::add).get(2, TimeUnit.MINUTES);
    }

    private List<String> notes() {
        return events.stream().filter(e -> e instanceof ProgressEvent.Note).map(e -> ((ProgressEvent.Note) e).message()).toList();
    }

    @Test
    void rollsOutTheNewImageFromRevisionOneToTwo() throws Exception {
        createAvailable("shop-web");

        RolloutReport report = roll(env("shop-web"), NEW, Rollout.DEFAULTS);

        assertThat(report.outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(report.mode()).isEqualTo("deployments");
        assertThat(report.deployments()).containsExactly(
                new DeploymentReport("shop-web", StageOutcome.SUCCEEDED, null, 1L, 2L, false, false));
        Deployment after = deployment("shop-web");
        assertThat(after.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(NEW);
        assertThat(RolloutStatus.isComplete(after)).isTrue();
        assertThat(notes()).anyMatch(n -> n.matches("shop-web: \\d/2 updated, \\d available.*"));
        assertThat(events).allMatch(e -> "staging".equals(e.environment()));
    }

    @Test
    void crashLoopFailsFastNamingThePodAndIsUndoneToRevisionOne() throws Exception {
        createAvailable("shop-web");

        RolloutReport report = roll(env("shop-web"), CRASHING, new Rollout("10m", null, 2, null));

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).contains("Pod shop-web-").contains("CrashLoopBackOff").contains("kubectl logs")
                .contains("undone: shop-web to revision 1");
        DeploymentReport web = report.deployments().get(0);
        assertThat(web.undone()).isTrue();
        assertThat(web.revisionBefore()).isEqualTo(1L);
        assertThat(web.revisionAfter()).isEqualTo(1L);
        assertThat(image("shop-web")).isEqualTo(OLD);
        assertThat(RolloutStatus.isComplete(deployment("shop-web"))).isTrue();
        assertThat(notes()).anyMatch(n -> n.startsWith("shop-web: rollout failed"))
                .anyMatch(n -> n.startsWith("shop-web: undone; revision 1 is available again"));
    }

    @Test
    void imagePullFailureFailsFastNamingThePodAndIsUndone() throws Exception {
        createAvailable("shop-web");

        RolloutReport report = roll(env("shop-web"), UNPULLABLE, Rollout.DEFAULTS);

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).contains("Pod shop-web-").containsAnyOf("ImagePullBackOff", "ErrImagePull")
                .contains(UNPULLABLE).contains("registry");
        assertThat(report.deployments().get(0).undone()).isTrue();
        assertThat(image("shop-web")).isEqualTo(OLD);
        assertThat(RolloutStatus.isComplete(deployment("shop-web"))).isTrue();
    }

    @Test
    void neverReadyPodsFailOnThePlansTimeoutAndAreUndone() throws Exception {
        createAvailable("shop-web");

        RolloutReport report = roll(env("shop-web"), NEVER_READY, new Rollout("2s", null, null, null));

        assertThat(report.outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        assertThat(report.reason()).contains("shop-web did not finish rolling out within 2").contains("readiness");
        DeploymentReport web = report.deployments().get(0);
        assertThat(web.outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        assertThat(web.undone()).isTrue();
        assertThat(web.revisionAfter()).isEqualTo(1L);
        assertThat(image("shop-web")).isEqualTo(OLD);
    }

    @Test
    void withUndoTurnedOffAFailedRolloutIsLeftAsItIs() throws Exception {
        createAvailable("shop-web");

        RolloutReport report = roll(env("shop-web"), CRASHING, new Rollout("10m", false, 1, null));

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).contains("not undone (rollout.undoOnFailure is false)");
        DeploymentReport web = report.deployments().get(0);
        assertThat(web.undone()).isFalse();
        assertThat(web.revisionAfter()).isEqualTo(2L);
        assertThat(image("shop-web")).isEqualTo(CRASHING);
    }

    @Test
    void progressDeadlineExceededFailsTheRolloutBeforeThePlansTimeoutAndIsUndone() throws Exception {
        createAvailable("shop-web");
        client.apps().deployments().inNamespace(namespace).withName("shop-web").patch(PatchContext.of(PatchType.JSON),
                "[{\"op\": \"add\", \"path\": \"/spec/progressDeadlineSeconds\", \"value\": 1}]");

        RolloutReport report = roll(env("shop-web"), NEVER_READY, new Rollout("10m", null, null, null));

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).contains("Deployment shop-web exceeded its progress deadline")
                .contains("undone: shop-web to revision 1");
        assertThat(image("shop-web")).isEqualTo(OLD);
    }

    @Test
    void reRunWhileTheImageIsStillRollingOutWaitsOnThatRolloutAndUndoesItToThePreviousRevision() throws Exception {
        createAvailable("shop-web");
        RolloutReport first = roll(env("shop-web"), NEVER_READY, new Rollout("1s", false, null, null));
        assertThat(first.outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        long generation = deployment("shop-web").getMetadata().getGeneration();

        RolloutReport again = roll(env("shop-web"), NEVER_READY, new Rollout("1s", null, null, null));

        assertThat(notes()).contains("shop-web: already updated to " + NEVER_READY + "; waiting for its rollout to finish");
        assertThat(again.outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        DeploymentReport web = again.deployments().get(0);
        assertThat(web.revisionBefore()).isEqualTo(2L);
        assertThat(web.undone()).isTrue();
        assertThat(web.revisionAfter()).isEqualTo(1L);
        assertThat(image("shop-web")).isEqualTo(OLD);
        assertThat(deployment("shop-web").getMetadata().getGeneration()).as("only the undo changed the spec").isEqualTo(generation + 1);
    }

    @Test
    void reRunWithTheSameImageLeavesTheDeploymentAlone() throws Exception {
        createAvailable("shop-web");
        assertThat(roll(env("shop-web"), NEW, Rollout.DEFAULTS).outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        Deployment before = deployment("shop-web");

        RolloutReport again = roll(env("shop-web"), NEW, Rollout.DEFAULTS);

        assertThat(again.outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(again.deployments()).containsExactly(new DeploymentReport(
                "shop-web", StageOutcome.SKIPPED, "already runs the image and is available", 2L, 2L, true, false));
        Deployment after = deployment("shop-web");
        assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration());
        assertThat(after.getMetadata().getResourceVersion()).isEqualTo(before.getMetadata().getResourceVersion());
    }

    @Test
    void aMissingDeploymentIsAClearErrorNamingItAndTheNamespace() throws Exception {
        RolloutReport report = roll(env("shop-wbe"), NEW, Rollout.DEFAULTS);

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).contains("Deployment shop-wbe not found in namespace " + namespace)
                .contains("environments[staging].deployments");
        assertThat(report.deployments()).extracting(DeploymentReport::outcome).containsExactly(StageOutcome.FAILED);
    }

    @Test
    void severalContainersAndNoneNamedIsAClearErrorAndChangesNothing() throws Exception {
        Deployment before = createAvailable("shop-web", container("web", OLD), container("proxy", "envoyproxy/envoy:v1.30"));

        RolloutReport report = roll(env("shop-web"), NEW, Rollout.DEFAULTS);

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).contains("Deployment shop-web in namespace " + namespace + " has 2 containers (web, proxy)")
                .contains("environments[staging].container");
        assertThat(deployment("shop-web").getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration());
    }

    @Test
    void theNamedContainerIsTheOneUpdated() throws Exception {
        createAvailable("shop-web", container("proxy", "envoyproxy/envoy:v1.30"), container("web", OLD));
        Environment env = new Environment("staging", null, null, null, null, namespace, List.of("shop-web"), "web", null, null);

        RolloutReport report = roll(env, NEW, Rollout.DEFAULTS);

        assertThat(report.outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(deployment("shop-web").getSpec().getTemplate().getSpec().getContainers())
                .extracting(Container::getImage).containsExactly("envoyproxy/envoy:v1.30", NEW);
    }

    @Test
    void aFailureUndoesEveryDeploymentTheStageChanged() throws Exception {
        // no replicas, so no Pod: its rollout to the crashing image completes, and must still be undone
        createAvailable("shop-web", 0, container("web", OLD));
        createAvailable("shop-worker", 2, container("worker", OLD));

        RolloutReport report = roll(env("shop-web", "shop-worker"), CRASHING, new Rollout("10m", null, 1, null));

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).startsWith("Deployment shop-worker: Pod shop-worker-")
                .contains("undone: shop-web to revision 1, shop-worker to revision 1");
        assertThat(report.deployments()).containsExactly(
                new DeploymentReport("shop-web", StageOutcome.CANCELLED,
                        "rolled out, but because shop-worker failed; undone to revision 1", 1L, 1L, false, true),
                new DeploymentReport("shop-worker", StageOutcome.FAILED, report.deployments().get(1).reason(), 1L, 1L, false, true));
        assertThat(image("shop-web")).isEqualTo(OLD);
        assertThat(image("shop-worker")).isEqualTo(OLD);
        assertThat(RolloutStatus.isComplete(deployment("shop-worker"))).isTrue();
    }

    @Test
    void aDroppedWatchMidWaitStillCompletes() throws Exception {
        createAvailable("shop-web");
        CompletableFuture<RolloutReport> rolling =
                new RolloutStage(scheduler, watches).roll(client, env("shop-web"), NEVER_READY, Rollout.DEFAULTS, events::add);
        // the new Pods never become ready, so the rollout cannot complete before the watches are dropped
        await().atMost(WAIT).until(() -> !newPods(NEVER_READY).isEmpty()
                && newPods(NEVER_READY).stream().allMatch(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                && notes().stream().anyMatch(n -> n.matches("shop-web: [12]/2 updated.*")));
        int opened = sandbox.watchesOpened();
        try {
            sandbox.dropWatches();
            // the mock API server does not replay what happened while a client was away, so change things only once
            // every watcher (the sandbox's controllers too) has watched again
            int[] last = {opened};
            await().atMost(WAIT).pollDelay(Duration.ofSeconds(2)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                int now = sandbox.watchesOpened();
                boolean settled = now > opened && now == last[0];
                last[0] = now;
                return settled;
            });
            sandbox.kubelet().clearFault(io.mtd.sandbox.SandboxKubelet.repositoryOf(NEVER_READY));
            // Pods keep the fault they started with; their replacements become ready
            newPods(NEVER_READY).forEach(p -> client.pods().inNamespace(namespace).resource(p).delete());

            RolloutReport report = rolling.get(2, TimeUnit.MINUTES);

            assertThat(report.outcome()).as(report.reason()).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(report.deployments().get(0).revisionAfter()).isEqualTo(2L);
            assertThat(sandbox.watchesOpened()).as("the informers watched again").isGreaterThan(opened);
        } finally {
            injectFaults();
        }
    }

    private List<Pod> newPods(String image) {
        return client.pods().inNamespace(namespace).withLabel("app", "shop-web").list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getSpec().getContainers().get(0).getImage().equals(image))
                .toList();
    }

    @Test
    void callbackKubeconfigReachesTheEnvironmentsCluster() throws Exception {
        createAvailable("shop-web");
        AtomicReference<String> seenImage = new AtomicReference<>();
        RolloutCallback callback = target -> {
            try (KubernetesClient fromFile = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(target.kubeconfig()))).build()) {
                seenImage.set(fromFile.apps().deployments().withName("shop-web").get()
                        .getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(null);
        };

        RolloutReport report = new CallbackRollout(callback).roll(client, env("shop-web"), NEW, events::add).get();

        assertThat(report.outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(seenImage.get()).as("the kubeconfig's namespace is the environment's").isEqualTo(OLD);
    }
}
