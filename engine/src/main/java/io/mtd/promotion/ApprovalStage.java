package io.mtd.promotion;

import static io.mtd.concurrent.Futures.unwrap;

import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.report.ApprovalReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

    /** What one approval needs. */
    public record Target(Plan plan, Environment environment, String image, ProgressListener listener,
            CompletableFuture<String> cancelled) {}

    /**
     * The environment's approval: null when it needs none, else a report whose outcome says whether it was given
     * (denied, timed out and cancelled are reports too); fails only when the gate itself failed.
     */
    public CompletableFuture<ApprovalReport> approve(Target t) {
        Environment env = t.environment();
        if (!env.requiresApproval()) {
            return CompletableFuture.completedFuture(null);
        }
        Duration timeout = t.plan().rolloutOrDefaults().approvalTimeoutOrDefault();
        t.listener().on(new ProgressEvent.StageStarted(Stage.APPROVAL, env.name(), "waiting up to " + Durations.format(timeout)
                + " for approval to promote " + t.image() + " to " + env.name()));
        Instant asked = clock.instant();
        CompletableFuture<ApprovalGate.Decision> decision = gate.request(new ApprovalGate.Request(t.plan().app(), env.name(),
                env.namespaceOrDefault(), t.image(), env.approvers(), timeout)).toCompletableFuture();
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
            t.listener().on(new ProgressEvent.StageFinished(Stage.APPROVAL, env.name(), r.outcome(),
                    Duration.between(asked, clock.instant()),
                    (r.outcome() == StageOutcome.SUCCEEDED ? "approved" : "not approved") + (r.by() == null ? "" : " by " + r.by())
                            + (r.comment() == null ? "" : ": " + r.comment())));
            return r;
        });
    }
}
