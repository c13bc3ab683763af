package io.mtd.migration;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.concurrent.Futures;
import io.mtd.concurrent.Ticker;
import io.mtd.kube.Labels;
import io.mtd.kube.NamespaceWatch;
import io.mtd.kube.WatchWait;
import io.mtd.plan.Durations;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Waits for one migration Job to end, from the shared namespace watch: completes on the Job's Complete or Failed
 * condition, or as soon as a Pod shows it can never succeed; follows every attempt's log meanwhile.
 */
final class MigrationWaiter {

    private static final Duration HEARTBEAT = Duration.ofSeconds(30);
    /** After the Job ended, the log is read on while lines keep arriving, and given up after this long without any. */
    private static final Duration LOG_IDLE = Duration.ofSeconds(5);
    static final int LOG_LINES_KEPT = MigrationStage.LOG_LINES_KEPT;
    /** How long after the Job's end its Pods may still look unfinished in the (separate) Pod informer. */
    private static final Duration POD_SETTLE = Duration.ofSeconds(3);
    private static final Duration POD_SETTLE_CHECK = Duration.ofMillis(100);

    private final KubernetesClient client;
    private final NamespaceWatch watch;
    private final String jobName;
    private final String environment;
    /** The run's stage this Job's notes and log belong to (its kind's). */
    private final Stage stage;
    private final ProgressListener listener;
    private final SecretMasker masker;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final Duration unschedulableGrace;

    private final CompletableFuture<MigrationResult> result = new CompletableFuture<>();
    private final Map<String, PodLogStream> logs = new HashMap<>();
    private final Map<String, String> phases = new HashMap<>();
    private final Deque<String> logLines = new ArrayDeque<>();
    /** The last lines of each attempt's log, by Pod, in the order their logs were first followed. */
    private final Map<String, Deque<String>> tails = new LinkedHashMap<>();
    /** The notes that a Pod ended, each sent once that Pod's log has been printed (or went quiet). */
    private final List<CompletableFuture<Void>> endNotes = new ArrayList<>();
    private final long started;
    private volatile long lastLineNanos;
    /** When this waiter first saw each Pod unschedulable: how long it stays so is measured here, never from its timestamps. */
    private final Map<String, Long> unschedulableSince = new HashMap<>();
    private CompletableFuture<MigrationResult> verdict;
    private boolean seenJob;
    /** The Job's output is the engine's to read (a schema snapshot): kept as written, never streamed into the log. */
    private volatile boolean readByEngine;
    private long endSeenNanos;
    private long heartbeats;
    private boolean finishing;

    MigrationWaiter(KubernetesClient client, NamespaceWatch watch, String jobName, String environment, Stage stage,
            ProgressListener listener, SecretMasker masker, ScheduledExecutorService scheduler, Ticker ticker,
            Duration unschedulableGrace) {
        this.client = client;
        this.watch = watch;
        this.jobName = jobName;
        this.environment = environment;
        this.stage = stage;
        this.listener = listener;
        this.masker = masker;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.unschedulableGrace = unschedulableGrace;
        this.started = ticker.nanos();
        this.lastLineNanos = started;
    }

    /** Starts waiting; the result completes within {@code maxWait} at the latest (TIMED_OUT, the Job left running). */
    CompletableFuture<MigrationResult> await(Duration maxWait) {
        // checks start log streams (a request each): they run on the scheduler, never on the informers' thread
        verdict = WatchWait.on(watch.jobChanges(jobName)).checkedOn(scheduler, scheduler).within(maxWait)
                .until(new WatchWait.Condition<>() {
                    @Override
                    public WatchWait.Check<MigrationResult> check() {
                        return evaluate();
                    }

                    @Override
                    public MigrationResult timedOut() {
                        return new MigrationResult(StageOutcome.TIMED_OUT, MigrationReason.Engine.WAIT_TIMEOUT, "stopped waiting after "
                                + Durations.format(maxWait) + "; the Job " + jobName + " was left running", null, attempts(), null);
                    }
                });
        verdict.whenComplete((r, e) -> finish(e == null ? r : new MigrationResult(StageOutcome.FAILED,
                MigrationReason.Engine.ENGINE_ERROR, "could not wait for the Job: " + Futures.unwrap(e).getMessage(), null,
                attempts(), null)));
        return result;
    }

