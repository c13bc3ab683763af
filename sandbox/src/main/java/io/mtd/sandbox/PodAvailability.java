package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Whether a controller counts a Pod, as the ReplicaSet and Deployment controllers do ({@code podutil}): active (not
 * ended, not being deleted), Ready (its Ready condition True), and available (Ready for at least
 * {@code minReadySeconds}, judged by the Ready condition's lastTransitionTime, which the API keeps in whole seconds).
 */
final class PodAvailability {

    private PodAvailability() {
    }

    /** Whether the Pod has not ended: Succeeded and Failed (say evicted) Pods count for no controller. */
    static boolean isActive(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    /** Whether the Pod is being deleted (its deletionTimestamp is set): it counts for no ReplicaSet any more. */
    static boolean isTerminating(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    static boolean isReady(Pod pod) {
        return readyCondition(pod) != null;
    }

    /** Whether the Pod is Ready since at least {@code minReadySeconds} at {@code now}. */
    static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
        Instant at = availableAt(pod, minReadySeconds);
        return at != null && !at.isAfter(now);
    }

    /** When the Pod is (or was) available: its Ready transition plus {@code minReadySeconds}; null while not Ready. */
    static Instant availableAt(Pod pod, int minReadySeconds) {
        PodCondition ready = readyCondition(pod);
        if (ready == null) {
            return null;
        }
        if (minReadySeconds <= 0) {
            return Instant.MIN;
        }
        try {
            return Instant.parse(ready.getLastTransitionTime()).plusSeconds(minReadySeconds);
        } catch (DateTimeParseException | NullPointerException e) {
            return Instant.MIN;
        }
    }

    /** The uid of the Pod's (or any object's) controlling owner, or null. */
    static String controllerUid(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
        if (meta.getOwnerReferences() == null) {
            return null;
        }
        return meta.getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst()
                .map(OwnerReference::getUid).orElse(null);
    }

    private static PodCondition readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())).findFirst().orElse(null);
    }
}
