package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Job suspension ({@code spec.suspend}) as the batch/v1 Job controller implements it. */
class SandboxJobSuspensionTest {

    @RegisterExtension
    static final SandboxExtension CLUSTER = new SandboxExtension();
    private final KubernetesClient client = CLUSTER.client();

    private static Job suspended(String name, String script) {
        Job job = SandboxJobTest.job(name, script);
        job.getSpec().setSuspend(true);
        return job;
    }

    private Job get(String name) {
        return client.batch().v1().jobs().withName(name).get();
    }

    private List<Pod> podsOf(String job) {
        return client.pods().withLabel("job-name", job).list().getItems();
    }

    private void suspend(String name, boolean suspend) {
        client.batch().v1().jobs().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"suspend\":" + suspend + "}}");
    }

    private static JobCondition suspendedCondition(Job job) {
        if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        return job.getStatus().getConditions().stream().filter(c -> "Suspended".equals(c.getType())).findFirst().orElse(null);
    }

    private JobCondition awaitSuspended(String name, String status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JobCondition c = suspendedCondition(get(name));
            return c != null && status.equals(c.getStatus());
        });
        return suspendedCondition(get(name));
    }

    private Job awaitFinished(String name, String type) {
        await().atMost(Duration.ofSeconds(20)).until(() -> SandboxJobTest.condition(get(name), type) != null);
        return get(name);
    }

    @Test
    void aJobCreatedSuspendedCreatesNoPodUntilItIsResumed() {
        client.batch().v1().jobs().resource(suspended("later", "echo resumed")).create();

        JobCondition suspended = awaitSuspended("later", "True");
        assertThat(suspended.getReason()).isEqualTo("JobSuspended");
        assertThat(suspended.getMessage()).isEqualTo("Job suspended");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> podsOf("later").isEmpty());
        Job waiting = get("later");
        assertThat(waiting.getStatus().getStartTime()).isNull();
        assertThat(waiting.getStatus().getActive()).isNull();

        Instant resumedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        suspend("later", false);

        Job done = awaitFinished("later", "Complete");
        JobCondition resumed = suspendedCondition(done);
        assertThat(resumed.getStatus()).isEqualTo("False");
        assertThat(resumed.getReason()).isEqualTo("JobResumed");
        assertThat(resumed.getMessage()).isEqualTo("Job resumed");
        assertThat(Instant.parse(done.getStatus().getStartTime())).isAfterOrEqualTo(resumedAt);
        assertThat(podsOf("later")).hasSize(1);
        assertThat(client.pods().withName(podsOf("later").get(0).getMetadata().getName()).getLog()).isEqualTo("resumed\n");
    }

    @Test
    void suspendingARunningJobDeletesItsPodWithoutCountingAFailureAndResumingStartsANewOne(@TempDir Path dir) throws Exception {
        Path go = dir.resolve("go");
        Path alive = dir.resolve("alive");
        // backoffLimit 0: a deleted Pod counted as failed would fail the Job
        client.batch().v1().jobs().resource(SandboxJobTest.job("paused", "echo attempt; [ -f " + go + " ] && exit 0; "
                + "while true; do touch " + alive + "; sleep 0.05; done")).create();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(alive));
        String first = podsOf("paused").get(0).getMetadata().getName();

        suspend("paused", true);

        awaitSuspended("paused", "True");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.pods().withName(first).get() == null);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Files.deleteIfExists(alive);
            Thread.sleep(200);
            return !Files.exists(alive);
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> get("paused").getStatus().getActive() == null
                && Integer.valueOf(0).equals(get("paused").getStatus().getTerminating()));
        assertThat(get("paused").getStatus().getFailed()).isNull();
        assertThat(SandboxJobTest.condition(get("paused"), "Failed")).isNull();
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> podsOf("paused").isEmpty());

        Files.createFile(go);
        suspend("paused", false);

        Job done = awaitFinished("paused", "Complete");
        assertThat(done.getStatus().getSucceeded()).isEqualTo(1);
        assertThat(done.getStatus().getFailed()).isNull();
        assertThat(podsOf("paused")).extracting(p -> p.getMetadata().getName()).doesNotContain(first).hasSize(1);
    }

    @Test
    void theActiveDeadlineCountsFromTheResumeAndNotWhileSuspended() {
        Job job = suspended("bounded", "exec sleep 60");
        job.getSpec().setActiveDeadlineSeconds(3L);
        client.batch().v1().jobs().resource(job).create();
        awaitSuspended("bounded", "True");

        // suspended for longer than the deadline: it does not pass while the Job is suspended
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> SandboxJobTest.condition(get("bounded"), "Failed") == null);
        suspend("bounded", false);
        await().atMost(Duration.ofSeconds(10)).until(() -> !podsOf("bounded").isEmpty()
                && podsOf("bounded").get(0).getStatus() != null
                && "Running".equals(podsOf("bounded").get(0).getStatus().getPhase()));
        assertThat(SandboxJobTest.condition(get("bounded"), "Failed")).isNull();

        Job failed = awaitFinished("bounded", "Failed");

        JobCondition deadline = SandboxJobTest.condition(failed, "Failed");
        assertThat(deadline.getReason()).isEqualTo("DeadlineExceeded");
        assertThat(Duration.between(Instant.parse(failed.getStatus().getStartTime()),
                Instant.parse(deadline.getLastTransitionTime()))).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aSuspendedJobIsNotFinishedSoItsTtlDoesNotDeleteIt() {
        Job job = suspended("kept", "exit 0");
        job.getSpec().setTtlSecondsAfterFinished(0);
        client.batch().v1().jobs().resource(job).create();
        awaitSuspended("kept", "True");

        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> get("kept") != null);
        suspend("kept", false);

        await().atMost(Duration.ofSeconds(20)).until(() -> get("kept") == null);
    }

    @Test
    void aJobNeverSuspendedHasNoSuspendedCondition() {
        client.batch().v1().jobs().resource(SandboxJobTest.job("plain", "exit 0")).create();

        Job done = awaitFinished("plain", "Complete");

        assertThat(suspendedCondition(done)).isNull();
    }

    @Test
    void aDeadlineThatPassesWhileTheImageIsPulledStopsThePodBeforeItsContainerStartsAndOneMovedOnLetsItStart() {
        CLUSTER.sandbox().kubelet().pullDelay("registry.example.com/slowpull", Duration.ofSeconds(4));
        try {
            Job lapsed = suspended("lapsed", "echo started");
            lapsed.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/slowpull:1");
            lapsed.getSpec().setActiveDeadlineSeconds(2L);
            Job moved = suspended("moved", "echo started");
            moved.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.example.com/slowpull:2");
            moved.getSpec().setActiveDeadlineSeconds(2L);
            for (Job j : List.of(lapsed, moved)) { // counted as migrations: the node logs when their containers start
                j.getSpec().getTemplate().setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withLabels(Map.of(
                        "app.kubernetes.io/component", "migration", "app.kubernetes.io/managed-by", "migrate-then-deploy",
                        "app.kubernetes.io/name", "slowpull", "migrate-then-deploy.io/environment", "default")).build());
            }
            client.batch().v1().jobs().resource(lapsed).create();
            client.batch().v1().jobs().resource(moved).create();
            suspend("lapsed", false);
            suspend("moved", false);
            // the deadline of one is moved on before it passes, as a Job's spec.activeDeadlineSeconds may be
            client.batch().v1().jobs().withName("moved").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"spec\":{\"activeDeadlineSeconds\":30}}");

            Job failed = awaitFinished("lapsed", "Failed");
            assertThat(SandboxJobTest.condition(failed, "Failed").getReason()).isEqualTo("DeadlineExceeded");
            assertThat(awaitFinished("moved", "Complete").getStatus().getSucceeded()).isEqualTo(1);
            assertThat(CLUSTER.sandbox().kubelet().migrationStarts()).extracting(s -> s.job()).contains("moved");
            // the pull of the lapsed one ends after its deadline: its container never starts
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> CLUSTER.sandbox().kubelet().migrationStarts().stream().noneMatch(s -> s.job().equals("lapsed")));
            assertThat(podsOf("lapsed")).allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Failed"));
        } finally {
            CLUSTER.sandbox().kubelet().pullDelay("registry.example.com/slowpull", Duration.ZERO);
        }
    }
}
