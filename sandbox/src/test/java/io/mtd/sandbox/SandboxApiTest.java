package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SandboxApiTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final Sandbox sandbox = CLUSTER.sandbox();

    @Test
    void informerSurvivesDroppedWatchesAndSeesLaterChanges() {
        try (KubernetesClient client = sandbox.client()) {
            Set<String> seen = ConcurrentHashMap.newKeySet();
            SharedIndexInformer<ConfigMap> informer = client.configMaps().inform(new ResourceEventHandler<ConfigMap>() {
                @Override
                public void onAdd(ConfigMap cm) {
                    seen.add(cm.getMetadata().getName());
                }

                @Override
                public void onUpdate(ConfigMap oldCm, ConfigMap cm) {
                    seen.add(cm.getMetadata().getName());
                }

                @Override
                public void onDelete(ConfigMap cm, boolean unknown) {
                }
            });
            client.configMaps().resource(configMap("before")).create();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("before"));
            int opened = sandbox.watchesOpened();

            sandbox.dropWatches();

            await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.watchesOpened() > opened);
            client.configMaps().resource(configMap("after")).create();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("after"));
            assertThat(informer.isWatching()).isTrue();
            informer.close();
        }
    }

    @Test
    void plainWatcherNeverSilentlyMissesADeletionMadeWhileItsWatchWasDropped() {
        try (KubernetesClient client = sandbox.client()) {
            Set<String> seen = ConcurrentHashMap.newKeySet();
            client.secrets().resource(secret("victim")).create();
            Watch watch = client.secrets().watch(new Watcher<Secret>() {
                @Override
                public void eventReceived(Action action, Secret secret) {
                    seen.add(action + " " + secret.getMetadata().getName());
                }

                @Override
                public void onClose(WatcherException cause) {
                    seen.add("closed: " + cause.getMessage());
                }
            });
            try {
                client.secrets().resource(secret("first")).create();
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("ADDED first"));

                sandbox.dropWatches();
                client.secrets().withName("victim").delete();

                // Either the re-opened watch reports the deletion, or the watcher is told its resourceVersion is gone and
                // must relist, as a real API server would; silently resuming without the deletion is the failure.
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("DELETED victim")
                        || seen.stream().anyMatch(e -> e.startsWith("closed: ") && e.contains("too old resource version")));
            } finally {
                watch.close();
            }
        }
    }

    @Test
    void strategicMergePatchMergesListsByTheirKey() {
        try (KubernetesClient client = sandbox.client()) {
            client.pods().resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("patched")
                    .endMetadata().withNewSpec()
                    .addNewContainer().withName("a").withImage("x/a:1").addNewEnv().withName("KEEP").withValue("1").endEnv()
                    .addNewEnv().withName("CHANGE").withValue("old").endEnv().endContainer()
                    .addNewContainer().withName("b").withImage("x/b:1").endContainer()
                    .endSpec().build()).create();

            client.pods().withName("patched").patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                    "{\"metadata\":{\"labels\":{\"tier\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x/a:2\","
                            + "\"env\":[{\"name\":\"CHANGE\",\"value\":\"new\"}]}]}}");

            io.fabric8.kubernetes.api.model.Pod pod = client.pods().withName("patched").get();
            assertThat(pod.getMetadata().getLabels()).containsEntry("tier", "web");
            assertThat(pod.getSpec().getContainers()).extracting(c -> c.getName() + "=" + c.getImage())
                    .containsExactly("a=x/a:2", "b=x/b:1");
            assertThat(pod.getSpec().getContainers().get(0).getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
                    .containsExactly("KEEP=1", "CHANGE=new");
        }
    }

    @Test
    void aSecretsStringDataIsFoldedIntoDataOnEveryWriteAsTheApiServerDoes() {
        try (KubernetesClient client = sandbox.client()) {
            client.secrets().resource(new SecretBuilder().withNewMetadata().withName("folded").endMetadata()
                    .addToData("url", b64("postgres://db")).addToData("password", b64("from-data"))
                    .addToStringData("password", "from-stringData").addToStringData("user", "shop").build()).create();

            Secret created = client.secrets().withName("folded").get();
            assertThat(created.getStringData()).isNullOrEmpty();
            assertThat(created.getData()).containsEntry("url", b64("postgres://db"))
                    .containsEntry("password", b64("from-stringData")) // stringData wins, as on a real cluster
                    .containsEntry("user", b64("shop"));

            client.secrets().withName("folded").edit(s -> new SecretBuilder(s).addToStringData("user", "replaced").build());
            assertThat(client.secrets().withName("folded").get().getData()).containsEntry("user", b64("replaced"));

            client.secrets().withName("folded").patch(PatchContext.of(PatchType.JSON_MERGE), "{\"stringData\":{\"user\":\"merged\"}}");
            Secret patched = client.secrets().withName("folded").get();
            assertThat(patched.getStringData()).isNullOrEmpty();
            assertThat(patched.getData()).containsEntry("user", b64("merged")).containsEntry("url", b64("postgres://db"));

            client.secrets().resource(new SecretBuilder(patched).withStringData(java.util.Map.of("url", "postgres://other")).build())
                    .update();
            assertThat(client.secrets().withName("folded").get().getData()).containsEntry("url", b64("postgres://other"))
                    .containsEntry("user", b64("merged"));

            client.secrets().withName("folded").patch(PatchContext.of(PatchType.STRATEGIC_MERGE), "{\"stringData\":{\"user\":\"strategic\"}}");
            Secret strategic = client.secrets().withName("folded").get();
            assertThat(strategic.getStringData()).isNullOrEmpty();
            assertThat(strategic.getData()).containsEntry("user", b64("strategic")).containsEntry("url", b64("postgres://other"));
        }
    }

    private static String b64(String value) {
        return java.util.Base64.getEncoder().encodeToString(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void kubeconfigReachesTheSandbox(@TempDir Path dir) throws Exception {
        Path file = sandbox.writeKubeconfig(dir.resolve("kube/config"));

        String yaml = Files.readString(file);
        assertThat(yaml).contains("current-context: sandbox").contains(sandbox.config().getMasterUrl().replaceAll("/+$", ""));
        io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(yaml);
        try (KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
            client.configMaps().resource(configMap("via-kubeconfig")).create();
            assertThat(client.configMaps().withName("via-kubeconfig").get()).isNotNull();
            assertThat(client.getKubernetesVersion().getGitVersion()).startsWith("v1.");
        }
    }

    @Test
    void logOfAPodThatNeverStartedIsABadRequest() {
        sandbox.kubelet().injectFault("x/never", Fault.UNSCHEDULABLE);
        try (KubernetesClient client = sandbox.client()) {
            client.pods().resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("lonely")
                    .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("x/never:1").endContainer().endSpec()
                    .build()).create();

            assertThatThrownBy(() -> client.pods().withName("lonely").getLog())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(400))
                    .hasMessageContaining("container \"c\" in pod \"lonely\" is waiting to start: ContainerCreating");
            assertThatThrownBy(() -> client.pods().withName("nobody").getLog())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(404));
        } finally {
            sandbox.kubelet().clearFaults();
        }
    }

    private static Secret secret(String name) {
        return new SecretBuilder().withNewMetadata().withName(name).endMetadata().addToStringData("k", "v").build();
    }

    private static ConfigMap configMap(String name) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).endMetadata().addToData("k", "v").build();
    }
}
