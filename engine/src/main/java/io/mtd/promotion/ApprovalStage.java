package io.mtd.promotion;

import static io.mtd.concurrent.Futures.unwrap;

import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.progress.StageOutcome;
import io.mtd.release.Release;
import io.mtd.report.ApprovalReport;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Asks the approval gate whether an environment may get the image, within the plan's approval timeout. */
public final class ApprovalStage {

    private final ApprovalGate gate;
    private final Clock clock;

    public ApprovalStage(ApprovalGate gate, Clock clock) {
        this.gate = gate;
        this.clock = clock;
    }

    /**
     * What one approval needs.
     *
     * @param current the environment's recorded release when the question is asked (null: none)
     * @param deployed each Deployment the run rolls out and the image it runs now
     */
    public record Target(Plan plan, Environment environment, String image, CompletableFuture<String> cancelled,
            Release current, Map<String, String> deployed) {}

    /** The stage's start line: who approved it up front, or what is waited for and how long at most; and what changes. */
    String describe(Target t) {
        ApprovalGate.Request r = request(t);
        String upFront = gate.approvedUpFront(r);
        return (upFront != null
                ? "approved up front by " + upFront + ": promoting " + t.image() + " to " + t.environment().name()
                : "waiting up to " + Durations.format(t.plan().rolloutOrDefaults().approvalTimeoutOrDefault())
                        + " for approval to promote " + t.image() + " to " + t.environment().name())
                + " (now: " + r.now() + "; after: " + r.next() + ")";
    }

    /** The start line of asking to accept {@code drift}: who accepted it up front, or what is waited for. */
    String describe(Target t, ApprovalGate.Drift drift) {
        String upFront = gate.approvedUpFront(request(t, drift));
        String what = "the drift of " + t.environment().name() + "'s schema (fingerprint " + drift.fingerprint() + ")";
        return upFront != null ? "accepted up front by " + upFront + ": " + what
                : "waiting up to " + Durations.format(t.plan().rolloutOrDefaults().approvalTimeoutOrDefault())
                        + " for someone to accept " + what + ", or to refuse it";
    }

    static ApprovalGate.Request request(Target t) {
        return request(t, null);
    }

    private static ApprovalGate.Request request(Target t, ApprovalGate.Drift drift) {
        Environment env = t.environment();
        return new ApprovalGate.Request(t.plan().app(), env.name(), env.namespaceOrDefault(), t.image(), env.approvers(),
                t.plan().rolloutOrDefaults().approvalTimeoutOrDefault(), t.current(), t.deployed(), t.plan().rollsBack(), drift);
    }

    /** The stage's finish line: whether, by whom and why. */
    static String summary(ApprovalReport r) {
        return (r.outcome() == StageOutcome.SUCCEEDED ? "approved" : "not approved") + (r.by() == null ? "" : " by " + r.by())
                + (r.comment() == null ? "" : ": " + r.comment());
    }

    /**
     * The environment's approval, as a report whose outcome says whether it was given (denied, timed out and cancelled
     * are reports too); fails only when the gate itself failed.
     */
    public CompletableFuture<ApprovalReport> approve(Target t) {
        return decide(t, request(t));
    }

    /**
     * Asks someone to accept {@code drift} knowingly (the plan's approvers, within its approval timeout), as
     * {@link #approve} asks to promote: a report whose outcome says whether it was accepted.
     */
    public CompletableFuture<ApprovalReport> acceptDrift(Target t, ApprovalGate.Drift drift) {
        return decide(t, request(t, drift));
    }

    private CompletableFuture<ApprovalReport> decide(Target t, ApprovalGate.Request request) {
        Duration timeout = t.plan().rolloutOrDefaults().approvalTimeoutOrDefault();
        CompletableFuture<ApprovalGate.Decision> decision = gate.request(request).toCompletableFuture();
        CompletableFuture<ApprovalGate.Decision> bounded = decision.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        t.cancelled().thenAccept(why -> {
            bounded.completeExceptionally(new CancellationException(why));
            decision.cancel(false);
        });
        return bounded.handle((d, error) -> {
            ApprovalReport r;
            if (error != null) {
                Throwable cause = unwrap(error);
                if (cause instanceof TimeoutException) {
                    r = new ApprovalReport(StageOutcome.TIMED_OUT, null, "no answer within " + Durations.format(timeout), clock.instant());
                } else if (cause instanceof CancellationException) {
                    r = new ApprovalReport(StageOutcome.CANCELLED, null, Promotion.message(cause), clock.instant());
                } else {
                    throw new CompletionException(cause);
                }
            } else {
                r = new ApprovalReport(d.approved() ? StageOutcome.SUCCEEDED : StageOutcome.DENIED, d.by(), d.comment(), clock.instant());
            }
            return r;
        });
    }
}
