package io.mtd.rollout;

import static io.mtd.concurrent.Futures.unwrap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mtd.kube.DeploymentWatches;
import io.mtd.plan.Environment;
import io.mtd.plan.Rollout;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RolloutReport;
import io.mtd.report.RolloutReport.DeploymentReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;

/**
 * Rolls one environment's Deployments out to the image, waits until every one is available, and undoes all of them
 * when one fails.
 *
 * <p>Idempotent: a Deployment that already runs the image and is available is left alone, and one that already runs
 * it but is still rolling out is waited on rather than changed again. Reports notes through the listener; the stage's
 * start and end events are the caller's to send, from the report.
 */
public final class RolloutStage {

    /** {@link RolloutReport#mode()} of this stage's reports. */
    public static final String MODE = "deployments";

    private final ScheduledExecutorService scheduler;
    private final DeploymentWatches watches;

    /**
     * @param scheduler runs the API calls, timeouts and continuations; a few threads serve any number of rollouts
     * @param watches the shared watches every rollout in a namespace waits on; the caller closes them
     */
    public RolloutStage(ScheduledExecutorService scheduler, DeploymentWatches watches) {
        this.scheduler = scheduler;
        this.watches = watches;
    }

    /**
     * Rolls {@code env}'s Deployments out to {@code image}; never completes exceptionally: every failure is a report.
     * Cancelling the returned future stops waiting without undoing anything.
     */
    public CompletableFuture<RolloutReport> roll(
            KubernetesClient client, Environment env, String image, Rollout settings, ProgressListener listener) {
        return new Run(client, env, image, settings == null ? Rollout.DEFAULTS : settings, listener).start();
    }

    /** One Deployment of the environment and what happened to it. */
    private static final class Target {
        final String name;
        Deployment before;
        String container;
        Long revisionBefore;
        PodTemplateSpec templateBefore;
        boolean unchanged;
        /** this run changed its template */
        boolean changed;
        /** it already ran the image but was still rolling out, so this run waits on that rollout */
        boolean attached;
        CompletableFuture<Deployment> wait;
        StageOutcome outcome;
        String reason;
        Long revisionAfter;
        boolean undone;
        String problem;

        Target(String name) {
            this.name = name;
        }

        boolean touched() {
            return changed || attached;
        }

        DeploymentReport report() {
            return new DeploymentReport(name, outcome, reason, revisionBefore, revisionAfter, unchanged, undone);
        }
    }

    private final class Run {
        private final KubernetesClient client;
        private final Environment env;
        private final String namespace;
        private final String image;
        private final Rollout settings;
        private final ProgressListener listener;
        private final RolloutWaiter waiter;
        private final long started = System.nanoTime();
        private final List<Target> targets;
        private final CompletableFuture<RolloutReport> result = new CompletableFuture<>();

        Run(KubernetesClient client, Environment env, String image, Rollout settings, ProgressListener listener) {
            this.client = client;
            this.env = env;
            this.namespace = env.namespaceOrDefault();
            this.image = image;
            this.settings = settings;
            this.listener = listener == null ? ProgressListener.NONE : listener;
            this.waiter = new RolloutWaiter(client, watches, scheduler);
            this.targets = env.deployments().stream().map(Target::new).collect(Collectors.toList());
        }

        CompletableFuture<RolloutReport> start() {
            if (targets.isEmpty()) {
                result.complete(new RolloutReport(MODE, StageOutcome.SKIPPED, "environment " + env.name() + " names no Deployments",
                        elapsed(), List.of()));
                return result;
            }
            result.whenComplete((r, e) -> {
                if (e instanceof CancellationException) {
                    targets.stream().filter(t -> t.wait != null).forEach(t -> t.wait.cancel(false));
                }
            });
            CompletableFuture.runAsync(this::prepare, scheduler)
                    .thenRunAsync(this::apply, scheduler)
                    .thenComposeAsync(v -> firstFailure(), scheduler)
                    .thenComposeAsync(failed -> failed == null ? succeeded() : failed(failed), scheduler)
                    .whenComplete((report, e) -> {
                        if (e != null) {
                            result.complete(unexpected(e));
                        } else {
                            result.complete(report);
                        }
                    });
            return result;
        }

        /** Reads every Deployment and checks it can be rolled out, before any is changed. */
        private void prepare() {
            List<String> problems = new ArrayList<>();
            for (Target t : targets) {
                try {
                    prepare(t);
                } catch (RolloutFailedException | KubernetesClientException e) {
                    t.problem = e instanceof KubernetesClientException
                            ? "could not read Deployment " + t.name + " in namespace " + namespace + ": " + e.getMessage()
                            : e.getMessage();
                    problems.add(t.problem);
                }
            }
            if (!problems.isEmpty()) {
                for (Target t : targets) {
                    t.outcome = t.problem != null ? StageOutcome.FAILED : StageOutcome.NOT_REACHED;
                    t.reason = t.problem != null ? t.problem : "left alone because another Deployment cannot be rolled out";
                }
                throw new RolloutFailedException(String.join("; ", problems));
            }
        }

