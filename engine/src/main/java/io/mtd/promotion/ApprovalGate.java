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
     * What is to be approved.
     *
     * @param image the image's reference every environment runs (pinned by digest where it could be)
     * @param rollsOut whether approving rolls the environment out too (false: only its database is migrated)
     * @param brief what the approver decides on (what this run did before, what will run here); null where the answer
     *     was given up front, before anyone was asked
     */
    record Request(String app, String environment, String namespace, String image, List<String> approvers, Duration timeout,
            boolean rollsOut, ApprovalBrief brief) {

        /** What approving does, in a few words: "promote IMAGE to ENV", or "migrate the database of ENV with IMAGE". */
        public String action() {
            return rollsOut ? "promote " + image + " to " + environment : "migrate the database of " + environment + " with " + image;
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
