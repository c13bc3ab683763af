package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class SandboxJobTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final Sandbox sandbox = CLUSTER.sandbox();
    private final KubernetesClient client = CLUSTER.client();

    static Job job(String name, String script) {
        return new JobBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("main").withImage("registry.example.com/shop:1.0").withCommand("sh", "-c", script)
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    private Job awaitCondition(String name, String type) {
        await().atMost(Duration.ofSeconds(10)).until(() -> condition(client.batch().v1().jobs().withName(name).get(), type) != null);
        return client.batch().v1().jobs().withName(name).get();
    }

    static JobCondition condition(Job job, String type) {
        if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        return job.getStatus().getConditions().stream().filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst().orElse(null);
    }

    private List<Pod> podsOf(String job) {
        return client.pods().withLabel("job-name", job).list().getItems();
    }

    @Test
    void jobThatExitsZeroCompletesAndItsLogReadsItsOutput() {
        client.batch().v1().jobs().resource(job("hello", "echo hi; exit 0")).create();

        Job done = awaitCondition("hello", "Complete");

        assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
        assertThat(done.getStatus().getCompletionTime()).isNotNull();
        assertThat(done.getStatus().getStartTime()).isNotNull();
        List<Pod> pods = podsOf("hello");
        assertThat(pods).hasSize(1);
        Pod pod = pods.get(0);
        assertThat(pod.getMetadata().getName()).matches("hello-[a-z0-9]{5}");
        assertThat(pod.getMetadata().getLabels()).containsEntry("batch.kubernetes.io/job-name", "hello")
                .containsEntry("controller-uid", done.getMetadata().getUid());
        assertThat(pod.getMetadata().getOwnerReferences().get(0).getUid()).isEqualTo(done.getMetadata().getUid());
        assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason()).isEqualTo("Completed");
        assertThat(client.pods().withName(pod.getMetadata().getName()).getLog()).isEqualTo("hi\n");
        assertThat(client.batch().v1().jobs().withName("hello").getLog()).isEqualTo("hi\n");
        assertThat(done.getSpec().getSelector().getMatchLabels()).containsEntry("batch.kubernetes.io/job-name", "hello");
    }

    @Test
    void failingJobIsRetriedUntilItsBackoffLimitIsExceeded() {
        Job job = job("fails", "echo attempt; exit 3");
        job.getSpec().setBackoffLimit(1);
        client.batch().v1().jobs().resource(job).create();

        Job failed = awaitCondition("fails", "Failed");

        JobCondition condition = condition(failed, "Failed");
        assertThat(condition.getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(condition.getMessage()).isEqualTo("Job has reached the specified backoff limit");
        assertThat(failed.getStatus().getFailed()).isEqualTo(2);
        assertThat(condition(failed, "Complete")).isNull();
        List<Pod> pods = podsOf("fails");
        assertThat(pods).hasSize(2);
        for (Pod pod : pods) {
            assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
            assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(3);
            assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason()).isEqualTo("Error");
            assertThat(client.pods().withName(pod.getMetadata().getName()).getLog()).isEqualTo("attempt\n");
        }
    }

    @Test
    void backoffLimitZeroFailsOnTheFirstPodFailure() {
        client.batch().v1().jobs().resource(job("once", "exit 1")).create();

        Job failed = awaitCondition("once", "Failed");

        assertThat(failed.getStatus().getFailed()).isEqualTo(1);
        assertThat(podsOf("once")).hasSize(1);
    }

    @Test
    void jobActiveLongerThanItsDeadlineIsFailedAndItsPodKilled() {
        Job job = job("slow", "echo started; exec sleep 60");
        job.getSpec().setActiveDeadlineSeconds(1L);
        client.batch().v1().jobs().resource(job).create();

        Job failed = awaitCondition("slow", "Failed");

        assertThat(condition(failed, "Failed").getReason()).isEqualTo("DeadlineExceeded");
        assertThat(condition(failed, "Failed").getMessage()).isEqualTo("Job was active longer than specified deadline");
        await().atMost(Duration.ofSeconds(5)).until(() -> "Failed".equals(podsOf("slow").get(0).getStatus().getPhase()));
        assertThat(podsOf("slow").get(0).getStatus().getReason()).isEqualTo("DeadlineExceeded");
    }

    @Test
    void imagePullBackOffKeepsThePodPendingAndTheJobRunning() {
        sandbox.kubelet().injectFault("registry.example.com/nopull", Fault.IMAGE_PULL_BACKOFF);
        Job job = job("nopull", "exit 0");
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/nopull@sha256:abc");
        client.batch().v1().jobs().resource(job).create();

        ContainerStatus status = awaitWaiting("nopull", "ImagePullBackOff");

        assertThat(status.getState().getWaiting().getMessage())
                .isEqualTo("Back-off pulling image \"registry.example.com/nopull@sha256:abc\"");
        assertThat(podsOf("nopull").get(0).getStatus().getPhase()).isEqualTo("Pending");
        Job running = client.batch().v1().jobs().withName("nopull").get();
        assertThat(running.getStatus().getActive()).isEqualTo(1);
        assertThat(condition(running, "Failed")).isNull();
    }

    @Test
    void clearingOneRepositorysFaultKeepsTheOthers() {
        sandbox.kubelet().injectFault("registry.example.com/cleared", Fault.UNSCHEDULABLE);
        sandbox.kubelet().injectFault("registry.example.com/kept", Fault.UNSCHEDULABLE);

        sandbox.kubelet().clearFault("registry.example.com/cleared");

        Job cleared = job("cleared", "exit 0");
        cleared.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/cleared:1");
        client.batch().v1().jobs().resource(cleared).create();
        Job kept = job("kept", "exit 0");
        kept.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/kept:1");
        client.batch().v1().jobs().resource(kept).create();
        awaitCondition("cleared", "Complete");
        await().atMost(Duration.ofSeconds(10)).until(() -> podCondition("kept", "PodScheduled") != null);
        assertThat(podCondition("kept", "PodScheduled").getReason()).isEqualTo("Unschedulable");
    }

    @Test
    void unschedulablePodStaysPendingWithThePodScheduledReason() {
        sandbox.kubelet().injectFault("registry.example.com/big", Fault.UNSCHEDULABLE);
        Job job = job("big", "exit 0");
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/big:2");
        client.batch().v1().jobs().resource(job).create();

        await().atMost(Duration.ofSeconds(10)).until(() -> podCondition("big", "PodScheduled") != null);

        PodCondition scheduled = podCondition("big", "PodScheduled");
        assertThat(scheduled.getStatus()).isEqualTo("False");
        assertThat(scheduled.getReason()).isEqualTo("Unschedulable");
        assertThat(scheduled.getMessage()).isEqualTo("0/1 nodes are available: 1 Insufficient memory.");
        assertThat(podsOf("big").get(0).getStatus().getPhase()).isEqualTo("Pending");
    }

    @Test
    void oomKilledContainerTerminatesWithExitCode137() {
        sandbox.kubelet().injectFault("registry.example.com/hungry", Fault.OOM_KILLED);
        Job job = job("hungry", "exec sleep 60");
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/hungry:1");
        client.batch().v1().jobs().resource(job).create();

        Job failed = awaitCondition("hungry", "Failed");

        Pod pod = podsOf("hungry").get(0);
        assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getReason()).isEqualTo("OOMKilled");
        assertThat(pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode()).isEqualTo(137);
        assertThat(condition(failed, "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
    }

    @Test
    void evictedPodFailsWithTheEvictionReason() {
        sandbox.kubelet().injectFault("registry.example.com/evicted", Fault.EVICTED);
        Job job = job("evicted", "exec sleep 60");
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/evicted:1");
        client.batch().v1().jobs().resource(job).create();

        awaitCondition("evicted", "Failed");

        Pod pod = podsOf("evicted").get(0);
        assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(pod.getStatus().getReason()).isEqualTo("Evicted");
        assertThat(pod.getStatus().getMessage()).isEqualTo("The node was low on resource: memory.");
    }

    @Test
    void missingSecretIsACreateContainerConfigError() {
        Job job = job("nosecret", "exit 0");
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setEnvFrom(List.of(
                new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withNewSecretRef().withName("shop-db").endSecretRef().build()));
        client.batch().v1().jobs().resource(job).create();

        ContainerStatus status = awaitWaiting("nosecret", "CreateContainerConfigError");

        assertThat(status.getState().getWaiting().getMessage()).isEqualTo("secret \"shop-db\" not found");
        assertThat(podsOf("nosecret").get(0).getStatus().getPhase()).isEqualTo("Pending");
        String pod = podsOf("nosecret").get(0).getMetadata().getName();
        assertThatThrownBy(() -> client.pods().withName(pod).getLog())
                .hasMessageContaining("container \"main\" in pod \"" + pod + "\" is waiting to start: CreateContainerConfigError");
    }

    @Test
    void podStartsOnceTheMissingSecretIsCreated() {
        Job job = job("latesecret", "echo $TOKEN");
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(
                new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("TOKEN").withNewValueFrom()
                        .withNewSecretKeyRef().withName("late").withKey("token").endSecretKeyRef().endValueFrom().build()));
        client.batch().v1().jobs().resource(job).create();
        awaitWaiting("latesecret", "CreateContainerConfigError");

        client.secrets().resource(new SecretBuilder().withNewMetadata().withName("late").endMetadata()
                .addToStringData("token", "t0k3n").build()).create();

        awaitCondition("latesecret", "Complete");
        assertThat(client.pods().withName(podsOf("latesecret").get(0).getMetadata().getName()).getLog()).isEqualTo("t0k3n\n");
    }

    @Test
    void deadlineAlsoFailsAJobWhosePodNeverStarted() {
        sandbox.kubelet().injectFault("registry.example.com/stuck", Fault.IMAGE_PULL_BACKOFF);
        Job job = job("stuck", "exit 0");
        job.getSpec().setActiveDeadlineSeconds(1L);
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/stuck:1");
        client.batch().v1().jobs().resource(job).create();

        Job failed = awaitCondition("stuck", "Failed");

        assertThat(condition(failed, "Failed").getReason()).isEqualTo("DeadlineExceeded");
        await().atMost(Duration.ofSeconds(5)).until(() -> "Failed".equals(podsOf("stuck").get(0).getStatus().getPhase()));
    }

    @Test
    void missingSecretKeyIsACreateContainerConfigError() {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("shop-staging").endMetadata().build()).create();
        client.secrets().inNamespace("shop-staging").resource(new SecretBuilder().withNewMetadata().withName("shop-db")
                .endMetadata().addToData("password", b64("s3cret")).build()).create();
        Job job = job("nokey", "exit 0");
        job.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(List.of(
                new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("DATABASE_URL").withNewValueFrom()
                        .withNewSecretKeyRef().withName("shop-db").withKey("url").endSecretKeyRef().endValueFrom().build()));
        client.batch().v1().jobs().inNamespace("shop-staging").resource(job).create();

        await().atMost(Duration.ofSeconds(10)).until(() -> waitingReason("shop-staging", "nokey") != null);

        ContainerStatus status = client.pods().inNamespace("shop-staging").withLabel("job-name", "nokey").list().getItems()
                .get(0).getStatus().getContainerStatuses().get(0);
        assertThat(status.getState().getWaiting().getReason()).isEqualTo("CreateContainerConfigError");
        assertThat(status.getState().getWaiting().getMessage()).isEqualTo("couldn't find key url in Secret shop-staging/shop-db");
    }

    @Test
    void envFromSecretsAndConfigMapsReachesTheProcess() {
        client.secrets().resource(new SecretBuilder().withNewMetadata().withName("app-db").endMetadata()
                .addToData("DB_PASSWORD", b64("pw-from-data")).addToStringData("DB_USER", "user-from-stringData").build()).create();
        client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("app-config").endMetadata()
                .addToData("mode", "strict").build()).create();
        Job job = job("envs", "echo \"$APP_DB_PASSWORD $APP_DB_USER $MODE $PLAIN $OPTIONAL.\"");
        var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        container.setEnvFrom(List.of(new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withPrefix("APP_")
                .withNewSecretRef().withName("app-db").endSecretRef().build()));
        container.setEnv(List.of(
                new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("MODE").withNewValueFrom().withNewConfigMapKeyRef()
                        .withName("app-config").withKey("mode").endConfigMapKeyRef().endValueFrom().build(),
                new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("PLAIN").withValue("plain").build(),
                new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("OPTIONAL").withNewValueFrom().withNewSecretKeyRef()
                        .withName("absent").withKey("k").withOptional(true).endSecretKeyRef().endValueFrom().build()));
        client.batch().v1().jobs().resource(job).create();

        awaitCondition("envs", "Complete");

        assertThat(client.pods().withName(podsOf("envs").get(0).getMetadata().getName()).getLog())
                .isEqualTo("pw-from-data user-from-stringData strict plain .\n");
    }

    @Test
    void followedLogStreamsLinesWhileTheProcessRuns(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        client.batch().v1().jobs().resource(job("follow",
                "echo first; while [ ! -f " + go + " ]; do sleep 0.05; done; echo second")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> !podsOf("follow").isEmpty()
                && "Running".equals(podsOf("follow").get(0).getStatus().getPhase()));
        String pod = podsOf("follow").get(0).getMetadata().getName();

        try (LogWatch watch = client.pods().withName(pod).watchLog();
                BufferedReader lines = new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8))) {
            // The process cannot print "second" (nor end) before this test has read "first".
            assertThat(lines.readLine()).isEqualTo("first");
            Files.createFile(go);
            assertThat(lines.readLine()).isEqualTo("second");
            assertThat(lines.readLine()).isNull();
        }
        awaitCondition("follow", "Complete");
    }

    @Test
    void jobLevelWatchLogStreamsLive(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        client.batch().v1().jobs().resource(job("reader",
                "echo ready; while [ ! -f " + go + " ]; do sleep 0.05; done; echo done; exit 4")).create();
        // fabric8 gives no reader while the Job has no Pod yet, as against a real cluster.
        await().atMost(Duration.ofSeconds(10)).until(() -> !podsOf("reader").isEmpty());

        try (LogWatch watch = client.batch().v1().jobs().withName("reader").watchLog();
                BufferedReader lines = new BufferedReader(new InputStreamReader(watch.getOutput(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo("ready");
            Files.createFile(go);
            assertThat(lines.readLine()).isEqualTo("done");
            assertThat(lines.readLine()).isNull();
        }
        assertThat(condition(awaitCondition("reader", "Failed"), "Failed").getReason()).isEqualTo("BackoffLimitExceeded");
    }

    @Test
    void configMapVolumePathsAreRewrittenToTheHostDirectory() {
        client.configMaps().resource(new ConfigMapBuilder().withNewMetadata().withName("migrations").endMetadata()
                .addToData("V1__init.sql", "create table t(id int);").addToData("ignored", "x").build()).create();
        Job job = job("volumes", "cat /flyway/sql/V1__init.sql; echo; ls /flyway/sql; echo $SQL_DIR; pwd");
        var spec = job.getSpec().getTemplate().getSpec();
        spec.setVolumes(List.of(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("sql").withNewConfigMap()
                .withName("migrations").addNewItem().withKey("V1__init.sql").withPath("V1__init.sql").endItem().endConfigMap()
                .build(),
                new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("scratch").withNewEmptyDir().endEmptyDir().build()));
        var container = spec.getContainers().get(0);
        container.setVolumeMounts(List.of(
                new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("sql").withMountPath("/flyway/sql").build(),
                new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("scratch").withMountPath("/scratch").build()));
        container.setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("SQL_DIR")
                .withValue("/flyway/sql").build()));
        container.setWorkingDir("/scratch");
        client.batch().v1().jobs().resource(job).create();

        awaitCondition("volumes", "Complete");

        String log = client.pods().withName(podsOf("volumes").get(0).getMetadata().getName()).getLog();
        String[] lines = log.split("\n");
        assertThat(lines[0]).isEqualTo("create table t(id int);");
        assertThat(lines[1]).isEqualTo("V1__init.sql");
        assertThat(lines[2]).endsWith("/volumes/sql").doesNotStartWith("/flyway");
        assertThat(lines[3]).endsWith("/volumes/scratch");
        assertThat(lines).hasSize(4);
    }

    @Test
    void deletingAJobDeletesItsPodsAndKillsTheirProcesses(@TempDir Path dir) throws Exception {
        Path alive = dir.resolve("alive");
        client.batch().v1().jobs().resource(job("doomed", "while true; do touch " + alive + "; sleep 0.05; done")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(alive));

        client.batch().v1().jobs().withName("doomed").delete();

        await().atMost(Duration.ofSeconds(10)).until(() -> podsOf("doomed").isEmpty());
        // Once the process is dead nobody recreates the file.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Files.deleteIfExists(alive);
            Thread.sleep(200);
            return !Files.exists(alive);
        });
    }

    @Test
    void finishedJobIsDeletedAfterItsTtl() {
        Job job = job("shortlived", "exit 0");
        job.getSpec().setTtlSecondsAfterFinished(0);
        client.batch().v1().jobs().resource(job).create();

        await().atMost(Duration.ofSeconds(10)).until(() -> client.batch().v1().jobs().withName("shortlived").get() == null);
        await().atMost(Duration.ofSeconds(10)).until(() -> podsOf("shortlived").isEmpty());
    }

    @Test
    void aJobWhoseServiceAccountIsMissingHasNoPodUntilTheAccountExists() {
        Job job = job("account", "echo ran");
        job.getSpec().getTemplate().getSpec().setServiceAccountName("migrator");
        client.batch().v1().jobs().resource(job).create();

        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> podsOf("account").isEmpty());
        assertThat(condition(client.batch().v1().jobs().withName("account").get(), "Failed")).isNull();
        client.serviceAccounts().resource(new io.fabric8.kubernetes.api.model.ServiceAccountBuilder().withNewMetadata()
                .withName("migrator").endMetadata().build()).create();

        awaitCondition("account", "Complete");
        assertThat(podsOf("account")).hasSize(1);
    }

    private ContainerStatus awaitWaiting(String job, String reason) {
        await().atMost(Duration.ofSeconds(10)).until(() -> reason.equals(waitingReason("default", job)));
        return podsOf(job).get(0).getStatus().getContainerStatuses().get(0);
    }

    private String waitingReason(String namespace, String job) {
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel("job-name", job).list().getItems();
        if (pods.isEmpty() || pods.get(0).getStatus() == null || pods.get(0).getStatus().getContainerStatuses() == null
                || pods.get(0).getStatus().getContainerStatuses().isEmpty()) {
            return null;
        }
        var state = pods.get(0).getStatus().getContainerStatuses().get(0).getState();
        return state.getWaiting() == null ? null : state.getWaiting().getReason();
    }

    private PodCondition podCondition(String job, String type) {
        List<Pod> pods = podsOf(job);
        if (pods.isEmpty() || pods.get(0).getStatus() == null || pods.get(0).getStatus().getConditions() == null) {
            return null;
        }
        return pods.get(0).getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
