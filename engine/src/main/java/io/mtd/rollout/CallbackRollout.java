package io.mtd.rollout;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Environment;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RolloutReport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CompletionStage;

/**
 * Runs the caller's own rollout ({@link RolloutCallback}) for one environment, with a temporary kubeconfig for its
 * cluster that exists only while the callback runs.
 */
public final class CallbackRollout {

    /** {@link RolloutReport#mode()} of this rollout's reports. */
    public static final String MODE = "callback";

    private final RolloutCallback callback;

    public CallbackRollout(RolloutCallback callback) {
        this.callback = callback;
    }

    /** Calls the callback for {@code env}; never completes exceptionally: a failed callback is a FAILED report. */
    public CompletableFuture<RolloutReport> roll(KubernetesClient client, Environment env, String image, ProgressListener listener) {
        long started = System.nanoTime();
        ProgressListener progress = listener == null ? ProgressListener.NONE : listener;
        TemporaryKubeconfig kubeconfig;
        CompletionStage<Void> stage;
        try {
            kubeconfig = TemporaryKubeconfig.write(client, env.namespaceOrDefault());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(started, e));
        }
        RolloutCallback.Target target = new RolloutCallback.Target(env.name(), env.namespaceOrDefault(), image, kubeconfig.path());
        progress.on(new ProgressEvent.Note(Stage.ROLLOUT, env.name(), "calling the rollout callback for " + image));
        try {
            stage = callback.rollout(target);
            if (stage == null) {
                throw new IllegalStateException("the rollout callback returned no completion stage");
            }
        } catch (RuntimeException e) {
            kubeconfig.close();
            return CompletableFuture.completedFuture(failed(started, e));
        }
        CompletableFuture<Void> running = stage.toCompletableFuture();
        AtomicBoolean endedFromOutside = new AtomicBoolean();
        // cancelling the rollout, or ending it from outside (its timeout), cancels the callback and so stops a hook command:
        // before the caller's dependents run, so that no report is made while the callback could still act
        CompletableFuture<RolloutReport> result = new CompletableFuture<>() {
            @Override
            public boolean completeExceptionally(Throwable ex) {
                stopCallback();
                return super.completeExceptionally(ex);
            }

            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                stopCallback();
                return super.cancel(mayInterruptIfRunning);
            }

            private void stopCallback() {
                if (!isDone() && endedFromOutside.compareAndSet(false, true)) {
                    running.cancel(true);
                }
            }
        };
        running.whenComplete((v, e) -> {
            try {
                kubeconfig.close();
            } catch (RuntimeException closeFailure) {
                progress.on(new ProgressEvent.Note(Stage.ROLLOUT, env.name(), closeFailure.getMessage()));
            }
            if (!endedFromOutside.get()) { // else the caller's own ending (timeout, cancel) is the report
                result.complete(e == null
                        ? new RolloutReport(MODE, StageOutcome.SUCCEEDED, null, elapsed(started), List.of())
                        : failed(started, e));
            }
        });
        return result;
    }

    private static RolloutReport failed(long started, Throwable e) {
        Throwable cause = io.mtd.concurrent.Futures.unwrap(e);
        StageOutcome outcome = cause instanceof CancellationException ? StageOutcome.CANCELLED
                : cause instanceof RolloutFailedException r ? r.outcome() : StageOutcome.FAILED;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new RolloutReport(MODE, outcome, "the rollout callback failed: " + message, elapsed(started), List.of());
    }

    private static Duration elapsed(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
