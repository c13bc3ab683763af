package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The reading of a Job and its Pods that every wait on a Job under the lock decides by. */
class JobStatusTest {

    private static final Duration GRACE = Duration.ofMinutes(2);
    /** A waiter that has not seen any Pod unschedulable. */
    private static final Function<Pod, Duration> NOT_SEEN = p -> Duration.ZERO;

    private static Job job(String condition, String reason, String message) {
        JobBuilder b = new JobBuilder().withNewMetadata().withName("shop-staging-migrate-1").endMetadata();
        if (condition == null) {
            return b.build();
        }
        return b.withNewStatus().addNewCondition().withType(condition).withStatus("True").withReason(reason).withMessage(message)
                .endCondition().endStatus().build();
    }

    private static Pod ended(String name, int exitCode, String reason) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .withContainerStatuses(new ContainerStatusBuilder().withName("migrate").withNewState().withNewTerminated()
                        .withExitCode(exitCode).withReason(reason).endTerminated().endState().build())
                .endStatus().build();
    }

    private static Pod waiting(String name, String reason) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName("migrate").withImage("shop:1").withNewState()
                        .withNewWaiting().withReason(reason).withMessage("back-off pulling image").endWaiting().endState().build())
                .endStatus().build();
    }

    /** A Pod the scheduler placed nowhere, since a long time ago by the API server's clock. */
    private static Pod unschedulable() {
        return new PodBuilder().withNewMetadata().withName("p-unschedulable").endMetadata().withNewStatus().withPhase("Pending")
                .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient memory.").withLastTransitionTime("2020-01-01T00:00:00Z")
                .endCondition().endStatus().build();
    }

    @Test
    void aCompleteJobSucceededWithItsLastPodsExitCode() {
        JobStatus s = JobStatus.of(job("Complete", null, null), List.of(ended("p1", 0, "Completed")), NOT_SEEN, GRACE);

        assertThat(s).isEqualTo(new JobStatus.Succeeded(0, 1));
    }

    @Test
    void aFailedJobSaysWhyWithItsLastAttempt() {
        JobStatus s = JobStatus.of(job("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                List.of(ended("p1", 3, "Error")), NOT_SEEN, GRACE);

        JobStatus.Failed f = (JobStatus.Failed) s;
        assertThat(f.reason()).isEqualTo(MigrationReason.Kubernetes.BACKOFF_LIMIT_EXCEEDED);
        assertThat(f.exitCode()).isEqualTo(3);
        assertThat(f.message()).as("what happened, in the user's terms; the reason is said once, as the reason")
                .isEqualTo("the migration exited with code 3");
        assertThat(f.deadlineExceeded()).isFalse();
    }

    @Test
    void aRetriedJobSaysItsLastAttemptFailed() {
        JobStatus.Failed f = (JobStatus.Failed) JobStatus.of(job("Failed", "BackoffLimitExceeded",
                "Job has reached the specified backoff limit"), List.of(ended("p1", 3, "Error"), ended("p2", 4, "Error")), NOT_SEEN, GRACE);

        assertThat(f.message()).isEqualTo("the migration exited with code 4 on its last attempt of 2");
        assertThat(f.exitCode()).isEqualTo(4);
    }

    @Test
    void aPodsOwnReasonSaysMoreThanTheBackoffLimit() {
        JobStatus.Failed f = (JobStatus.Failed) JobStatus.of(job("Failed", "BackoffLimitExceeded", null),
                List.of(ended("p1", 1, "Error"), ended("p2", 137, "OOMKilled")), NOT_SEEN, GRACE);

        assertThat(f.reason().value()).isEqualTo("OOMKilled");
        assertThat(f.attempts()).isEqualTo(2);
    }

    @Test
    void theJobsDeadlineIsAFailureOfItsOwnKind() {
        JobStatus.Failed f = (JobStatus.Failed) JobStatus.of(job("Failed", "DeadlineExceeded",
                "Job was active longer than specified deadline"), List.of(), NOT_SEEN, GRACE);

        assertThat(f.deadlineExceeded()).isTrue();
        assertThat(f.reason()).isEqualTo(MigrationReason.Kubernetes.DEADLINE_EXCEEDED);
        assertThat(f.message()).isEqualTo("the migration ran longer than its timeout (migration.timeout) and was stopped");

        Job withDeadline = new JobBuilder(job("Failed", "DeadlineExceeded", "Job was active longer than specified deadline"))
                .withNewSpec().withActiveDeadlineSeconds(600L).endSpec().build();
        assertThat(((JobStatus.Failed) JobStatus.of(withDeadline, List.of(ended("p1", 137, "Error")), NOT_SEEN, GRACE)).message())
                .isEqualTo("the migration ran longer than its timeout of 10m (migration.timeout) and was stopped; its last attempt:"
                        + " the migration exited with code 137");
    }

    @Test
    void aPodThatCannotPullItsImageIsStuckAndNeverStarted() {
        List<Pod> pods = List.of(waiting("p1", "ImagePullBackOff"));
        JobStatus.Stuck s = (JobStatus.Stuck) JobStatus.of(job(null, null, null), pods, NOT_SEEN, GRACE);

        assertThat(s.describe()).startsWith("Pod p1: ImagePullBackOff: back-off pulling image (check that the image shop:1 exists");
        assertThat(JobStatus.neverStarted(MigrationReason.of(s.problem().reason()), pods)).isTrue();
        assertThat(JobStatus.neverStarted(MigrationReason.of("OOMKilled"), pods)).as("not a reason of a container that never started")
                .isFalse();
        assertThat(JobStatus.neverStarted(MigrationReason.of("ImagePullBackOff"), List.of(ended("p0", 1, "Error"))))
                .as("an earlier attempt ran").isFalse();
    }

    @Test
    void anUnschedulablePodIsStuckOnlyOnceTheWaiterSawItSoForTheGraceWhateverItsTimestampsSay() {
        assertThat(JobStatus.of(job(null, null, null), List.of(unschedulable()), p -> Duration.ofSeconds(10), GRACE))
                .as("its transition years ago by another clock does not count").isEqualTo(new JobStatus.Running(1));

        JobStatus s = JobStatus.of(job(null, null, null), List.of(unschedulable()), p -> GRACE, GRACE);
        assertThat(s).isInstanceOf(JobStatus.Stuck.class);
        assertThat(((JobStatus.Stuck) s).problem().reason()).isEqualTo("Unschedulable");
    }

    @Test
    void aJobWithoutAnEndIsRunningAndHasNotEnded() {
        Job running = job(null, null, null);

        assertThat(JobStatus.of(running, List.of(), NOT_SEEN, GRACE)).isEqualTo(new JobStatus.Running(0));
        assertThat(JobStatus.ended(running)).isFalse();
        assertThat(JobStatus.ended(job("Complete", null, null))).isTrue();
        assertThat(JobStatus.ended(job("Failed", "DeadlineExceeded", null))).isTrue();
    }
}
