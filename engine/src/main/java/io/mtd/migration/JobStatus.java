package io.mtd.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.mtd.kube.ContainerFailure;
import io.mtd.plan.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a Job under the migration lock stands, read from the Job and its Pods as a watch last saw them: the one reading
 * every wait on such a Job decides by, as {@link io.mtd.rollout.RolloutStatus} is for a Deployment. Pure: no clock, no
 * requests.
 */
public sealed interface JobStatus permits JobStatus.Running, JobStatus.Succeeded, JobStatus.Failed, JobStatus.Stuck {

    /** How many Pods (attempts) the Job has had. */
    int attempts();

    /** Neither ended nor stuck: still starting or running. */
    record Running(int attempts) implements JobStatus {}

    /** The Job's Complete condition; {@code exitCode} is its last Pod's, when known. */
    record Succeeded(Integer exitCode, int attempts) implements JobStatus {}

    /**
     * The Job's Failed condition, with what its last ended Pod says.
     *
     * @param reason the condition's reason, or the last Pod's when that says more (OOMKilled, Evicted) than that its
     *     last retry failed
     * @param deadlineExceeded the Job ran past its activeDeadlineSeconds
     */
    record Failed(MigrationReason reason, String message, Integer exitCode, int attempts, boolean deadlineExceeded)
            implements JobStatus {}

    /** A Pod is stuck where waiting will not help (its image or configuration, or no node for it): the Job cannot succeed. */
    record Stuck(String pod, PodDiagnosis.Problem problem, int attempts) implements JobStatus {

        /** For the report: the Pod and its problem. */
        public String describe() {
            return "Pod " + pod + ": " + problem.describe();
        }
    }

    /**
     * The Job's status from the Job and its Pods (oldest first); a Pod counts as unschedulable for good once it has been
     * seen so ({@code unschedulableFor}, as the caller observed it) for {@code unschedulableGrace}.
     */
    static JobStatus of(Job job, List<Pod> pods, Function<Pod, Duration> unschedulableFor, Duration unschedulableGrace) {
        int attempts = pods.size();
        Optional<JobCondition> complete = condition(job, JobConditionType.COMPLETE);
        if (complete.isPresent()) {
            Pod last = pods.isEmpty() ? null : pods.get(pods.size() - 1);
            Integer exitCode = last == null ? null : PodDiagnosis.exitCode(last);
            return new Succeeded(exitCode == null ? 0 : exitCode, attempts);
        }
        Optional<JobCondition> failed = condition(job, JobConditionType.FAILED);
        if (failed.isPresent()) {
            return failure(job, failed.get(), pods);
        }
        for (Pod pod : pods) {
            if (PodDiagnosis.isTerminal(pod)) {
                continue;
            }
            Optional<PodDiagnosis.Problem> stuck = PodDiagnosis.stuck(pod, unschedulableFor.apply(pod), unschedulableGrace);
            if (stuck.isPresent()) {
                return new Stuck(pod.getMetadata().getName(), stuck.get(), attempts);
            }
        }
        return new Running(attempts);
    }

    private static Failed failure(Job job, JobCondition failed, List<Pod> pods) {
        MigrationReason reason = MigrationReason.of(failed.getReason() == null ? JobConditionType.FAILED.value() : failed.getReason());
        boolean deadline = MigrationReason.Kubernetes.DEADLINE_EXCEEDED.equals(reason);
        Integer exitCode = null;
        PodDiagnosis.Problem last = null;
        for (int i = pods.size() - 1; i >= 0; i--) {
            Optional<PodDiagnosis.Problem> ended = PodDiagnosis.ended(pods.get(i));
            if (ended.isPresent()) {
                exitCode = PodDiagnosis.exitCode(pods.get(i));
                last = ended.get();
                break;
            }
        }
        // what happened, in the user's terms: the Job's own message only restates its reason (the backoff limit was
        // reached), which the report carries once as the reason
        StringBuilder message = new StringBuilder();
        if (deadline) {
            Long seconds = job.getSpec() == null ? null : job.getSpec().getActiveDeadlineSeconds();
            message.append("the migration ran longer than its timeout").append(seconds == null ? ""
                    : " of " + Durations.format(Duration.ofSeconds(seconds))).append(" (migration.timeout) and was stopped");
        }
        if (last != null) {
            boolean plain = "Error".equals(last.reason()) || ContainerFailure.OUT_OF_MEMORY.matches(last.reason());
            String attempt = plain ? last.message() + (last.hint() == null ? "" : " (" + last.hint() + ")") : last.describe();
            message.append(deadline ? "; its last attempt: " : "").append(attempt);
            if (!deadline && pods.size() > 1) {
                message.append(" on its last attempt of ").append(pods.size());
            }
        } else if (!deadline) {
            message.append(failed.getMessage() == null ? "the Job failed" : failed.getMessage());
        }
        if (MigrationReason.Kubernetes.BACKOFF_LIMIT_EXCEEDED.equals(reason) && last != null && !"Error".equals(last.reason())) {
            reason = MigrationReason.of(last.reason()); // OOMKilled or Evicted says more than "the last retry failed"
        }
        return new Failed(reason, message.toString(), exitCode, pods.size(), deadline);
    }

    /** Whether the Job ended, either way (its Complete or Failed condition is true). */
    static boolean ended(Job job) {
        return condition(job, JobConditionType.COMPLETE).isPresent() || condition(job, JobConditionType.FAILED).isPresent();
    }

    /** Whether the Job completed successfully. */
    static boolean succeeded(Job job) {
        return condition(job, JobConditionType.COMPLETE).isPresent();
    }

    /** The Job's condition of that type, if it is true. */
    static Optional<JobCondition> condition(Job job, JobConditionType type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.value().equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
    }

    /**
     * Whether a Job that failed for {@code reason} never started its container and never will (its image or configuration,
     * or no node for it), so that deleting it loses nothing and keeps it from starting later, unattended.
     */
    static boolean neverStarted(MigrationReason reason, List<Pod> pods) {
        boolean cannotStart = reason instanceof MigrationReason.Kubernetes k && (MigrationReason.Kubernetes.UNSCHEDULABLE.equals(k)
                || ContainerFailure.of(k.value()).filter(ContainerFailure::beforeStart).isPresent());
        return cannotStart && pods.stream().noneMatch(PodDiagnosis::hasStarted);
    }
}
