package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment;

/**
 * A RollingUpdate Deployment's bounds for {@code desired} replicas, as the deployment controller resolves them
 * ({@code ResolveFenceposts}): {@code maxSurge} rounded up and {@code maxUnavailable} rounded down when they are
 * percentages (25% each by default), and when both come to 0, one Pod may be unavailable so that the rollout can
 * progress. During a rollout at most {@code desired + maxSurge} Pods are wanted, and at least
 * {@code desired - maxUnavailable} are kept available.
 */
record RolloutBounds(int maxSurge, int maxUnavailable) {

    static final String DEFAULT = "25%";

    /** The bounds of {@code deployment}'s strategy for {@code desired} replicas. */
    static RolloutBounds of(Deployment deployment, int desired) {
        DeploymentStrategy strategy = deployment.getSpec().getStrategy();
        RollingUpdateDeployment rolling = strategy == null ? null : strategy.getRollingUpdate();
        return of(rolling == null ? null : rolling.getMaxSurge(), rolling == null ? null : rolling.getMaxUnavailable(),
                desired);
    }

    /** The bounds of the given values (null: 25%) for {@code desired} replicas. */
    static RolloutBounds of(IntOrString maxSurge, IntOrString maxUnavailable, int desired) {
        int surge = scaled(maxSurge, desired, true);
        int unavailable = scaled(maxUnavailable, desired, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new RolloutBounds(surge, unavailable);
    }

    /** The most Pods the Deployment may want at once during a rollout. */
    int maxTotal(int desired) {
        return desired + maxSurge;
    }

    /** The fewest available Pods a rollout keeps. */
    int minAvailable(int desired) {
        return Math.max(0, desired - maxUnavailable);
    }

    /**
     * An int, or a percentage of {@code desired} rounded up or down ({@code GetScaledValueFromIntOrPercent}); a value
     * the API server would have refused counts as the default.
     */
    static int scaled(IntOrString value, int desired, boolean roundUp) {
        if (value != null && value.getIntVal() != null) {
            return Math.max(0, value.getIntVal());
        }
        String text = value == null || value.getStrVal() == null ? DEFAULT : value.getStrVal().trim();
        Integer percent = percent(text);
        if (percent == null) {
            percent = percent(DEFAULT);
        }
        long scaled = (long) desired * percent;
        return (int) (roundUp ? (scaled + 99) / 100 : scaled / 100);
    }

    /** The number of a percentage such as {@code "25%"}, or null when {@code text} is not one. */
    static Integer percent(String text) {
        if (!text.endsWith("%")) {
            return null;
        }
        try {
            int percent = Integer.parseInt(text.substring(0, text.length() - 1));
            return percent < 0 ? null : percent;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
