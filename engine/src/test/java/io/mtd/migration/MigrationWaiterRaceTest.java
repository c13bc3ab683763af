package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxFixture;
import io.mtd.kube.Labels;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.MigrationReport;
import io.mtd.report.RunReport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Job and Pod informers deliver apart: on a plain CRUD mock (no controller) this test writes the Job's end while its
 * Pod still looks Running, and the Pod's end a moment later, as can happen against a real API server.
 */
class MigrationWaiterRaceTest {

    private KubernetesMockServer server;
    private KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    @Test
    void aJobThatFailsBeforeItsPodLooksEndedIsStillReportedWithThePodsExitCode() {
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().clusters(env -> server.createClient())
                .identity(new RunIdentity("race", null)).listener(new RecordingListener()).build()) {
            MigrateThenDeploy.Run run = engine.start(SandboxFixture.plan("shop:race", "exit 3", "race"));
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> !jobs().isEmpty());
            Job job = jobs().get(0);
            String jobName = job.getMetadata().getName();
            Pod pod = client.pods().inNamespace("race").resource(new PodBuilder()
                    .withNewMetadata().withName(jobName + "-abcde").withNamespace("race")
                    .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGER, Labels.JOB_NAME, jobName)).endMetadata()
                    .withNewSpec().addNewContainer().withName("migrate").withImage("shop:race").endContainer().endSpec()
                    .withNewStatus().withPhase("Running").endStatus().build()).create();
            sleep(500); // the Pod ran for a while, so the engine knows it, as it always does before a Job ends

            job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withFailed(1)
                    .withConditions(new JobConditionBuilder().withType("Failed").withStatus("True")
                            .withReason("BackoffLimitExceeded").withMessage("Job has reached the specified backoff limit").build())
                    .build());
            client.batch().v1().jobs().inNamespace("race").resource(job).updateStatus();
            sleep(300);
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Failed")
                    .withContainerStatuses(new ContainerStatusBuilder().withName("migrate").withNewState().withNewTerminated()
                            .withExitCode(3).withReason("Error").endTerminated().endState().build()).build());
            client.pods().inNamespace("race").resource(pod).updateStatus();

            RunReport report = run.report().orTimeout(20, TimeUnit.SECONDS).join();
            MigrationReport m = report.environments().get(0).migration();
            assertThat(m.exitCode()).isEqualTo(3);
            assertThat(m.message()).contains("exited with code 3");
        }
    }

    private List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace("race").list().getItems();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