    /** Stops waiting (the run was cancelled). */
    void cancel(String why) {
        verdict.complete(new MigrationResult(StageOutcome.CANCELLED, MigrationReason.Engine.CANCELLED, why, null, attempts(), null));
    }

    /** One look at the Job and its Pods: notes their changes, follows their logs, and says whether the Job ended. */
    private synchronized WatchWait.Check<MigrationResult> evaluate() {
        if (finishing) {
            return WatchWait.Check.notYet();
        }
        heartbeat();
        Duration untilHeartbeat = Duration.ofNanos(started + (heartbeats + 1) * HEARTBEAT.toNanos() - ticker.nanos());
        try {
            Job job = watch.job(jobName);
            if (job == null) {
                if (seenJob) {
                    return WatchWait.Check.done(new MigrationResult(StageOutcome.FAILED, MigrationReason.Engine.JOB_DELETED,
                            "the Job " + jobName + " was deleted while the engine waited on it", null, attempts(), null));
                }
                return WatchWait.Check.recheckIn(untilHeartbeat);
            }
            seenJob = true;
            readByEngine = job.getMetadata().getAnnotations() != null
                    && Labels.LOG_READ_BY_ENGINE.equals(job.getMetadata().getAnnotations().get(Labels.ANNOTATION_LOG));
            List<Pod> pods = watch.pods(jobName);
            for (Pod pod : pods) {
                followLog(pod); // first: a Pod seen only once it ended still has its log read before its end is noted
                notePhase(pod);
            }
            if (JobStatus.ended(job) && !podsSettled(pods)) {
                // the Job and Pod informers run apart: the Job's end can arrive before its Pod's, which holds the exit
                // code, the reason and the log to follow; give the Pod view a moment to catch up
                return WatchWait.Check.recheckIn(POD_SETTLE_CHECK);
            }
            observeUnschedulable(pods);
            JobStatus status = JobStatus.of(job, pods, this::unschedulableFor, unschedulableGrace);
            if (status instanceof JobStatus.Succeeded s) {
                return WatchWait.Check.done(new MigrationResult(StageOutcome.SUCCEEDED, null, null, s.exitCode(), s.attempts(), null));
            }
            if (status instanceof JobStatus.Failed f) {
                return WatchWait.Check.done(new MigrationResult(f.deadlineExceeded() ? StageOutcome.TIMED_OUT : StageOutcome.FAILED,
                        f.reason(), f.message(), f.exitCode(), f.attempts(), null));
            }
            if (status instanceof JobStatus.Stuck s) {
                return WatchWait.Check.done(new MigrationResult(StageOutcome.FAILED, MigrationReason.of(s.problem().reason()),
                        s.describe(), null, s.attempts(), null));
            }
            // an unschedulable Pod fails the migration once it stays so for the grace: look again then
            boolean unschedulable = pods.stream().anyMatch(p -> !PodDiagnosis.isTerminal(p) && PodDiagnosis.isUnschedulable(p));
            Duration recheck = unschedulableGrace.plusMillis(50);
            return WatchWait.Check.recheckIn(unschedulable && recheck.compareTo(untilHeartbeat) < 0 ? recheck : untilHeartbeat);
        } catch (RuntimeException e) {
            return WatchWait.Check.done(new MigrationResult(StageOutcome.FAILED, MigrationReason.Engine.ENGINE_ERROR,
                    "could not read the Job's state: " + e.getMessage(), null, attempts(), null));
        }
    }

    private void observeUnschedulable(List<Pod> pods) {
        long now = ticker.nanos();
        for (Pod pod : pods) {
            if (PodDiagnosis.isUnschedulable(pod)) {
                unschedulableSince.putIfAbsent(pod.getMetadata().getName(), now);
            } else {
                unschedulableSince.remove(pod.getMetadata().getName());
            }
        }
    }

    private Duration unschedulableFor(Pod pod) {
        Long since = unschedulableSince.get(pod.getMetadata().getName());
        return since == null ? Duration.ZERO : Duration.ofNanos(ticker.nanos() - since);
    }

