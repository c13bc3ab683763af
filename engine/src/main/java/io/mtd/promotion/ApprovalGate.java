package io.mtd.promotion;

import java.time.Duration;
import java.util.List;
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
     * What is to be approved: promoting the image to the environment, or, with {@code drift}, accepting that the
     * environment's schema is not the one the first environment was tested on.
     */
    record Request(String app, String environment, String namespace, String image, List<String> approvers, Duration timeout,
            Drift drift) {

        /** A request to promote the image (no drift to accept). */
        public Request(String app, String environment, String namespace, String image, List<String> approvers, Duration timeout) {
            this(app, environment, namespace, image, approvers, timeout, null);
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
