package io.mtd.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;

/**
 * How each environment's Deployments are rolled out after its migration succeeded.
 *
 * @param timeout how long a rollout may take before it is failed (and undone)
 * @param undoOnFailure roll back to the previous revision when the rollout fails (default true)
 * @param crashLoopThreshold container restarts after which a crash-looping new Pod fails the rollout
 * @param approvalTimeout how long an approval gate waits for an answer before the promotion stops
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Rollout(String timeout, Boolean undoOnFailure, Integer crashLoopThreshold, String approvalTimeout) {

    public static final Rollout DEFAULTS = new Rollout(null, null, null, null);

    public Duration timeoutOrDefault() {
        return Durations.parseOr(timeout, Duration.ofMinutes(10));
    }

    public boolean undoesOnFailure() {
        return undoOnFailure == null || undoOnFailure;
    }

    public int crashLoopThresholdOrDefault() {
        return crashLoopThreshold == null ? 3 : crashLoopThreshold;
    }

    public Duration approvalTimeoutOrDefault() {
        return Durations.parseOr(approvalTimeout, Duration.ofHours(24));
    }
}
