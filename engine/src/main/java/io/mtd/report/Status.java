package io.mtd.report;

import io.mtd.progress.StageOutcome;

/**
 * How a stage or an environment ended, as people read it at a glance: the words every page and summary use, and a
 * tone a page colours it by. A stage skipped because its work was already done for this image reads "skipped (already
 * applied)", not "succeeded".
 */
public enum Status {
    SUCCEEDED("succeeded", Tone.OK),
    ALREADY_APPLIED("skipped (already applied)", Tone.NEUTRAL),
    /** A check or a backup with nothing to do (no version serving yet, nothing to migrate); its entry says why. */
    NOTHING_TO_CHECK("skipped", Tone.NEUTRAL),
    FAILED("failed", Tone.BAD),
    TIMED_OUT("timed out", Tone.BAD),
    DENIED("not approved", Tone.BAD),
    CANCELLED("cancelled", Tone.STOPPED),
    NOT_REACHED("not reached", Tone.NEUTRAL),
    /** Left alone: a newer run already took the environment to its newer release. */
    SUPERSEDED("superseded by a newer run", Tone.STOPPED);

    /** What a page colours a status by. */
    public enum Tone { OK, NEUTRAL, BAD, STOPPED }

    private final String words;
    private final Tone tone;

    Status(String words, Tone tone) {
        this.words = words;
        this.tone = tone;
    }

    public String words() {
        return words;
    }

    public Tone tone() {
        return tone;
    }

    /** A stage's status from how it ended. */
    public static Status of(StageOutcome outcome) {
        return switch (outcome) {
            case SUCCEEDED -> SUCCEEDED;
            case SKIPPED -> ALREADY_APPLIED;
            case FAILED -> FAILED;
            case TIMED_OUT -> TIMED_OUT;
            case CANCELLED -> CANCELLED;
            case DENIED -> DENIED;
            case NOT_REACHED -> NOT_REACHED;
            case SUPERSEDED -> SUPERSEDED;
        };
    }

    /**
     * An environment's status: its outcome, except that one whose every stage was skipped as already done reads so,
     * and one whose post-rollout migration failed reads failed (its rollout stands; its timeline says which failed).
     */
    public static Status of(EnvironmentReport e) {
        if (e.outcome() != StageOutcome.SUCCEEDED) {
            return of(e.outcome());
        }
        if (e.postRollout() != null && !e.postRollout().ok()) {
            return of(e.postRollout().outcome());
        }
        if (e.postRolloutCompatibility() != null && failed(e.postRolloutCompatibility().outcome())) {
            return of(e.postRolloutCompatibility().outcome());
        }
        boolean migrated = e.migration() != null && e.migration().outcome() == StageOutcome.SUCCEEDED;
        boolean rolled = e.rollout() != null && e.rollout().outcome() == StageOutcome.SUCCEEDED;
        boolean post = e.postRollout() != null && e.postRollout().outcome() == StageOutcome.SUCCEEDED;
        boolean skipped = e.migration() != null && e.migration().outcome() == StageOutcome.SKIPPED
                || e.rollout() != null && e.rollout().outcome() == StageOutcome.SKIPPED;
        return skipped && !migrated && !rolled && !post ? ALREADY_APPLIED : SUCCEEDED;
    }

    private static boolean failed(StageOutcome outcome) {
        return outcome == null || !outcome.ok();
    }

    /** A whole run's status. */
    public static Status of(RunOutcome outcome) {
        return switch (outcome) {
            case SUCCEEDED -> SUCCEEDED;
            case CANCELLED -> CANCELLED;
            case DENIED -> DENIED;
            case TIMED_OUT -> TIMED_OUT;
            case SUPERSEDED -> SUPERSEDED;
            case INVALID_PLAN, VETOED, IMAGE_FAILED, MIGRATION_FAILED, ROLLOUT_FAILED, POST_ROLLOUT_FAILED, INCOMPATIBLE, DRIFTED,
                    LOCK_LOST, INFRASTRUCTURE -> FAILED;
        };
    }
}
