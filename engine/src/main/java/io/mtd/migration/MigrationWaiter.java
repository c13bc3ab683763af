package io.mtd.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.NamespaceWatch;
import io.mtd.plan.Durations;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Waits for one migration Job to end, from the shared namespace watch: completes on the Job's Complete or Failed
 * condition, or as soon as a Pod shows it can never succeed; follows every attempt's log meanwhile.
 */
final class MigrationWaiter {

    private static final Duration HEARTBEAT = Duration.ofSeconds(30);
    /** After the Job ended, the log is read on while lines keep arriving, and given up after this long without any. */
    private static final Duration LOG_IDLE = Duration.ofSeconds(5);
    private static final int LOG_LINES_KEPT = 20_000;
    /** How long after the Job's end its Pods may still look unfinished in the (separate) Pod informer. */
    private static final Duration POD_SETTLE = Duration.ofSeconds(3);

    private final KubernetesClient client;
    private final NamespaceWatch watch;
    private final String jobName;
    private final String environment;
    private final ProgressListener listener;
    private final SecretMasker masker;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Duration unschedulableGrace;
    private final Runnable onChange = this::evaluateLater;

    private final CompletableFuture<MigrationResult> result = new CompletableFuture<>();
    private final Map<String, PodLogStream> logs = new HashMap<>();
    private final Map<String, String> phases = new HashMap<>();
    private final Deque<String> logLines = new ArrayDeque<>();
    private final Instant started;
    private volatile long lastLineNanos = System.nanoTime();
    private boolean seenJob;
    private long endSeenNanos;
    private boolean finishing;
    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> recheck;

    MigrationWaiter(KubernetesClient client, NamespaceWatch watch, String jobName, String environment,
            ProgressListener listener, SecretMasker masker, ScheduledExecutorService scheduler, Clock clock,
            Duration unschedulableGrace) {
        this.client = client;
        this.watch = watch;
        this.jobName = jobName;
        this.environment = environment;
        this.listener = listener;
        this.masker = masker;
        this.scheduler = scheduler;
        this.clock = clock;
        this.unschedulableGrace = unschedulableGrace;
        this.started = clock.instant();
    }

