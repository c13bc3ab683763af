package io.mtd.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * One step of a Deployment's strategy, as the deployment controller takes it on each sync, decided from the
 * ReplicaSets' counts alone (a pure function, so that its bounds can be checked on any input).
 *
 * <p>RollingUpdate ({@code rolloutRolling}): first the new ReplicaSet is scaled up, as far as {@code maxSurge} allows
 * ({@code desired + maxSurge} Pods wanted in all); only when it cannot grow are the old ones scaled down, oldest first,
 * as far as {@code maxUnavailable} allows: their unavailable Pods first ({@code cleanupUnhealthyReplicas}), then
 * available ones while more than {@code desired - maxUnavailable} Pods are available
 * ({@code scaleDownOldReplicaSetsForRollingUpdate}). Recreate ({@code rolloutRecreate}): every old ReplicaSet is scaled
 * to zero, and the new one up only once none of their Pods runs any more (terminating ones included).
 */
final class RolloutStep {

    /**
     * A ReplicaSet as a step sees it: its wanted replicas, its available Pods, and its Pods that have not ended
     * (terminating ones included). Of its available Pods at most {@code replicas} count: when it was just scaled down,
     * the ones its controller is deleting are not available for long.
     */
    record Counts(String name, int replicas, int available, int running) {
        Counts {
            available = Math.max(0, Math.min(available, replicas));
        }
    }

    /** Set the ReplicaSet {@code name} to {@code replicas}. */
    record Scale(String name, int replicas) {
    }

    private RolloutStep() {
    }

    /** The RollingUpdate step for {@code desired} replicas; {@code old} oldest first. Empty: nothing to scale now. */
    static List<Scale> rolling(int desired, RolloutBounds bounds, Counts current, List<Counts> old) {
        int oldReplicas = old.stream().mapToInt(Counts::replicas).sum();
        int all = current.replicas() + oldReplicas;
        // reconcileNewReplicaSet
        if (current.replicas() > desired) {
            return List.of(new Scale(current.name(), desired));
        }
        if (current.replicas() < desired && all < bounds.maxTotal(desired)) {
            int up = Math.min(bounds.maxTotal(desired) - all, desired - current.replicas());
            return List.of(new Scale(current.name(), current.replicas() + up));
        }
        // reconcileOldReplicaSets
        if (oldReplicas == 0) {
            return List.of();
        }
        int minAvailable = desired - bounds.maxUnavailable();
        int newUnavailable = current.replicas() - current.available();
        int maxScaledDown = all - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return List.of();
        }
        List<Scale> scales = new ArrayList<>();
        int[] replicas = old.stream().mapToInt(Counts::replicas).toArray();
        int cleaned = 0;
        for (int i = 0; i < old.size() && cleaned < maxScaledDown; i++) {
            int unhealthy = replicas[i] - old.get(i).available();
            if (replicas[i] == 0 || unhealthy == 0) {
                continue;
            }
            int cut = Math.min(maxScaledDown - cleaned, unhealthy);
            replicas[i] -= cut;
            cleaned += cut;
        }
        int available = current.available() + old.stream().mapToInt(Counts::available).sum();
        if (available > minAvailable) {
            int toCut = available - minAvailable;
            for (int i = 0; i < old.size() && toCut > 0; i++) {
                int cut = Math.min(replicas[i], toCut);
                replicas[i] -= cut;
                toCut -= cut;
            }
        }
        for (int i = 0; i < old.size(); i++) {
            if (replicas[i] != old.get(i).replicas()) {
                scales.add(new Scale(old.get(i).name(), replicas[i]));
            }
        }
        return scales;
    }

    /** The Recreate step for {@code desired} replicas. Empty: nothing to scale now. */
    static List<Scale> recreate(int desired, Counts current, List<Counts> old) {
        List<Scale> down = old.stream().filter(rs -> rs.replicas() > 0).map(rs -> new Scale(rs.name(), 0)).toList();
        if (!down.isEmpty()) {
            return down;
        }
        if (old.stream().anyMatch(rs -> rs.running() > 0)) {
            return List.of();
        }
        return current.replicas() == desired ? List.of() : List.of(new Scale(current.name(), desired));
    }
}