        private void prepare(Target t) {
            RolloutTargets.Target found = RolloutTargets.find(client, env, t.name);
            Deployment d = found.deployment();
            Container c = found.container();
            t.before = d;
            t.container = c.getName();
            t.revisionBefore = RolloutStatus.revision(d);
            t.templateBefore = new PodTemplateSpecBuilder(d.getSpec().getTemplate()).build();
            if (image.equals(c.getImage())) {
                t.unchanged = RolloutStatus.isComplete(d);
                t.attached = !t.unchanged;
            }
        }

        /** Sets the image where it differs, then starts waiting on every Deployment not left alone. */
        private void apply() {
            for (Target t : targets) {
                if (t.unchanged) {
                    t.outcome = StageOutcome.SKIPPED;
                    t.reason = "already runs the image and is available";
                    t.revisionAfter = t.revisionBefore;
                    note(t.name + ": already runs " + image + " and is available; left alone");
                } else if (t.attached) {
                    note(t.name + ": already updated to " + image + "; waiting for its rollout to finish");
                } else {
                    note(t.name + ": setting container " + t.container + " to " + image
                            + (t.revisionBefore == null ? "" : " (was revision " + t.revisionBefore + ")"));
                    try {
                        t.before = setImage(t);
                    } catch (RuntimeException e) {
                        t.problem = "could not update Deployment " + t.name + " in namespace " + namespace + ": " + e.getMessage();
                        t.wait = CompletableFuture.failedFuture(new RolloutFailedException(t.problem));
                        // the Deployments changed so far are undone like after any other failure
                        return;
                    }
                    t.changed = true;
                }
                if (!t.unchanged) {
                    t.wait = waiter.await(t.before, settings.timeoutOrDefault(), settings.crashLoopThresholdOrDefault(), this::note);
                }
            }
        }

        /**
         * Sets the image with a JSON patch that carries no resourceVersion, as {@code kubectl set image} does, so
         * that the controller's concurrent status updates cannot make it conflict; the test ops guard the index and the
         * image read before, so that the patch never lands over another run's change made in between.
         */
        private Deployment setImage(Target t) {
            List<Container> containers = t.before.getSpec().getTemplate().getSpec().getContainers();
            int index = containers.indexOf(containers.stream().filter(c -> c.getName().equals(t.container)).findFirst().orElseThrow());
            String path = "/spec/template/spec/containers/" + index;
            String seen = containers.get(index).getImage();
            // the image as read before: a run that set another since (a newer one) is not undone by this older patch
            String patch = client.getKubernetesSerialization().asJson(List.of(
                    Map.of("op", "test", "path", path + "/name", "value", t.container),
                    Map.of("op", "test", "path", path + "/image", "value", seen),
                    Map.of("op", "replace", "path", path + "/image", "value", image)));
            return client.apps().deployments().inNamespace(namespace).withName(t.name).patch(PatchContext.of(PatchType.JSON), patch);
        }

        /** Completes with the first Deployment whose rollout failed, or null once every rollout completed. */
        private CompletableFuture<Target> firstFailure() {
            List<Target> waiting = targets.stream().filter(t -> t.wait != null).collect(Collectors.toList());
            CompletableFuture<Target> first = new CompletableFuture<>();
            for (Target t : waiting) {
                t.wait.whenComplete((d, e) -> {
                    if (e != null) {
                        first.complete(t);
                    }
                });
            }
            CompletableFuture.allOf(waiting.stream().map(t -> t.wait).toArray(CompletableFuture[]::new))
                    .whenComplete((v, e) -> first.complete(waiting.stream()
                            .filter(t -> t.wait.isCompletedExceptionally()).findFirst().orElse(null)));
            return first;
        }

        private CompletableFuture<RolloutReport> succeeded() {
            boolean allUnchanged = true;
            for (Target t : targets) {
                if (t.unchanged) {
                    continue;
                }
                allUnchanged = false;
                Deployment done = t.wait.join();
                t.outcome = StageOutcome.SUCCEEDED;
                t.revisionAfter = RolloutStatus.revision(done);
                note(t.name + ": rolled out" + (t.revisionAfter == null ? "" : ", revision " + t.revisionAfter));
            }
            StageOutcome outcome = allUnchanged ? StageOutcome.SKIPPED : StageOutcome.SUCCEEDED;
            String reason = allUnchanged ? "every Deployment already runs " + image : null;
            return CompletableFuture.completedFuture(report(outcome, reason));
        }

