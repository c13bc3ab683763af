package io.mtd.release;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * The release an environment is at, as its record in the cluster says: the image, the run that took it there, that
 * run's place among the app's runs, and how far it got. Recorded by the run itself right before its migration and its
 * rollout, so that an older run arriving later sees that a newer one passed.
 *
 * @param image the image the run promotes, pinned by digest where the run pinned it
 * @param run the run's id (a Jenkins build, {@code mtd:user@host:pid})
 * @param runUrl where to look at the run, or null
 * @param order the run's place among the app's runs
 * @param runStarted when the run started, by its own machine's clock: for people only, never compared
 * @param state how far the run got in this environment
 * @param rollback whether the run took the environment to this image on purpose over a newer release
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Release(String image, String run, String runUrl, RunOrder order, Instant runStarted, State state, boolean rollback) {

    /** How far a run got in an environment. */
    public enum State {
        /** Its migration runs, or ran and failed: the database may be ahead of the code. */
        MIGRATING,
        /** Its migration succeeded; the caller rolls out with its own tools (or nothing is to be rolled out). */
        MIGRATED,
        /** Its rollout runs. */
        ROLLING_OUT,
        /** Its rollout succeeded: the environment runs its image. */
        ROLLED_OUT,
        /** Its rollout failed (and was undone unless the plan says otherwise). */
        ROLLOUT_FAILED;

        /** The state as the record and messages write it: {@code rolled-out}. */
        public String words() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static State of(String words) {
            return words == null ? null : valueOf(words.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    public Release {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(order, "order");
    }

    /** The same release in another state. */
    public Release in(State newState) {
        return new Release(image, run, runUrl, order, runStarted, newState, rollback);
    }

    /** The same release, marked a rollback. */
    public Release asRollback() {
        return new Release(image, run, runUrl, order, runStarted, state, true);
    }

    /** Whether {@code other} is the same run's release (whatever state it reached). */
    public boolean sameRun(Release other) {
        return other != null && order.equals(other.order) && run.equals(other.run);
    }

    /** {@code shop@sha256:... (run job#42 #17 of staging/shop-staging, rolled-out)}: how messages name it. */
    public String describe() {
        return image + " (run " + run + (runUrl == null ? "" : " " + runUrl) + ", " + order
                + (runStarted == null ? "" : ", started " + runStarted) + (state == null ? "" : ", " + state.words())
                + (rollback ? ", a rollback" : "") + ")";
    }
}
