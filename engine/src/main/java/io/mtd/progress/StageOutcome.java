package io.mtd.progress;

/** How a stage ended. */
public enum StageOutcome {
    SUCCEEDED,
    /** Nothing to do: already done for this image (a re-run). */
    SKIPPED,
    FAILED,
    TIMED_OUT,
    CANCELLED,
    /** The approval was refused or not given in time. */
    DENIED,
    /** Not attempted, because an earlier environment or stage failed. */
    NOT_REACHED,
    /** Left alone because a newer run of the app already took the environment to its newer release. */
    SUPERSEDED;

    /** Whether the stage ended as it should: it succeeded, or was skipped as already done. */
    public boolean ok() {
        return this == SUCCEEDED || this == SKIPPED;
    }

    /** The outcome as a log line says it: "timed out", "not reached". */
    public String words() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }
}
