package io.mtd.release;

/**
 * Whether a run's release may pass an environment, judged from the environment's record alone: a run whose release is
 * older than one a newer run already took there is superseded, unless it is a rollback on purpose.
 *
 * @param verdict how the run's release compares with the record
 * @param before what the record showed (null: none yet)
 */
public record Passage(Verdict verdict, Release before) {

    /** How a run's release compares with the environment's record. */
    public enum Verdict {
        /** No release recorded yet: the run is the first. */
        FIRST,
        /** The record's run started before this one: the environment moves forward. */
        AHEAD,
        /** The record is this run's own (a later step of the same Jenkins build, a resumed run). */
        SAME_RUN,
        /** The record's run was ordered by another counter (another first environment): the two cannot be compared. */
        UNORDERED,
        /**
         * A newer run already took the environment to this same image: nothing older would be promoted, so the run goes
         * on (its migration and rollout find the work done) and leaves the newer run's record as it is.
         */
        SAME_IMAGE,
        /** The run goes back to its image on purpose ({@code rollback: true}) from the recorded release, older or newer. */
        ROLLBACK,
        /** A newer run passed: this run stops before the environment. */
        SUPERSEDED
    }

    /** Judges {@code mine} against the environment's record {@code current} (null: none). */
    public static Passage judge(Release current, Release mine, boolean rollback) {
        if (current == null) {
            return new Passage(Verdict.FIRST, null);
        }
        if (current.sameRun(mine)) {
            return new Passage(Verdict.SAME_RUN, current);
        }
        if (rollback) {
            return new Passage(Verdict.ROLLBACK, current); // on purpose, whatever the record's run: and said so
        }
        if (!current.order().comparableWith(mine.order())) {
            return new Passage(Verdict.UNORDERED, current);
        }
        if (!current.order().after(mine.order())) {
            return new Passage(Verdict.AHEAD, current);
        }
        return new Passage(current.image().equals(mine.image()) ? Verdict.SAME_IMAGE : Verdict.SUPERSEDED, current);
    }

    /** Whether the run may go on into the environment. */
    public boolean passes() {
        return verdict != Verdict.SUPERSEDED;
    }

    /** Whether the run records its release there as it goes on (not over a newer run's record of the same image). */
    public boolean records() {
        return passes() && verdict != Verdict.SAME_IMAGE;
    }

    /**
     * Why a superseded run stops in {@code environment}, naming the newer run and its image, and how to go back on
     * purpose; null when it passes.
     */
    public String supersededBecause(String environment, Release mine) {
        if (passes()) {
            return null;
        }
        return "superseded: run " + before.run() + " (" + before.order() + ", started after this run's " + mine.order()
                + ") took " + environment + " to " + before.image() + " (" + before.state().words() + "); this run's "
                + mine.image() + " is older and is not promoted there (to go back to it on purpose: mtd run --rollback, or"
                + " rollback: true in the plan)";
    }

    /** A note on what the run finds there when it passes, or null when there is nothing to say. */
    public String note(String environment) {
        return switch (verdict) {
            case FIRST, SAME_RUN, SUPERSEDED -> null;
            case SAME_IMAGE -> "a newer run already took " + environment + " to this same image: " + before.describe()
                    + "; going on, leaving its record";
            case AHEAD -> environment + " is at " + before.describe();
            case UNORDERED -> environment + " is at " + before.describe() + ", ordered by another counter than this run's: the"
                    + " two runs cannot be compared, so this run goes on (give every plan of the app the same first environment)";
            case ROLLBACK -> "rolling " + environment + " back on purpose (rollback: true) from " + before.describe();
        };
    }
}
