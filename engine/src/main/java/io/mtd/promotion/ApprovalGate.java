package io.mtd.promotion;

import io.mtd.release.Release;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.CompletionStage;

/**
 * Asks someone to approve promoting the image to an environment before it is touched: a terminal prompt or a
 * command-line flag in the CLI, a form on the build page in Jenkins.
 */
@FunctionalInterface
public interface ApprovalGate {

    /** Refuses every approval: for plans run where nobody can answer. */
    ApprovalGate DENY_ALL = request -> java.util.concurrent.CompletableFuture.completedFuture(
            Decision.denied("nobody", "no approver is available to this run"));

    /**
     * Completes with the decision; the engine applies the plan's approval timeout, and cancels the returned stage
     * when the run is cancelled. Must not block the calling thread.
     */
    CompletionStage<Decision> request(Request request);

    /**
     * Who approved {@code request} before it was asked (a command-line flag, a demo), or null when it is to be asked: the
     * run then says so instead of that it waits for an answer.
     */
    default String approvedUpFront(Request request) {
        return null;
    }

    /**
     * What is to be approved: the environment gets {@code image} after the approval; what it runs now is
     * {@code deployed} and {@code current}. An approval is for that change only: when the environment moves on while
     * the question waits, the engine refuses the answer and asks again, or stops the run if a newer one passed. Or, with
     * {@code drift}, accepting that the environment's schema is not the one the first environment was tested on.
     *
     * @param current the release the environment's record shows now (null: none recorded yet)
     * @param deployed each Deployment the run rolls out and the image its container runs now (empty: none to roll out)
     * @param rollback whether the run goes back to {@code image} on purpose, over a newer release
     * @param drift the schema difference to accept knowingly, or null for a promotion
     */
    record Request(String app, String environment, String namespace, String image, List<String> approvers, Duration timeout,
            Release current, Map<String, String> deployed, boolean rollback, Drift drift) {

        public Request {
            approvers = approvers == null ? List.of() : List.copyOf(approvers);
            deployed = deployed == null ? Map.of() : Map.copyOf(new java.util.TreeMap<>(deployed));
        }

        /** A request to promote the image (no drift to accept). */
        public Request(String app, String environment, String namespace, String image, List<String> approvers, Duration timeout,
                Release current, Map<String, String> deployed, boolean rollback) {
            this(app, environment, namespace, image, approvers, timeout, current, deployed, rollback, null);
        }

        /** A request without what the environment runs now. */
        public Request(String app, String environment, String namespace, String image, List<String> approvers, Duration timeout) {
            this(app, environment, namespace, image, approvers, timeout, null, Map.of(), false, null);
        }

        /** A request to accept {@code drift}, without what the environment runs now. */
        public Request(String app, String environment, String namespace, String image, List<String> approvers, Duration timeout,
                Drift drift) {
            this(app, environment, namespace, image, approvers, timeout, null, Map.of(), false, drift);
        }

        /** What the environment runs now, in one line: its Deployments' images and its recorded release. */
        public String now() {
            String running = deployed.isEmpty() ? null : new java.util.TreeMap<>(deployed).entrySet().stream()
                    .map(e -> e.getKey() + " runs " + e.getValue()).collect(Collectors.joining(", "));
            String recorded = current == null ? "no release recorded yet" : "released: " + current.describe();
            return running == null ? recorded : running + "; " + recorded;
        }

        /**
         * The change an answer is for: from the recorded release to the image. An answer kept for a request (across a
         * restart) answers another request only if its change is the same.
         */
        public String change() {
            return (current == null ? "none" : current.run() + " " + current.order() + " " + current.image()) + " -> " + image
                    + (rollback ? " (rollback)" : "") + (drift == null ? "" : " (drift " + drift.fingerprint() + ")");
        }

        /** What the environment will run after the approval, in one line. */
        public String next() {
            return image + (rollback ? " (a rollback on purpose: the migration is skipped)" : "");
        }
    }

    /**
     * A schema difference to accept knowingly: what it is ({@code production has drifted from the schema staging was
     * tested on}), against what, its lines (at most {@code SchemaDrift.SHOWN}, the rest in the report) and its
     * fingerprint, which the acceptance records and which a run accepts up front only when it is the same.
     *
     * @param fingerprint the short form of the difference's SHA-256
     */
    record Drift(String summary, String against, List<String> lines, String fingerprint) {
        public Drift {
            lines = List.copyOf(lines);
        }
    }

    /** The answer, with who gave it. */
    record Decision(boolean approved, String by, String comment) {
        public static Decision approved(String by) {
            return new Decision(true, by, null);
        }

        public static Decision denied(String by, String comment) {
            return new Decision(false, by, comment);
        }
    }
}