    /** Starts waiting; the result completes within {@code maxWait} at the latest (TIMED_OUT, the Job left running). */
    CompletableFuture<MigrationResult> await(Duration maxWait) {
        watch.subscribe(jobName, onChange);
        heartbeat = scheduler.scheduleAtFixedRate(this::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        deadline = scheduler.schedule(() -> finish(new MigrationResult(StageOutcome.TIMED_OUT, MigrationReason.Engine.WAIT_TIMEOUT,
                "stopped waiting after " + Durations.format(maxWait) + "; the Job " + jobName + " was left running",
                null, attempts(), null)), maxWait.toMillis(), TimeUnit.MILLISECONDS);
        evaluateLater();
        return result;
    }

    /** Stops waiting (the run was cancelled). */
    void cancel(String why) {
        finish(new MigrationResult(StageOutcome.CANCELLED, MigrationReason.Engine.CANCELLED, why, null, attempts(), null));
    }

    private void evaluateLater() {
        // informer callbacks must stay quick, and starting a log stream makes a request: evaluate on the scheduler
        scheduler.execute(this::evaluate);
    }

    private synchronized void evaluate() {
        if (finishing || result.isDone()) {
            return;
        }
        try {
            Job job = watch.job(jobName);
            if (job == null) {
                if (seenJob) {
                    finish(new MigrationResult(StageOutcome.FAILED, MigrationReason.Engine.JOB_DELETED,
                            "the Job " + jobName + " was deleted while the engine waited on it", null, attempts(), null));
                }
                return;
            }
            seenJob = true;
            List<Pod> pods = watch.pods(jobName);
            for (Pod pod : pods) {
                notePhase(pod);
                followLog(pod);
            }
            boolean ended = condition(job, JobConditionType.COMPLETE).isPresent() || condition(job, JobConditionType.FAILED).isPresent();
            if (ended && !podsSettled(pods)) {
                // the Job and Pod informers run apart: the Job's end can arrive before its Pod's, which holds the exit
                // code, the reason and the log to follow; give the Pod view a moment to catch up
                scheduler.schedule(this::evaluateLater, 100, TimeUnit.MILLISECONDS);
                return;
            }
            Optional<JobCondition> complete = condition(job, JobConditionType.COMPLETE);
            if (complete.isPresent()) {
                Pod last = pods.isEmpty() ? null : pods.get(pods.size() - 1);
                Integer exitCode = last == null ? null : PodDiagnosis.exitCode(last);
                finish(new MigrationResult(StageOutcome.SUCCEEDED, null, null, exitCode == null ? 0 : exitCode,
                        attempts(pods), null));
                return;
            }
            Optional<JobCondition> failed = condition(job, JobConditionType.FAILED);
            if (failed.isPresent()) {
                finish(failure(failed.get(), pods));
                return;
            }
            for (Pod pod : pods) {
                if (PodDiagnosis.isTerminal(pod)) {
                    continue;
                }
                Optional<PodDiagnosis.Problem> stuck = PodDiagnosis.stuck(pod, clock.instant(), unschedulableGrace);
                if (stuck.isPresent()) {
                    PodDiagnosis.Problem p = stuck.get();
                    finish(new MigrationResult(StageOutcome.FAILED, MigrationReason.of(p.reason()), "Pod " + pod.getMetadata().getName() + ": "
                            + p.describe(), null, attempts(pods), null));
                    return;
                }
                if (isUnschedulable(pod) && (recheck == null || recheck.isDone())) {
                    recheck = scheduler.schedule(this::evaluateLater, unschedulableGrace.toMillis() + 50, TimeUnit.MILLISECONDS);
                }
            }
        } catch (RuntimeException e) {
            finish(new MigrationResult(StageOutcome.FAILED, MigrationReason.Engine.ENGINE_ERROR, "could not read the Job's state: " + e.getMessage(),
                    null, attempts(), null));
        }
    }

    /** Whether every known Pod of the ended Job shows its end too, or long enough has passed to stop expecting it. */
    private boolean podsSettled(List<Pod> pods) {
        if (endSeenNanos == 0) {
            endSeenNanos = System.nanoTime();
        }
        if (System.nanoTime() - endSeenNanos > POD_SETTLE.toNanos()) {
            return true;
        }
        // no Pod at all (deleted, or never seen): nothing to wait for
        return pods.stream().allMatch(PodDiagnosis::isTerminal);
    }

    private MigrationResult failure(JobCondition failed, List<Pod> pods) {
        MigrationReason reason = MigrationReason.of(failed.getReason() == null ? JobConditionType.FAILED.value() : failed.getReason());
        StringBuilder message = new StringBuilder(failed.getMessage() == null ? "the Job failed" : failed.getMessage());
        Integer exitCode = null;
        String podReason = null;
        for (int i = pods.size() - 1; i >= 0; i--) {
            Optional<PodDiagnosis.Problem> ended = PodDiagnosis.ended(pods.get(i));
            if (ended.isPresent()) {
                exitCode = PodDiagnosis.exitCode(pods.get(i));
                podReason = ended.get().reason();
                message.append("; last attempt (Pod ").append(pods.get(i).getMetadata().getName()).append("): ")
                        .append(ended.get().describe());
                break;
            }
        }
        StageOutcome outcome = MigrationReason.Kubernetes.DEADLINE_EXCEEDED.equals(reason) ? StageOutcome.TIMED_OUT : StageOutcome.FAILED;
        if (MigrationReason.Kubernetes.BACKOFF_LIMIT_EXCEEDED.equals(reason) && podReason != null && !"Error".equals(podReason)) {
            reason = MigrationReason.of(podReason); // OOMKilled or Evicted says more than "the last retry failed"
        }
        return new MigrationResult(outcome, reason, message.toString(), exitCode, attempts(pods), null);
    }

    private void notePhase(Pod pod) {
        String name = pod.getMetadata().getName();
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
        String before = phases.put(name, phase);
        if (before == null) {
            note("Pod " + name + " created (attempt " + phases.size() + ")");
        }
        if (!phase.equals(before) && !"Pending".equals(phase)) {
            String detail = PodDiagnosis.ended(pod).map(p -> ": " + p.describe()).orElse("");
            note("Pod " + name + " " + phase + detail);
        }
    }

    private void followLog(Pod pod) {
        String name = pod.getMetadata().getName();
        if (logs.containsKey(name) || !PodDiagnosis.hasStarted(pod)) {
            return;
        }
        String source = name;
        logs.put(name, PodLogStream.follow(client, watch.namespace(), name, MigrationJob.CONTAINER, scheduler, lines -> {
            lastLineNanos = System.nanoTime();
            List<String> masked = masker.maskLines(lines);
            synchronized (logLines) {
                for (String line : masked) {
                    logLines.addLast(line);
                    if (logLines.size() > LOG_LINES_KEPT) {
                        logLines.removeFirst();
                    }
                }
            }
            listener.onLines(Stage.MIGRATION, environment, source, masked);
        }));
    }

    private void heartbeat() {
        if (!result.isDone()) {
            note("still running after " + Durations.format(Duration.between(started, clock.instant())) + " (Job " + jobName + ")");
        }
    }

    private synchronized void finish(MigrationResult r) {
        if (finishing || result.isDone()) {
            return;
        }
        finishing = true;
        watch.unsubscribe(jobName, onChange);
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (deadline != null) {
            deadline.cancel(false);
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        logs.values().forEach(l -> pending.add(l.done()));
        boolean stopFollowing = r.outcome() == StageOutcome.CANCELLED || r.outcome() == StageOutcome.TIMED_OUT
                && r.reason() == MigrationReason.Engine.WAIT_TIMEOUT;
        if (stopFollowing) {
            logs.values().forEach(PodLogStream::close);
        }
        // let the last lines of the log arrive before the result is reported, so nothing printed after it is missing;
        // the quiet period counts from now, as the Job's end may be seen before its last bytes arrive
        lastLineNanos = System.nanoTime();
        drain(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)), r);
    }

    /** Reports {@code r} once every log stream ended, or went quiet for {@link #LOG_IDLE} (a stream that broke). */
    private void drain(CompletableFuture<Void> logsEnded, MigrationResult r) {
        boolean idle = System.nanoTime() - lastLineNanos > LOG_IDLE.toNanos();
        if (!logsEnded.isDone() && !idle) {
            scheduler.schedule(() -> drain(logsEnded, r), 100, TimeUnit.MILLISECONDS);
            return;
        }
        logs.values().forEach(PodLogStream::close);
        List<String> lines;
        synchronized (logLines) {
            lines = List.copyOf(logLines);
        }
        result.complete(new MigrationResult(r.outcome(), r.reason(), r.message(), r.exitCode(), r.attempts(), lines));
    }

    private int attempts() {
        return attempts(watch.pods(jobName));
    }

    private static int attempts(List<Pod> pods) {
        return pods.size();
    }

    private boolean isUnschedulable(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())
                        && "Unschedulable".equals(c.getReason()));
    }

    private void note(String message) {
        listener.on(new ProgressEvent.Note(Stage.MIGRATION, environment, message));
    }

    /** The Job's condition of that type, if it is true. */
    static Optional<JobCondition> condition(Job job, JobConditionType type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.value().equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
    }
}
