package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The batch/v1 Job controller as Kubernetes documents it, for Jobs of one completion: one Pod at a time, retried up
 * to {@code backoffLimit} failures, bounded by {@code activeDeadlineSeconds}, cleaned up by
 * {@code ttlSecondsAfterFinished}, and its Pods garbage-collected with it.
 *
 * <p>Suspension ({@code spec.suspend}) as the real controller does it: a suspended Job creates no Pod; suspending a Job
 * deletes its active Pod (which then counts neither as failed nor as succeeded) and sets the condition
 * {@code Suspended=True} (JobSuspended, "Job suspended"); resuming sets it to False (JobResumed, "Job resumed") and
 * resets {@code status.startTime}, from which {@code activeDeadlineSeconds} counts, and which a Job created suspended
 * does not have until it is resumed. No deadline passes while a Job is suspended, and {@code ttlSecondsAfterFinished}
 * counts only from the end of a finished Job.
 */
final class JobController implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(JobController.class.getName());
    private static final long RETRY_BACKOFF_MS = 200;
    private static final long CREATE_BACKOFF_MS = 1000;
    private static final int DEFAULT_BACKOFF_LIMIT = 6;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    /** What the controller remembers of a Pod it deleted because its Job was suspended. */
    private static final String SUSPENDED = "deleted: Job suspended";

    private final KubernetesClient client;
    private final SandboxKubelet kubelet;
    private final StatusWriter status;
    private final SecureRandom random = new SecureRandom();
    private final ReconcileLoop loop = new ReconcileLoop("sandbox-job-controller", this::reconcileAll);
    private final Map<String, JobRun> runs = new ConcurrentHashMap<>();
    private SharedIndexInformer<Job> jobs;

    /** What the controller remembers of one Job between reconciles, as the real one keeps "expectations". */
    private static final class JobRun {
        private final List<String> pods = new ArrayList<>();
        private final Map<String, String> podPhases = new HashMap<>();
        private String activePod;
        private long activeSince;
        private int failed;
        private int succeeded;
        private long nextPodAt;
        private String startTime;
        private JobCondition suspended;
        private JobStatus written;
    }

    JobController(KubernetesClient client, SandboxKubelet kubelet) {
        this.client = client;
        this.kubelet = kubelet;
        this.status = new StatusWriter(client);
    }

    void start() {
        jobs = client.batch().v1().jobs().inAnyNamespace().inform(loop.<Job>pokeOnChange(this::collect), 0);
        kubelet.informer().addEventHandler(loop.<Pod>pokeOnChange());
        loop.start();
    }

    /** Stops (or resumes) reconciling, as a controller manager that is down: Pods run on, Jobs are not updated. */
    void pause(boolean pause) {
        loop.pause(pause);
    }

    private void reconcileAll() {
        for (Job job : jobs.getStore().list()) {
            try {
                reconcile(job);
            } catch (KubernetesClientException e) {
                LOG.log(Level.INFO, "Job reconcile failed, retried on the next tick: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Job reconcile failed for " + job.getMetadata().getName(), e);
            }
        }
    }

    private void reconcile(Job job) {
        String uid = job.getMetadata().getUid();
        JobRun run = runs.computeIfAbsent(uid, k -> new JobRun());
        if (run.written == null && job.getStatus() != null && finished(job.getStatus())) {
            run.written = job.getStatus();
        }
        if (run.written != null && finished(run.written)) {
            expire(job, run);
            return;
        }
        long now = System.currentTimeMillis();
        boolean suspend = Boolean.TRUE.equals(job.getSpec().getSuspend());
        if (!suspend && run.suspended != null && "True".equals(run.suspended.getStatus())) {
            // resumed: as documented, activeDeadlineSeconds counts from here (the time a Job is continuously active)
            run.suspended = condition("Suspended", "False", "JobResumed", "Job resumed");
            run.startTime = null;
        }
        if (run.startTime == null && !suspend) {
            run.startTime = ApiTime.now();
            run.activeSince = now;
        }
        List<JobCondition> conditions = new ArrayList<>();
        String completionTime = null;
        boolean ready = false;
        if (run.activePod != null) {
            Pod pod = jobPod(job, run.activePod);
            if (pod == null && run.podPhases.containsKey(run.activePod)) {
                // gone from the informer's view (a relist after a dropped watch can lag): ask the API server itself
                pod = client.pods().inNamespace(job.getMetadata().getNamespace()).withName(run.activePod).get();
            }
            String phase = pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (pod != null) {
                run.podPhases.put(run.activePod, phase);
            }
            if ("Succeeded".equals(phase)) {
                run.succeeded++;
                run.activePod = null;
            } else if ("Failed".equals(phase) || pod == null && run.podPhases.containsKey(run.activePod)) {
                // A Pod that disappears after it was seen counts as failed, as with Pod failure tracking.
                run.failed++;
                run.activePod = null;
                run.nextPodAt = now + RETRY_BACKOFF_MS;
            } else if (pod != null) {
                ready = PodAvailability.isReady(pod);
            }
        }
        int backoffLimit = job.getSpec().getBackoffLimit() == null ? DEFAULT_BACKOFF_LIMIT : job.getSpec().getBackoffLimit();
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        List<JobCondition> finished = new ArrayList<>();
        if (run.succeeded > 0) {
            completionTime = ApiTime.now();
            finished.add(condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods"));
            finished.add(condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods"));
        } else if (run.failed > backoffLimit) {
            finished.add(condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
            finished.add(condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"));
        } else if (!suspend && deadline != null && now - run.activeSince >= deadline * 1000) {
            if (run.activePod != null) {
                Pod pod = jobPod(job, run.activePod);
                if (pod != null) {
                    kubelet.failPod(pod.getMetadata().getUid(), "DeadlineExceeded",
                            "Pod was active on the node longer than the specified deadline");
                }
                run.failed++;
                run.activePod = null;
            }
            finished.add(condition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline"));
            finished.add(condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline"));
        } else if (suspend) {
            suspendActivePod(job, run);
            if (run.suspended == null || !"True".equals(run.suspended.getStatus())) {
                run.suspended = condition("Suspended", "True", "JobSuspended", "Job suspended");
            }
        } else if (run.activePod == null && now >= run.nextPodAt) {
            // like the real controller's expectations: a Pod this Job already has (say one whose creation answered with
            // an error, or that the Pod informer has not shown yet) is adopted, never doubled
            String existing = unfinishedPod(job, run);
            run.activePod = existing != null ? existing : createPod(job, run, now);
            if (run.activePod != null && !run.pods.contains(run.activePod)) {
                run.pods.add(run.activePod);
            }
        }
        if (run.suspended != null) {
            conditions.add(run.suspended);
        }
        conditions.addAll(finished);
        JobStatus next = new JobStatusBuilder()
                .withStartTime(run.startTime)
                .withActive(run.activePod == null ? null : 1)
                .withReady(ready ? 1 : 0)
                .withSucceeded(run.succeeded == 0 ? null : run.succeeded)
                .withFailed(run.failed == 0 ? null : run.failed)
                .withTerminating(terminating(job, run))
                .withCompletionTime(completionTime)
                .withConditions(conditions.isEmpty() ? null : conditions)
                .build();
        if (!Objects.equals(next, run.written)) {
            Job update = new JobBuilder().withNewMetadata().withName(job.getMetadata().getName())
                    .withNamespace(job.getMetadata().getNamespace()).endMetadata().withStatus(next).build();
            update.setKind("Job");
            update.setApiVersion("batch/v1");
            if (status.put(update)) {
                run.written = next;
            }
        }
    }

    /**
     * Deletes the suspended Job's active Pod, as the real controller does after taking its tracking finalizer away: the
     * Pod counts neither as failed nor as succeeded, and is never adopted again.
     */
    private void suspendActivePod(Job job, JobRun run) {
        if (run.activePod == null) {
            return;
        }
        run.podPhases.put(run.activePod, SUSPENDED);
        String pod = run.activePod;
        run.activePod = null;
        client.pods().inNamespace(job.getMetadata().getNamespace()).withName(pod).delete();
    }

    /** How many of the Job's Pods are being deleted and have not ended yet (their process still runs). */
    private int terminating(Job job, JobRun run) {
        int n = 0;
        for (String name : run.pods) {
            Pod pod = jobPod(job, name);
            if (pod != null && pod.getMetadata().getDeletionTimestamp() != null && PodAvailability.isActive(pod)) {
                n++;
            }
        }
        return n;
    }

    private static boolean finished(JobStatus jobStatus) {
        return jobStatus.getConditions() != null && jobStatus.getConditions().stream()
                .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    private void expire(Job job, JobRun run) {
        Integer ttl = job.getSpec().getTtlSecondsAfterFinished();
        if (ttl == null) {
            return;
        }
        String finishedAt = run.written.getConditions().stream().filter(c -> "True".equals(c.getStatus()))
                .map(JobCondition::getLastTransitionTime).filter(Objects::nonNull).reduce((a, b) -> b).orElse(null);
        Instant finished = finishedAt == null ? Instant.now() : Instant.parse(finishedAt);
        if (!Instant.now().isBefore(finished.plusSeconds(ttl))) {
            client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
                    .delete();
        }
    }

    /** Emulates the garbage collector: a deleted Job's Pods go with it, and with them their processes. */
    private void collect(Job job) {
        String uid = job.getMetadata().getUid();
        runs.remove(uid);
        try {
            client.pods().inNamespace(job.getMetadata().getNamespace()).withLabel("controller-uid", uid).delete();
        } catch (KubernetesClientException e) {
            LOG.log(Level.FINE, "could not delete the Pods of a deleted Job", e);
        }
    }

    /** A Pod of {@code job}, straight from the API server, that has not ended and was not counted yet; or null. */
    private String unfinishedPod(Job job, JobRun run) {
        for (Pod pod : client.pods().inNamespace(job.getMetadata().getNamespace())
                .withLabel("controller-uid", job.getMetadata().getUid()).list().getItems()) {
            if (PodAvailability.isActive(pod) && pod.getMetadata().getDeletionTimestamp() == null
                    && !run.podPhases.containsKey(pod.getMetadata().getName())) {
                return pod.getMetadata().getName();
            }
        }
        return null;
    }

    private Pod jobPod(Job job, String podName) {
        return kubelet.informer().getStore().getByKey(job.getMetadata().getNamespace() + "/" + podName);
    }


    private static JobCondition condition(String type, String reason, String message) {
        return condition(type, "True", reason, message);
    }

    private static JobCondition condition(String type, String status, String reason, String message) {
        String now = ApiTime.now();
        return new JobConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    /**
     * Creates the Job's next Pod and returns its name; null when the API server refused it (say its service account does
     * not exist), tried again after a back-off, as the real controller does after a FailedCreate.
     */
    private String createPod(Job job, JobRun run, long now) {
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            suffix.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        String jobName = job.getMetadata().getName();
        String name = jobName + "-" + suffix;
        String uid = job.getMetadata().getUid();
        Map<String, String> labels = new LinkedHashMap<>();
        if (job.getSpec().getTemplate().getMetadata() != null && job.getSpec().getTemplate().getMetadata().getLabels() != null) {
            labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
        }
        labels.put("controller-uid", uid);
        labels.put("batch.kubernetes.io/controller-uid", uid);
        labels.put("job-name", jobName);
        labels.put("batch.kubernetes.io/job-name", jobName);
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(job.getMetadata().getNamespace()).withLabels(labels)
                .withAnnotations(job.getSpec().getTemplate().getMetadata() == null ? null
                        : job.getSpec().getTemplate().getMetadata().getAnnotations())
                .withOwnerReferences(new OwnerReference("batch/v1", true, true, "Job", jobName, uid))
                .withFinalizers(SandboxKubelet.PROCESS_FINALIZER)
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .build();
        try {
            client.pods().inNamespace(job.getMetadata().getNamespace()).resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() / 100 != 4 || e.getCode() == 409) {
                throw e;
            }
            LOG.log(Level.FINE, "Error creating: {0}", e.getMessage());
            run.nextPodAt = now + CREATE_BACKOFF_MS;
            return null;
        }
        return name;
    }

    @Override
    public void close() {
        loop.close();
        if (jobs != null) {
            jobs.close();
        }
    }
}
