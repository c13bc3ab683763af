package io.mtd.migration;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.Labels;
import io.mtd.kube.LeaseRecord;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An environment's migration slot as the cluster shows it at one moment, read with one list of its Jobs and one read
 * of its Lease: who holds the lock, which Jobs have not ended (and so occupy the environment, whoever started them),
 * and the latest migration. For people ({@code mtd status}, the Jenkins job's panel); no run decides by it.
 *
 * @param jobs every Job of the slot still in the cluster (finished ones stay until their TTL), newest first
 * @param lock the lock's record, or null when it has never been taken here
 */
public record SlotState(List<JobState> jobs, LeaseRecord lock) {

    /** How a Job stands. */
    public enum State { RUNNING, SUCCEEDED, FAILED }

    /**
     * One Job of the slot.
     *
     * @param phase what it is for: null for the migration, {@code post-rollout}, {@code print-sql}
     * @param image the image it runs, as the run that created it wrote it
     * @param run the run that created it ({@code shop-deploy#42}, {@code mtd:user@host:pid}) and where to look at it
     * @param created when the API server created it, by its clock
     * @param ended when it ended, by the API server's clock, or null while it runs
     * @param reason why it failed, as Kubernetes says
     */
    public record JobState(String name, String phase, String image, String run, String runUrl, Instant created, Instant ended,
            State state, String reason, String message) {

        /** Whether it is the migration itself (not its post-rollout phase, nor a printing of its SQL). */
        public boolean migrates() {
            return phase == null || "post-rollout".equals(phase);
        }
    }

    public SlotState {
        jobs = List.copyOf(jobs);
    }

    /**
     * Reads the slot of {@code plan}'s migration in {@code env}: the Jobs of its key in the environment's namespace and
     * the key's Lease, wherever it lives.
     */
    public static SlotState read(KubernetesClient client, Plan plan, Environment env) {
        SlotKey key = SlotKey.of(plan, env);
        List<JobState> jobs = client.batch().v1().jobs().inNamespace(env.namespaceOrDefault()).withLabel(Labels.SLOT, key.label())
                .list().getItems().stream().map(SlotState::state)
                .sorted(Comparator.comparing(JobState::created, Comparator.nullsFirst(Comparator.naturalOrder())).reversed())
                .toList();
        LeaseRecord lock = LeaseRecord.of(client.leases().inNamespace(key.leaseNamespace()).withName(key.leaseName()).get());
        return new SlotState(jobs, lock);
    }

    /** The newest migration (or post-rollout) Job, if one is still in the cluster. */
    public Optional<JobState> lastMigration() {
        return jobs.stream().filter(JobState::migrates).findFirst();
    }

    /** The Jobs that have not ended: each keeps the environment occupied until it does. */
    public List<JobState> occupying() {
        return jobs.stream().filter(j -> j.state() == State.RUNNING).toList();
    }

    /**
     * The unfinished Jobs whose run no longer holds the lock (it stopped, was killed or lost the lock): nobody waits for
     * them, yet the next run must, since a migration must never run twice at once.
     */
    public List<JobState> orphaned() {
        return occupying().stream().filter(j -> lock == null || j.run() == null || !lock.heldBy(j.run())).toList();
    }

    /**
     * How long before {@code now} the lock's holder last renewed it, by {@code now}'s clock against the holder's: for
     * people only, since the clocks may disagree (a run judges expiry by watching the Lease, never by this). Empty when
     * the lock is free or its holder wrote no time.
     */
    public Optional<Duration> sinceRenewal(Instant now) {
        return lock == null || !lock.held() || lock.renewTime() == null ? Optional.empty()
                : Optional.of(Duration.between(lock.renewTime().toInstant(), now));
    }

    /**
     * Whether the holder looks like it stopped renewing: its last renewal is older than its lease by {@code now}'s clock.
     * A run that wants the lock takes it over only after it saw the Lease unrenewed for that long itself.
     */
    public boolean lockOverdue(Instant now) {
        return sinceRenewal(now).filter(d -> lock.leaseDurationSeconds() != null
                && d.compareTo(Duration.ofSeconds(lock.leaseDurationSeconds())) > 0).isPresent();
    }

    private static JobState state(Job job) {
        Map<String, String> a = job.getMetadata().getAnnotations() == null ? Map.of() : job.getMetadata().getAnnotations();
        Optional<JobCondition> failed = JobStatus.condition(job, JobConditionType.FAILED);
        Optional<JobCondition> complete = JobStatus.condition(job, JobConditionType.COMPLETE);
        State state = complete.isPresent() ? State.SUCCEEDED : failed.isPresent() ? State.FAILED : State.RUNNING;
        Instant ended = complete.isPresent()
                ? time(job.getStatus().getCompletionTime() != null ? job.getStatus().getCompletionTime() : complete.get().getLastTransitionTime())
                : failed.map(c -> time(c.getLastTransitionTime())).orElse(null);
        return new JobState(job.getMetadata().getName(), phase(job), a.get(Labels.ANNOTATION_IMAGE), a.get(Labels.ANNOTATION_RUN),
                a.get(Labels.ANNOTATION_RUN_URL), time(job.getMetadata().getCreationTimestamp()), ended, state,
                failed.map(JobCondition::getReason).orElse(null), failed.map(JobCondition::getMessage).orElse(null));
    }

    /** The phase the Job's container is told it runs in, if any. */
    private static String phase(Job job) {
        try {
            return job.getSpec().getTemplate().getSpec().getContainers().stream()
                    .flatMap(c -> c.getEnv() == null ? java.util.stream.Stream.<EnvVar>empty() : c.getEnv().stream())
                    .filter(e -> JobKind.PHASE_VARIABLE.equals(e.getName())).map(EnvVar::getValue).findFirst().orElse(null);
        } catch (NullPointerException incomplete) {
            return null;
        }
    }

    private static Instant time(String text) {
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
