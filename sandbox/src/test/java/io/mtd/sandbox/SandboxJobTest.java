package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SandboxJobTest {

  private static Sandbox sandbox;
  private KubernetesClient client;

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
  }

  @AfterEach
  void disconnect() {
    sandbox.kubelet().clearFaults();
    client.close();
  }

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
  }
}
