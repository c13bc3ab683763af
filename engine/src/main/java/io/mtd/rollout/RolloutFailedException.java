package io.mtd.rollout;

import io.mtd.progress.StageOutcome;

/** A rollout that did not complete: why, and whether it failed or ran out of time. */
public final class RolloutFailedException extends RuntimeException {

    private final StageOutcome outcome;

    public RolloutFailedException(StageOutcome outcome, String message) {
        super(message);
        this.outcome = outcome;
    }

    public RolloutFailedException(String message) {
        this(StageOutcome.FAILED, message);
    }

    /** {@link StageOutcome#FAILED} or {@link StageOutcome#TIMED_OUT}. */
    public StageOutcome outcome() {
        return outcome;
    }
}
