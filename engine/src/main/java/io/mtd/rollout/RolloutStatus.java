package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.Map;
import java.util.Optional;

/** Reads a Deployment's rollout state the way {@code kubectl rollout status} does. */
public final class RolloutStatus {

    public static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
    static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

    private RolloutStatus() {}

    /** The revision annotation of a Deployment or ReplicaSet, or null when the controller has not set one yet. */
    public static Long revision(HasMetadata resource) {
        Map<String, String> annotations = resource == null ? null : resource.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(REVISION_ANNOTATION);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether the controller has seen the latest spec; status says nothing about the current spec before that. */
    public static boolean observed(Deployment d) {
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        DeploymentStatus status = d.getStatus();
        long observed = status == null || status.getObservedGeneration() == null ? -1 : status.getObservedGeneration();
        return generation <= observed;
    }

    /**
     * Complete as {@code kubectl rollout status} defines it: the latest spec observed, every replica updated and
     * available, and no replica of an older ReplicaSet left.
     */
    public static boolean isComplete(Deployment d) {
        if (!observed(d)) {
            return false;
        }
        int desired = desiredReplicas(d);
        int updated = updated(d);
        return updated >= desired && available(d) >= updated && replicas(d) <= updated;
    }

    /** The Progressing condition's message when the controller gave up on the current spec, else empty. */
    public static Optional<String> progressDeadlineExceeded(Deployment d) {
        if (!observed(d) || d.getStatus() == null || d.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (DeploymentCondition c : d.getStatus().getConditions()) {
            if ("Progressing".equals(c.getType()) && PROGRESS_DEADLINE_EXCEEDED.equals(c.getReason())) {
                return Optional.of(c.getMessage() == null ? PROGRESS_DEADLINE_EXCEEDED : c.getMessage());
            }
        }
        return Optional.empty();
    }

    /** E.g. {@code shop-web: 2/3 updated, 1 available}, with the old replicas still running where there are some. */
    public static String progress(Deployment d) {
        String name = d.getMetadata().getName();
        if (!observed(d)) {
            return name + ": waiting for the Deployment controller to see the new spec";
        }
        int updated = updated(d);
        StringBuilder text = new StringBuilder()
                .append(name).append(": ").append(updated).append('/').append(desiredReplicas(d)).append(" updated, ")
                .append(available(d)).append(" available");
        int old = replicas(d) - updated;
        if (old > 0) {
            text.append(", ").append(old).append(" old pending termination");
        }
        return text.toString();
    }

    static int desiredReplicas(Deployment d) {
        Integer replicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
        return replicas == null ? 1 : replicas;
    }

    private static int updated(Deployment d) {
        return d.getStatus() == null || d.getStatus().getUpdatedReplicas() == null ? 0 : d.getStatus().getUpdatedReplicas();
    }

    private static int available(Deployment d) {
        return d.getStatus() == null || d.getStatus().getAvailableReplicas() == null ? 0 : d.getStatus().getAvailableReplicas();
    }

    private static int replicas(Deployment d) {
        return d.getStatus() == null || d.getStatus().getReplicas() == null ? 0 : d.getStatus().getReplicas();
    }
}