    /** Whether every known Pod of the ended Job shows its end too, or long enough has passed to stop expecting it. */
    private boolean podsSettled(List<Pod> pods) {
        if (endSeenNanos == 0) {
            endSeenNanos = ticker.nanos();
        }
        if (ticker.nanos() - endSeenNanos > POD_SETTLE.toNanos()) {
            return true;
        }
        // no Pod at all (deleted, or never seen): nothing to wait for
        return pods.stream().allMatch(PodDiagnosis::isTerminal);
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
            String line = "Pod " + name + " " + phase + detail;
            PodLogStream log = logs.get(name);
            if (log != null && PodDiagnosis.isTerminal(pod)) {
                // the log stream runs apart from the watch: say how the Pod ended after its last lines, not before them
                endNotes.add(log.done().copy().completeOnTimeout(null, LOG_IDLE.toMillis(), TimeUnit.MILLISECONDS)
                        .handle((v, e) -> {
                            note(line);
                            return null;
                        }));
            } else {
                note(line);
            }
        }
    }

    private void followLog(Pod pod) {
        String name = pod.getMetadata().getName();
        if (logs.containsKey(name) || !PodDiagnosis.hasStarted(pod)) {
            return;
        }
        String source = name;
        logs.put(name, PodLogStream.follow(client, watch.namespace(), name, MigrationJob.CONTAINER, scheduler, lines -> {
            lastLineNanos = ticker.nanos();
            boolean read = readByEngine;
            // masking may cut what the engine reads (a secret's value inside a name, or inside compressed text)
            List<String> masked = read ? lines : masker.maskLines(lines);
            synchronized (logLines) {
                Deque<String> tail = tails.computeIfAbsent(source, k -> new ArrayDeque<>());
                for (String line : masked) {
                    logLines.addLast(line);
                    if (logLines.size() > LOG_LINES_KEPT) {
                        logLines.removeFirst();
                    }
                    tail.addLast(read ? masker.mask(line) : line); // the tail may be shown: a failure's report carries it
                    if (tail.size() > MigrationResult.TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
            }
            if (!read) {
                listener.onLines(stage, environment, source, masked);
            }
        }));
    }

    /** Every {@link #HEARTBEAT} of waiting, a note that the Job still runs. */
    private void heartbeat() {
        long due = (ticker.nanos() - started) / HEARTBEAT.toNanos();
        if (due > heartbeats) {
            heartbeats = due;
            note("still running after " + Durations.format(Duration.ofNanos(ticker.nanos() - started)) + " (Job " + jobName + ")");
        }
    }

    private synchronized void finish(MigrationResult r) {
        if (finishing || result.isDone()) {
            return;
        }
        finishing = true;
        List<CompletableFuture<Void>> pending = new ArrayList<>(endNotes);
        logs.values().forEach(l -> pending.add(l.done()));
        boolean stopFollowing = r.outcome() == StageOutcome.CANCELLED || r.outcome() == StageOutcome.TIMED_OUT
                && r.reason() == MigrationReason.Engine.WAIT_TIMEOUT;
        if (stopFollowing) {
            logs.values().forEach(PodLogStream::close);
        }
        // let the last lines of the log arrive before the result is reported, so nothing printed after it is missing;
        // the quiet period counts from now, as the Job's end may be seen before its last bytes arrive
        lastLineNanos = ticker.nanos();
        drain(CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)), r);
    }

    /** Reports {@code r} once every log stream ended, or went quiet for {@link #LOG_IDLE} (a stream that broke). */
    private void drain(CompletableFuture<Void> logsEnded, MigrationResult r) {
        boolean idle = ticker.nanos() - lastLineNanos > LOG_IDLE.toNanos();
        if (!logsEnded.isDone() && !idle) {
            scheduler.schedule(() -> drain(logsEnded, r), 100, TimeUnit.MILLISECONDS);
            return;
        }
        logs.values().forEach(PodLogStream::close);
        List<String> lines;
        List<String> tail;
        synchronized (logLines) {
            lines = List.copyOf(logLines);
            // the latest attempt that logged anything: a retried Job's failure is its last Pod's
            List<String> last = tails.isEmpty() ? List.of() : new ArrayList<>(new ArrayList<>(tails.values()).get(tails.size() - 1));
            while (!last.isEmpty() && last.get(last.size() - 1).isBlank()) {
                last.remove(last.size() - 1); // a trailing blank line says nothing
            }
            tail = List.copyOf(last);
        }
        result.complete(new MigrationResult(r.outcome(), r.reason(), r.message(), r.exitCode(), r.attempts(), lines, tail));
    }

    private int attempts() {
        return attempts(watch.pods(jobName));
    }

    private static int attempts(List<Pod> pods) {
        return pods.size();
    }

    private void note(String message) {
        listener.on(new ProgressEvent.Note(stage, environment, message));
    }

}
