package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * A Deployment's status as the deployment controller computes it ({@code calculateStatus}, {@code syncRolloutStatus}),
 * from its ReplicaSets' Pods and its previous status: the replica counts, {@code Available} (at least
 * {@code desired - maxUnavailable} Pods available) and {@code Progressing}: NewReplicaSetCreated or FoundNewReplicaSet
 * when a rollout starts, ReplicaSetUpdated whenever it makes progress (more Pods updated, ready or available, fewer
 * old ones), NewReplicaSetAvailable once complete, and False with ProgressDeadlineExceeded when no progress was made
 * for {@code progressDeadlineSeconds} (600 by default) since its last update.
 */
final class DeploymentProgress {

    static final String NEW_RS_CREATED = "NewReplicaSetCreated";
    static final String FOUND_NEW_RS = "FoundNewReplicaSet";
    static final String RS_UPDATED = "ReplicaSetUpdated";
    static final String NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
    static final String TIMED_OUT = "ProgressDeadlineExceeded";

    /**
     * What the controller counted: Pods of every ReplicaSet and of the new one (not ended, not being deleted), Ready and
     * available ones, and the sum of the ReplicaSets' wanted replicas.
     */
    record Counts(int replicas, int updated, int ready, int available, int wanted) {
    }

    /** Whether the sync created the new ReplicaSet or found it (Progressing says so only when it said nothing yet). */
    enum Start {
        CREATED, FOUND
    }

    private DeploymentProgress() {
    }

    /**
     * The status after this sync, from {@code previous} (the last status written), for the ReplicaSet
     * {@code newReplicaSet}, which the sync created or found ({@code start}).
     */
    static DeploymentStatus next(Deployment deployment, DeploymentStatus previous, int desired, RolloutBounds bounds,
            Counts counts, String newReplicaSet, Start start, Instant now) {
        DeploymentCondition progressing = condition(previous, "Progressing");
        if (start == Start.CREATED) {
            progressing = condition("Progressing", "True", NEW_RS_CREATED, "Created new replica set \"" + newReplicaSet + "\"",
                    progressing, now, true);
        } else if (start == Start.FOUND && progressing == null) {
            progressing = condition("Progressing", "True", FOUND_NEW_RS, "Found new replica set \"" + newReplicaSet + "\"",
                    null, now, true);
        }
        boolean complete = counts.updated() == desired && counts.replicas() == desired && counts.available() == desired;
        if (complete) {
            progressing = condition("Progressing", "True", NEW_RS_AVAILABLE,
                    "ReplicaSet \"" + newReplicaSet + "\" has successfully progressed.", progressing, now, false);
        } else if (madeProgress(previous, counts)) {
            progressing = condition("Progressing", "True", RS_UPDATED, "ReplicaSet \"" + newReplicaSet + "\" is progressing.",
                    progressing, now, true);
        } else if (timedOut(deployment, progressing, now)) {
            progressing = condition("Progressing", "False", TIMED_OUT,
                    "ReplicaSet \"" + newReplicaSet + "\" has timed out progressing.", progressing, now, false);
        }
        // The Recreate strategy allows no unavailable Pod (deploymentutil.MaxUnavailable).
        boolean recreate = deployment.getSpec().getStrategy() != null
                && "Recreate".equals(deployment.getSpec().getStrategy().getType());
        int minAvailable = recreate ? desired : bounds.minAvailable(desired);
        DeploymentCondition previousAvailable = condition(previous, "Available");
        DeploymentCondition available = counts.available() >= minAvailable
                ? condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.",
                        previousAvailable, now, false)
                : condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.",
                        previousAvailable, now, false);
        int unavailable = Math.max(0, counts.wanted() - counts.available());
        DeploymentStatusBuilder status = new DeploymentStatusBuilder()
                .withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(counts.replicas())
                .withUpdatedReplicas(counts.updated())
                .withReadyReplicas(counts.ready())
                .withAvailableReplicas(counts.available())
                .withUnavailableReplicas(unavailable == 0 ? null : unavailable);
        return progressing == null ? status.withConditions(available).build()
                : status.withConditions(available, progressing).build();
    }

    /** Whether the sync saw progress since {@code previous} ({@code util.DeploymentProgressing}). */
    static boolean madeProgress(DeploymentStatus previous, Counts counts) {
        if (previous == null) {
            return false;
        }
        int updated = value(previous.getUpdatedReplicas());
        int oldBefore = value(previous.getReplicas()) - updated;
        int oldNow = counts.replicas() - counts.updated();
        return counts.updated() > updated || oldNow < oldBefore || counts.ready() > value(previous.getReadyReplicas())
                || counts.available() > value(previous.getAvailableReplicas());
    }

    /** Whether the rollout made no progress for its deadline ({@code util.DeploymentTimedOut}). */
    static boolean timedOut(Deployment deployment, DeploymentCondition progressing, Instant now) {
        if (progressing == null || NEW_RS_AVAILABLE.equals(progressing.getReason())) {
            return false;
        }
        if (TIMED_OUT.equals(progressing.getReason())) {
            return true;
        }
        Instant from = time(progressing.getLastUpdateTime());
        return from != null && from.plusSeconds(deadlineSeconds(deployment)).isBefore(now);
    }

    /** When the rollout times out unless it makes progress first; null when it cannot. */
    static Instant deadline(Deployment deployment, DeploymentStatus status) {
        DeploymentCondition progressing = condition(status, "Progressing");
        if (progressing == null || !"True".equals(progressing.getStatus()) || NEW_RS_AVAILABLE.equals(progressing.getReason())) {
            return null;
        }
        Instant from = time(progressing.getLastUpdateTime());
        return from == null ? null : from.plusSeconds(deadlineSeconds(deployment)).plusSeconds(1);
    }

    /** Whether two statuses differ in more than their conditions' times. */
    static boolean sameIgnoringTimes(DeploymentStatus a, DeploymentStatus b) {
        return a != null && b != null && Objects.equals(withoutTimes(a), withoutTimes(b));
    }

    static DeploymentCondition condition(DeploymentStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return null;
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static long deadlineSeconds(Deployment deployment) {
        Integer seconds = deployment.getSpec().getProgressDeadlineSeconds();
        return seconds == null ? 600 : seconds;
    }

    private static DeploymentStatus withoutTimes(DeploymentStatus status) {
        DeploymentStatus copy = new DeploymentStatusBuilder(status).build();
        if (copy.getConditions() != null) {
            copy.setConditions(copy.getConditions().stream().map(c -> new DeploymentConditionBuilder(c)
                    .withLastTransitionTime(null).withLastUpdateTime(null).build()).toList());
        }
        return copy;
    }

    /**
     * A condition, keeping {@code previous}'s transition time while its status stays, and its update time while its
     * reason stays, unless {@code touch} (progress was made: the update time is now).
     */
    private static DeploymentCondition condition(String type, String value, String reason, String message,
            DeploymentCondition previous, Instant now, boolean touch) {
        String stamp = ApiTime.format(now);
        boolean sameStatus = previous != null && value.equals(previous.getStatus());
        String transition = sameStatus && previous.getLastTransitionTime() != null ? previous.getLastTransitionTime() : stamp;
        String update = !touch && sameStatus && Objects.equals(reason, previous.getReason())
                && previous.getLastUpdateTime() != null ? previous.getLastUpdateTime() : stamp;
        return new DeploymentConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
                .withLastTransitionTime(transition).withLastUpdateTime(update).build();
    }

    private static Instant time(String value) {
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static int value(Integer count) {
        return count == null ? 0 : count;
    }
}
