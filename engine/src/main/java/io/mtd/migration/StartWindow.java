package io.mtd.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mtd.concurrent.Ticker;
import io.mtd.kube.ApiError;
import io.mtd.kube.LeaseLock;
import io.mtd.kube.WatchWait;
import io.mtd.plan.Durations;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Keeps a migration Job's Pods from starting its container unless a run that holds the slot's lock watches it, or soon
 * after: nothing else can stop a Pod whose creator died (the kubelet starts it once its image is pulled or its Secret
 * appears), so the Job itself carries the bound, enforced by the Job controller without any engine alive.
 *
 * <p>The Job is created suspended (no Pods). The run that created it resumes it only once it watches it and its lease
 * is surely its own, with {@code activeDeadlineSeconds} set to the start window: one lease duration. While the container
 * has not started, the run moves that deadline on every third of a lease (a heartbeat on the Job), only while its lease
 * is surely its own; once the container started it gives the Job its whole timeout. A run that dies (or loses its lock)
 * stops moving it, and the Job controller fails the Job and deletes its Pods when the window ends: a container that had
 * not started by then never starts. The controller counts the deadline from the Job's own start time, by its own clock;
 * this run only says how long, measured on its monotonic {@link Ticker} from when it sent the resume (never earlier than
 * the controller's start), so no two machines' clocks are compared.
 *
 * <p>The one gap: a run that dies between its container's start and the moment it gives the Job its timeout (the next
 * check after the Pod's change, milliseconds) leaves a migration that the window still ends.
 */
final class StartWindow {

    /** How soon a failed patch is tried again (well within the window). */
    private static final Duration RETRY = Duration.ofMillis(500);

    private final JobSite site;
    private final LeaseLock.Held held;
    private final MigrationJob job;
    private final Duration window;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Ticker ticker;
    /** When the resume was sent (ticker), or -1 before; the Job's deadline counts from a moment no earlier. */
    private long resumedAt = -1;
    /** The deadline the Job has now, in seconds from its start. */
    private long deadline;
    private boolean resumedNoted;

    /**
     * @param job the Job this run created, suspended
     */
    StartWindow(JobSite site, LeaseLock.Held held, MigrationJob job, ScheduledExecutorService scheduler, Executor api,
            Ticker ticker) {
        this.site = site;
        this.held = held;
        this.job = job;
        this.window = job.startWindow();
        this.timeout = job.migration().timeoutOrDefault();
        this.scheduler = scheduler;
        this.api = api;
        this.ticker = ticker;
    }

    /**
     * Resumes the Job once this run may (watching it already, its lease surely its own, not cancelled) and keeps its
     * window until its container started or it ended; completing the returned future stops it. For a Job another run
     * created and this one attaches to (already resumed), only the last step: its whole timeout once it started.
     */
    CompletableFuture<Void> keep(boolean created, Duration maxWait) {
        if (!created) {
            resumedAt = ticker.nanos();
            deadline = -1;
        }
        return WatchWait.on(site.watch().jobChanges(job.name())).checkedOn(api, scheduler).within(maxWait)
                .until(new WatchWait.Condition<>() {
                    @Override
                    public WatchWait.Check<Void> check() {
                        return StartWindow.this.check();
                    }

                    @Override
                    public Void timedOut() {
                        return null;
                    }
                });
    }

    private WatchWait.Check<Void> check() {
        Job j = site.watch().job(job.name());
        if (resumedAt >= 0 && (j == null || JobStatus.ended(j))) {
            return WatchWait.Check.done(null);
        }
        if (site.cancelled().isDone() || held.lost().isDone()) {
            // no Pod is let start now; one that has not started yet may not outlive the window (the waiter deletes it)
            return WatchWait.Check.done(null);
        }
        List<Pod> pods = site.watch().pods(job.name());
        boolean started = pods.stream().anyMatch(PodDiagnosis::hasStarted);
        Duration period = Duration.ofMillis(Math.max(200, window.toMillis() / 3));
        try {
            if (resumedAt < 0) {
                if (!held.validFor(held.leaseDuration().dividedBy(3))) {
                    return WatchWait.Check.recheckIn(Duration.ofMillis(100)); // a renewal is due: resume after it
                }
                long seconds = Math.min(timeoutSeconds(), Math.max(1, window.toSeconds()));
                long sent = ticker.nanos();
                patch("{\"spec\":{\"suspend\":false,\"activeDeadlineSeconds\":" + seconds + "}}");
                resumedAt = sent;
                deadline = seconds;
                if (!resumedNoted) {
                    resumedNoted = true;
                    site.note(job, "resumed Job " + job.name() + ": its Pod may start now" + (seconds < timeoutSeconds()
                            ? ", within " + Durations.format(window) + " of this run's last sign of life (start window)" : ""));
                }
                return WatchWait.Check.recheckIn(period);
            }
            if (started) {
                if (deadline >= 0 && deadline < timeoutSeconds()) {
                    patch("{\"spec\":{\"activeDeadlineSeconds\":" + timeoutSeconds() + "}}");
                    deadline = timeoutSeconds();
                } else if (deadline < 0 && j != null && j.getSpec().getActiveDeadlineSeconds() != null
                        && j.getSpec().getActiveDeadlineSeconds() < timeoutSeconds()) {
                    // attached to a Job whose creator died just after its container started: its whole timeout
                    patch("{\"spec\":{\"activeDeadlineSeconds\":" + timeoutSeconds() + "}}");
                }
                return WatchWait.Check.done(null);
            }
            if (deadline < 0 || deadline >= timeoutSeconds()) {
                return WatchWait.Check.recheckIn(period); // nothing to move: wait for the start
            }
            if (!held.validFor(held.leaseDuration().dividedBy(3))) {
                return WatchWait.Check.recheckIn(Duration.ofMillis(100)); // not surely ours now: no heartbeat
            }
            long elapsed = Duration.ofNanos(ticker.nanos() - resumedAt).toSeconds() + 1;
            long next = Math.min(timeoutSeconds(), elapsed + Math.max(1, window.toSeconds()));
            if (next > deadline) {
                patch("{\"spec\":{\"activeDeadlineSeconds\":" + next + "}}");
                deadline = next;
            }
            return WatchWait.Check.recheckIn(period);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return WatchWait.Check.done(null);
            }
            site.note(job, "could not update the start window of Job " + job.name() + " (" + ApiError.describe(e) + "); trying again");
            return WatchWait.Check.recheckIn(RETRY);
        }
    }

    private long timeoutSeconds() {
        return Math.max(1, timeout.toSeconds());
    }

    /** A write that must land while the lock is ours: through the lock's bounded client. */
    private void patch(String json) {
        held.boundedClient().batch().v1().jobs().inNamespace(site.namespace()).withName(job.name())
                .patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }
}