        private CompletableFuture<RolloutReport> failed(Target failed) {
            Throwable cause = unwrap(failedWith(failed.wait));
            failed.outcome = cause instanceof RolloutFailedException r ? r.outcome() : StageOutcome.FAILED;
            failed.reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            note(failed.name + ": rollout failed: " + failed.reason);
            for (Target t : targets) {
                if (t == failed || t.unchanged) {
                    continue;
                }
                if (t.wait != null && !t.wait.isDone()) {
                    t.wait.cancel(false);
                }
                if (t.wait == null) {
                    t.outcome = StageOutcome.NOT_REACHED;
                    t.reason = "left alone because " + failed.name + " failed first";
                } else if (t.wait.isCompletedExceptionally() && !t.wait.isCancelled()) {
                    Throwable own = unwrap(failedWith(t.wait));
                    t.outcome = own instanceof RolloutFailedException r ? r.outcome() : StageOutcome.FAILED;
                    t.reason = own.getMessage();
                } else {
                    t.outcome = StageOutcome.CANCELLED;
                    t.reason = (t.wait.isCancelled() ? "stopped" : "rolled out, but") + " because " + failed.name + " failed";
                }
            }
            List<Target> touched = targets.stream().filter(Target::touched).collect(Collectors.toList());
            if (!settings.undoesOnFailure()) {
                touched.forEach(t -> {
                    t.revisionAfter = currentRevision(t);
                    t.reason += "; not undone (rollout.undoOnFailure is false)";
                });
                note("not undoing the rollout: rollout.undoOnFailure is false");
                return CompletableFuture.completedFuture(report(failed.outcome, failed.reason + "; not undone (rollout.undoOnFailure is false)"));
            }
            CompletableFuture<?>[] undos = touched.stream().map(this::undo).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(undos).thenApplyAsync(v -> {
                String undone = touched.stream().filter(t -> t.undone)
                        .map(t -> t.name + (t.revisionAfter == null ? "" : " to revision " + t.revisionAfter))
                        .collect(Collectors.joining(", "));
                List<String> notUndone = touched.stream().filter(t -> !t.undone).map(t -> t.name).collect(Collectors.toList());
                String summary = (undone.isEmpty() ? "" : "; undone: " + undone)
                        + (notUndone.isEmpty() ? "" : "; could not undo " + String.join(", ", notUndone) + " (see its report)");
                return report(failed.outcome, failed.reason + summary);
            }, scheduler);
        }

        private CompletableFuture<Void> undo(Target t) {
            Long to = t.changed ? t.revisionBefore : null;
            note(t.name + ": undoing the rollout" + (to == null ? " to the previous revision" : ", back to revision " + to));
            RolloutUndo undo = new RolloutUndo(client);
            return CompletableFuture.supplyAsync(() -> undo.undo(namespace, t.name, to, t.changed ? t.templateBefore : null), scheduler)
                    .thenCompose(u -> waiter.await(u.deployment(), settings.timeoutOrDefault(), settings.crashLoopThresholdOrDefault(),
                                    this::note)
                            .thenApply(d -> u))
                    .handle((u, e) -> {
                        if (e == null) {
                            t.undone = true;
                            t.revisionAfter = u.revision() != null ? u.revision() : t.revisionBefore;
                            t.reason += "; undone to revision " + t.revisionAfter;
                            note(t.name + ": undone; revision " + t.revisionAfter + " is available again");
                        } else {
                            Throwable cause = unwrap(e);
                            t.revisionAfter = currentRevision(t);
                            t.reason += "; the undo failed: " + cause.getMessage();
                            note(t.name + ": the undo failed: " + cause.getMessage());
                        }
                        return null;
                    });
        }

        private Long currentRevision(Target t) {
            try {
                return RolloutStatus.revision(client.apps().deployments().inNamespace(namespace).withName(t.name).get());
            } catch (KubernetesClientException e) {
                return null;
            }
        }

        private RolloutReport report(StageOutcome outcome, String reason) {
            return new RolloutReport(MODE, outcome, reason, elapsed(),
                    targets.stream().map(Target::report).collect(Collectors.toList()));
        }

        private RolloutReport unexpected(Throwable e) {
            Throwable cause = unwrap(e);
            for (Target t : targets) {
                if (t.outcome == null) {
                    t.outcome = StageOutcome.NOT_REACHED;
                }
            }
            String reason = cause instanceof RolloutFailedException ? cause.getMessage()
                    : "the rollout of environment " + env.name() + " failed: " + cause;
            return report(StageOutcome.FAILED, reason);
        }

        private Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - started);
        }

        private void note(String message) {
            listener.on(new ProgressEvent.Note(Stage.ROLLOUT, env.name(), message));
        }
    }

    private static Throwable failedWith(CompletableFuture<?> future) {
        try {
            future.get();
            return new IllegalStateException("the rollout did not fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

}
