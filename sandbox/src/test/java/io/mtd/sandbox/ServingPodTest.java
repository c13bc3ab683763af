package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LifecycleBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Deployment's Pods run their container as a process, each on a port of its own, probed, restarted and stopped
 * gracefully, as a kubelet does (with {@code traffic/serve.py}, so python3 is needed).
 */
class ServingPodTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final KubernetesClient client = CLUSTER.client();

    @TempDir
    Path reports;

    @BeforeAll
    static void python() {
        ServeScript.assumePython();
    }

    private List<Pod> pods(String app) {
        return client.pods().withLabel("app", app).list().getItems();
    }

    private static ContainerStatus container(Pod pod) {
        return pod.getStatus().getContainerStatuses().get(0);
    }

    private List<Pod> awaitReady(String app, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<Pod> pods = pods(app);
            return pods.size() == count && pods.stream().allMatch(PodAvailability::isReady);
        });
        return pods(app);
    }

    /** Until {@code app}'s one Pod's container was restarted at least {@code restarts} times, at most 30 s. */
    private void awaitRestarts(String app, int restarts) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<Pod> pods = pods(app);
            return pods.size() == 1 && pods.get(0).getStatus() != null && pods.get(0).getStatus().getContainerStatuses() != null
                    && !pods.get(0).getStatus().getContainerStatuses().isEmpty() && container(pods.get(0)).getRestartCount() >= restarts;
        });
    }

    private List<String> report(Pod pod) throws IOException {
        Path file = reports.resolve(pod.getMetadata().getName());
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void eachPodRunsItsCommandOnAPortOfItsOwnWithItsEnvironmentAndSecrets() throws IOException {
        client.secrets().resource(new SecretBuilder().withNewMetadata().withName("web-db").endMetadata()
                .addToStringData("password", "s3cret").build()).create();
        Deployment d = ServeScript.deployment("ported", 2, Map.of("BIND", "127.0.0.1:$(PORT)")).build();
        d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().add(new EnvVarBuilder().withName("DB_PASSWORD")
                .withNewValueFrom().withNewSecretKeyRef("password", "web-db", false).endValueFrom().build());
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();

        List<Pod> pods = awaitReady("ported", 2);

        assertThat(pods).extracting(ServeScript::hostPort).doesNotHaveDuplicates()
                .allSatisfy(port -> assertThat(port).isNotEqualTo(ServeScript.CONTAINER_PORT));
        for (Pod pod : pods) {
            int port = ServeScript.hostPort(pod);
            assertThat(pod.getStatus().getPodIP()).isEqualTo("127.0.0.1");
            assertThat(pod.getMetadata().getAnnotations()).containsEntry("sandbox.mtd.io/ports", "8000=" + port);
            assertThat(ServeScript.get(port, "/")).isEqualTo("200 " + pod.getMetadata().getName() + " 1");
            assertThat(ServeScript.get(port, "/env/PORT")).isEqualTo("200 " + port);
            assertThat(ServeScript.get(port, "/env/PORT_8000")).isEqualTo("200 " + port);
            assertThat(ServeScript.get(port, "/env/BIND")).isEqualTo("200 127.0.0.1:" + port);
            assertThat(ServeScript.get(port, "/env/HOSTNAME")).isEqualTo("200 " + pod.getMetadata().getName());
            assertThat(ServeScript.get(port, "/env/DB_PASSWORD")).isEqualTo("200 s3cret");
            assertThat(container(pod).getRestartCount()).isZero();
            assertThat(container(pod).getReady()).isTrue();
        }
    }

    @Test
    void aFailingReadinessProbeMakesThePodUnreadyWithoutARestart() {
        Deployment d = ServeScript.deployment("unready", 1, Map.of("UNREADY_AFTER", "2")).build();
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();
        awaitReady("unready", 1);

        await().atMost(Duration.ofSeconds(20)).until(() -> !PodAvailability.isReady(pods("unready").get(0)));

        Pod pod = pods("unready").get(0);
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(container(pod).getReady()).isFalse();
        assertThat(container(pod).getRestartCount()).isZero();
        assertThat(container(pod).getState().getRunning()).isNotNull();
    }

    @Test
    void aFailingLivenessProbeRestartsTheContainer() {
        Deployment d = ServeScript.deployment("unhealthy", 1, Map.of("UNHEALTHY_AFTER", "1")).build();
        d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(1L);
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLivenessProbe(ServeScript.httpProbe("/healthz"));
        client.apps().deployments().resource(d).create();

        awaitRestarts("unhealthy", 2);

        ContainerStatus status = container(pods("unhealthy").get(0));
        assertThat(status.getLastState().getTerminated()).isNotNull();
        // the server exits 0 on SIGTERM, as a graceful server does
        assertThat(status.getLastState().getTerminated().getReason()).isIn("Completed", "Error");
    }

    @Test
    void aLivenessRestartRunsThePreStopHookBeforeItsSigterm() throws IOException {
        Deployment d = ServeScript.deployment("relived", 1, Map.of("UNHEALTHY_AFTER", "1", "REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(10L);
        // probed once the server listens (a probe refused earlier would restart it before it reports anything)
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLivenessProbe(new ProbeBuilder(ServeScript.httpProbe("/healthz"))
                .withInitialDelaySeconds(2).build());
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new LifecycleBuilder()
                .withNewPreStop().withNewExec().withCommand("sh", "-c", "echo prestop >> \"$REPORT_DIR/$HOSTNAME\"")
                .endExec().endPreStop().build());
        client.apps().deployments().resource(d).create();

        awaitRestarts("relived", 1);

        // the first run: its hook, then SIGTERM, then it ends (and is restarted)
        assertThat(report(pods("relived").get(0))).containsSubsequence("listening", "prestop", "sigterm", "exit");
    }

    @Test
    void aPostStartHookRunsBeforeTheContainerCountsAsRunning() throws IOException {
        Deployment d = ServeScript.deployment("poststart", 1, Map.of("REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new LifecycleBuilder()
                .withNewPostStart().withNewExec().withCommand("sh", "-c", "sleep 3; echo poststart-$PORT >> \"$REPORT_DIR/$HOSTNAME\"")
                .endExec().endPostStart().build());
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();

        // the process listens well before its hook returns, yet the container is neither Running nor Ready
        await().atMost(Duration.ofSeconds(20)).until(() -> pods("poststart").size() == 1 && report(pods("poststart").get(0)).contains("listening"));
        Pod starting = pods("poststart").get(0);
        assertThat(report(starting)).doesNotContain("poststart-" + ServeScript.hostPort(starting));
        assertThat(PodAvailability.isReady(starting)).isFalse();
        assertThat(starting.getStatus().getContainerStatuses()).allSatisfy(c -> assertThat(c.getState().getRunning()).isNull());

        Pod pod = awaitReady("poststart", 1).get(0);
        assertThat(report(pod)).containsSubsequence("listening", "poststart-" + ServeScript.hostPort(pod), "ready-ok");
        assertThat(container(pod).getRestartCount()).isZero();
    }

    @Test
    void aFailingPostStartHookKillsTheContainer() throws IOException {
        Deployment d = ServeScript.deployment("badstart", 1, Map.of("REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(2L);
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new LifecycleBuilder()
                .withNewPostStart().withNewExec().withCommand("sh", "-c", "sleep 1; echo no config; exit 1").endExec().endPostStart().build());
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();

        awaitRestarts("badstart", 2);

        Pod pod = pods("badstart").get(0);
        assertThat(PodAvailability.isReady(pod)).isFalse();
        assertThat(report(pod)).containsSubsequence("listening", "sigterm", "exit", "start", "listening", "sigterm")
                .doesNotContain("ready-ok");
        assertThat(client.pods().withName(pod.getMetadata().getName()).getLog()).contains("FailedPostStartHook: ", "no config");
    }

    @Test
    void execProbesDecideReadinessFromTheCommandsExitCode() throws IOException {
        Path flag = reports.resolve("ready-flag");
        Deployment d = ServeScript.deployment("exec", 1, Map.of("READY_FLAG", flag.toString())).build();
        ServeScript.withReadiness(d, new ProbeBuilder().withNewExec().withCommand("sh", "-c", "test -f \"$READY_FLAG\"")
                .endExec().withPeriodSeconds(1).withFailureThreshold(1).withSuccessThreshold(2).build());
        client.apps().deployments().resource(d).create();
        // a Pod the kubelet has not admitted yet has no status at all
        await().atMost(Duration.ofSeconds(20)).until(() -> pods("exec").size() == 1
                && pods("exec").get(0).getStatus() != null && "Running".equals(pods("exec").get(0).getStatus().getPhase()));
        assertThat(PodAvailability.isReady(pods("exec").get(0))).isFalse();

        Files.writeString(flag, "");
        await().atMost(Duration.ofSeconds(20)).until(() -> PodAvailability.isReady(pods("exec").get(0)));

        Files.delete(flag);
        await().atMost(Duration.ofSeconds(20)).until(() -> !PodAvailability.isReady(pods("exec").get(0)));
        assertThat(container(pods("exec").get(0)).getRestartCount()).isZero();
    }

    @Test
    void aDeletedPodGetsSigtermThenSigkillAfterItsGracePeriod() throws IOException {
        Deployment d = ServeScript.deployment("stubborn", 1, Map.of("IGNORE_SIGTERM", "1",
                "REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(5L);
        // ready once it serves: without a readiness probe it would be Ready (and deleted) before python installed its handler
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();
        Pod pod = awaitReady("stubborn", 1).get(0);
        int port = ServeScript.hostPort(pod);

        long deleted = System.nanoTime();
        client.pods().resource(pod).delete();

        await().atMost(Duration.ofSeconds(10)).until(() -> report(pod).contains("sigterm"));
        Pod terminating = client.pods().resource(pod).get();
        assertThat(terminating).isNotNull();
        assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
        // SIGTERM ignored: the process still serves until SIGKILL
        assertThat(ServeScript.get(port, "/")).startsWith("200 ");
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().resource(pod).get() == null);
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(report(pod)).doesNotContain("exit");
        assertThat(freePort(port)).as("the killed process no longer listens").isTrue();
    }

    @Test
    void aGracefulServerEndsOnSigtermWellBeforeItsGracePeriod() throws IOException {
        Deployment d = ServeScript.deployment("graceful", 1, Map.of("REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(60L);
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();
        Pod pod = awaitReady("graceful", 1).get(0);

        long deleted = System.nanoTime();
        client.pods().resource(pod).delete();

        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().resource(pod).get() == null);
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).isLessThan(Duration.ofSeconds(30));
        assertThat(report(pod)).containsSubsequence("listening", "sigterm", "exit");
        await().atMost(Duration.ofSeconds(20)).until(() -> pods("graceful").size() == 1
                && PodAvailability.isReady(pods("graceful").get(0)));
    }

    @Test
    void aPreStopSleepKeepsThePodServingBeforeItsSigterm() throws IOException {
        Deployment d = ServeScript.deployment("sleeper", 1, Map.of("REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(30L);
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new LifecycleBuilder()
                .withNewPreStop().withNewSleep(4L).endPreStop().build());
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();
        Pod pod = awaitReady("sleeper", 1).get(0);
        int port = ServeScript.hostPort(pod);

        long deleted = System.nanoTime();
        client.pods().resource(pod).delete();

        // out of the Service's rotation, but the process still answers what it was sent: no SIGTERM yet
        await().atMost(Duration.ofSeconds(3)).until(() -> client.pods().resource(pod).get().getMetadata().getDeletionTimestamp() != null);
        assertThat(ServeScript.get(port, "/")).startsWith("200 ");
        assertThat(report(pod)).doesNotContain("sigterm");
        await().atMost(Duration.ofSeconds(20)).until(() -> report(pod).contains("sigterm"));
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().resource(pod).get() == null);
        assertThat(report(pod)).containsSubsequence("listening", "sigterm", "exit");
    }

    @Test
    void anExecPreStopHookRunsInTheContainersEnvironmentBeforeItsSigterm() throws IOException {
        Deployment d = ServeScript.deployment("hooked", 1, Map.of("REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new LifecycleBuilder()
                .withNewPreStop().withNewExec().withCommand("sh", "-c", "sleep 1; echo prestop-$PORT >> \"$REPORT_DIR/$HOSTNAME\"")
                .endExec().endPreStop().build());
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();
        Pod pod = awaitReady("hooked", 1).get(0);
        int port = ServeScript.hostPort(pod);

        client.pods().resource(pod).delete();

        await().atMost(Duration.ofSeconds(20)).until(() -> client.pods().resource(pod).get() == null);
        assertThat(report(pod)).containsSubsequence("listening", "prestop-" + port, "sigterm", "exit");
    }

    @Test
    void aPreStopHookThatOutlastsTheGracePeriodIsCutShortBySigterm() throws IOException {
        Deployment d = ServeScript.deployment("overlong", 1, Map.of("REPORT_DIR", reports.toString())).build();
        d.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(2L);
        d.getSpec().getTemplate().getSpec().getContainers().get(0).setLifecycle(new LifecycleBuilder()
                .withNewPreStop().withNewSleep(120L).endPreStop().build());
        client.apps().deployments().resource(ServeScript.withReadiness(d, ServeScript.httpProbe("/ready"))).create();
        Pod pod = awaitReady("overlong", 1).get(0);

        long deleted = System.nanoTime();
        client.pods().resource(pod).delete();

        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().resource(pod).get() == null);
        // the grace period, then the kubelet's short extension after a hook that used it up
        assertThat(Duration.ofNanos(System.nanoTime() - deleted)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(20));
        assertThat(report(pod)).containsSubsequence("listening", "sigterm", "exit");
    }

    private static boolean freePort(int port) {
        try (java.net.Socket ignored = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
