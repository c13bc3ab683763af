package io.mtd.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mtd.plan.Environment;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RolloutReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CallbackRolloutTest {

    private static final String IMAGE = "registry.example.com/shop@sha256:" + "a".repeat(64);
    private static final String TOKEN = "s3cr3t-token-value";
    private static final String CA = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==";

    private final Environment staging = Environment.of("staging", "shop-staging", List.of("shop-web"));
    private KubernetesClient client;

    @BeforeEach
    void client() {
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("https://kube.example.com:6443")
                .withOauthToken(TOKEN)
                .withCaCertData(CA)
                .withNamespace("default")
                .build();
        client = new KubernetesClientBuilder().withConfig(config).build();
    }

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    void callbackGetsTheTargetAndAKubeconfigThatExistsOnlyWhileItRuns() throws Exception {
        AtomicReference<RolloutCallback.Target> seen = new AtomicReference<>();
        AtomicReference<String> contents = new AtomicReference<>();
        AtomicReference<Set<PosixFilePermission>> permissions = new AtomicReference<>();
        RolloutCallback callback = target -> {
            seen.set(target);
            try {
                contents.set(Files.readString(target.kubeconfig()));
                permissions.set(Files.getPosixFilePermissions(target.kubeconfig()));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(null);
        };

        RolloutReport report = new CallbackRollout(callback).roll(client, staging, IMAGE, null).get();

        assertThat(report.mode()).isEqualTo("callback");
        assertThat(report.outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(seen.get().environment()).isEqualTo("staging");
        assertThat(seen.get().namespace()).isEqualTo("shop-staging");
        assertThat(seen.get().image()).isEqualTo(IMAGE);
        assertThat(seen.get().kubeconfig()).doesNotExist();
        assertThat(permissions.get()).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

        io.fabric8.kubernetes.api.model.Config kubeconfig =
                client.getKubernetesSerialization().unmarshal(contents.get(), io.fabric8.kubernetes.api.model.Config.class);
        NamedContext context = kubeconfig.getContexts().stream()
                .filter(c -> c.getName().equals(kubeconfig.getCurrentContext())).findFirst().orElseThrow();
        assertThat(context.getContext().getNamespace()).isEqualTo("shop-staging");
        NamedCluster cluster = kubeconfig.getClusters().stream()
                .filter(c -> c.getName().equals(context.getContext().getCluster())).findFirst().orElseThrow();
        assertThat(cluster.getCluster().getServer()).startsWith("https://kube.example.com:6443");
        assertThat(cluster.getCluster().getCertificateAuthorityData()).isEqualTo(CA);
        NamedAuthInfo user = kubeconfig.getUsers().stream()
                .filter(u -> u.getName().equals(context.getContext().getUser())).findFirst().orElseThrow();
        assertThat(user.getUser().getToken()).isEqualTo(TOKEN);
    }

    @Test
    void kubeconfigIsReadableByFabric8AsAClusterConfiguration() throws Exception {
        AtomicReference<Config> loaded = new AtomicReference<>();
        RolloutCallback callback = target -> {
            try {
                loaded.set(Config.fromKubeconfig(Files.readString(target.kubeconfig())));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
            return CompletableFuture.completedFuture(null);
        };

        new CallbackRollout(callback).roll(client, staging, IMAGE, null).get();

        assertThat(loaded.get().getMasterUrl()).startsWith("https://kube.example.com:6443");
        assertThat(loaded.get().getNamespace()).isEqualTo("shop-staging");
        // fabric8 keeps a kubeconfig's token as the "auto" token, refreshed from the file
        assertThat(loaded.get().getOauthToken() != null ? loaded.get().getOauthToken() : loaded.get().getAutoOAuthToken())
                .isEqualTo(TOKEN);
    }

    @Test
    void exceptionallyCompletedCallbackIsAFailedReportAndTheKubeconfigIsDeleted() throws Exception {
        AtomicReference<Path> kubeconfig = new AtomicReference<>();
        RolloutCallback callback = target -> {
            kubeconfig.set(target.kubeconfig());
            return CompletableFuture.failedFuture(new IllegalStateException("helm upgrade failed: timed out waiting for the condition"));
        };

        RolloutReport report = new CallbackRollout(callback).roll(client, staging, IMAGE, null).get();

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.mode()).isEqualTo("callback");
        assertThat(report.reason()).contains("helm upgrade failed: timed out waiting for the condition");
        assertThat(kubeconfig.get()).doesNotExist();
    }

    @Test
    void callbackThatThrowsIsAFailedReportAndTheKubeconfigIsDeleted() throws Exception {
        AtomicReference<Path> kubeconfig = new AtomicReference<>();
        RolloutCallback callback = target -> {
            kubeconfig.set(target.kubeconfig());
            throw new IllegalArgumentException("no such chart: shop");
        };

        RolloutReport report = new CallbackRollout(callback).roll(client, staging, IMAGE, null).get();

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.reason()).contains("no such chart: shop");
        assertThat(kubeconfig.get()).isNotNull().doesNotExist();
    }

    @Test
    void commandHookSeesTheTargetInItsEnvironmentAndStreamsItsOutput() throws Exception {
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        CommandRolloutCallback hook = new CommandRolloutCallback(
                "echo \"env=$MTD_ENVIRONMENT ns=$MTD_NAMESPACE image=$MTD_IMAGE\"; "
                        + "test -f \"$KUBECONFIG\" && echo \"kubeconfig=$KUBECONFIG\"; echo to-stderr >&2",
                null, events::add);

        RolloutReport report = new CallbackRollout(hook).roll(client, staging, IMAGE, events::add).get();

        assertThat(report.outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        List<String> lines = events.stream().filter(e -> e instanceof ProgressEvent.LogLine)
                .map(e -> (ProgressEvent.LogLine) e)
                .peek(l -> {
                    assertThat(l.stage()).isEqualTo(Stage.ROLLOUT);
                    assertThat(l.environment()).isEqualTo("staging");
                    assertThat(l.source()).isEqualTo("hook");
                })
                .map(ProgressEvent.LogLine::line).toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("env=staging ns=shop-staging image=" + IMAGE);
        assertThat(lines.get(1)).startsWith("kubeconfig=");
        assertThat(lines.get(2)).isEqualTo("to-stderr");
        assertThat(Path.of(lines.get(1).substring("kubeconfig=".length()))).doesNotExist();
    }

    @Test
    void failingCommandHookIsAFailedReportNamingItsExitCode() throws Exception {
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        CommandRolloutCallback hook = new CommandRolloutCallback("echo deploying; exit 3", null, events::add);

        RolloutReport report = new CallbackRollout(hook).roll(client, staging, IMAGE, events::add).get();

        assertThat(report.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(report.mode()).isEqualTo("callback");
        assertThat(report.reason()).contains("exited with code 3");
        assertThat(events).contains(new ProgressEvent.LogLine(Stage.ROLLOUT, "staging", "hook", "deploying"));
    }

    @Test
    void kubeconfigCarriesClientCertificatesWhenTheClientUsesThem() {
        Config config = new ConfigBuilder(Config.empty())
                .withMasterUrl("https://kube.example.com:6443")
                .withClientCertData("Y2VydA==")
                .withClientKeyData("a2V5")
                .build();

        io.fabric8.kubernetes.api.model.Config model = TemporaryKubeconfig.model(config, "shop");

        assertThat(model.getUsers().get(0).getUser().getClientCertificateData()).isEqualTo("Y2VydA==");
        assertThat(model.getUsers().get(0).getUser().getClientKeyData()).isEqualTo("a2V5");
        assertThat(model.getUsers().get(0).getUser().getToken()).isNull();
        assertThat(model.getContexts().get(0).getContext().getNamespace()).isEqualTo("shop");
    }

    @Test
    void cancellingTheRolloutStopsTheHookAndDeletesTheKubeconfig() throws Exception {
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        CommandRolloutCallback hook = new CommandRolloutCallback("echo \"$$ $KUBECONFIG\"; exec sleep 300", null, events::add);
        CompletableFuture<RolloutReport> rolling = new CallbackRollout(hook).roll(client, staging, IMAGE, events::add);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> events.stream().anyMatch(e -> e instanceof ProgressEvent.LogLine));
        String[] started = ((ProgressEvent.LogLine) events.stream().filter(e -> e instanceof ProgressEvent.LogLine)
                .findFirst().orElseThrow()).line().split(" ");
        long pid = Long.parseLong(started[0]);

        rolling.cancel(true);

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true) && !Files.exists(Path.of(started[1])));
    }

    @Test
    void aRolloutEndedFromOutsideHasCancelledTheCallbackBeforeAnyoneHearsOfTheEnd() {
        CompletableFuture<Void> never = new CompletableFuture<>();
        CompletableFuture<RolloutReport> rollout = new CallbackRollout(t -> never).roll(client, staging, IMAGE, null);
        AtomicReference<Boolean> cancelledWhenHeard = new AtomicReference<>();
        // registered last, so it runs first: the callback must already be stopped then (the run's report follows from it)
        rollout.whenComplete((r, e) -> cancelledWhenHeard.set(never.isCancelled()));

        rollout.completeExceptionally(new java.util.concurrent.TimeoutException("the rollout took longer than 1s"));

        assertThat(cancelledWhenHeard.get()).isTrue();
        assertThat(rollout).isCompletedExceptionally();
        assertThat(rollout.handle((r, e) -> e).join()).isInstanceOf(java.util.concurrent.TimeoutException.class);
    }
}
