package io.mtd.command;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.migration.SlotState;
import io.mtd.plan.Durations;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.report.Timeline;
import io.mtd.rollout.AppContainer;
import io.mtd.rollout.RolloutFailedException;
import io.mtd.rollout.RolloutStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What each environment of a plan runs and holds now, read from its cluster ({@code mtd status}, and the Jenkins job's
 * panel): the image each Deployment runs, the latest migration Job, and whether the migration lock is held or an
 * unfinished Job occupies the environment. Read-only; nothing waits or decides by it.
 *
 * @param at when it was read, by this machine's clock: what the lock's freshness is measured against
 */
public record PlanStatus(String app, Instant at, List<EnvironmentStatus> environments) {

    public PlanStatus {
        environments = List.copyOf(environments);
    }

    /**
     * One environment, as its cluster shows it.
     *
     * @param deployed the plan's Deployments there and what they run
     * @param slot the migration slot's Jobs and lock, or null when it could not be read
     * @param problem why the environment could not be read (unreachable, forbidden), or null
     */
    public record EnvironmentStatus(String name, String namespace, List<Workload> deployed, SlotState slot, String problem) {

        public EnvironmentStatus {
            deployed = List.copyOf(deployed);
        }

        /** Whether a run may migrate here now without waiting: no lock held, no Job unfinished (when known). */
        public boolean free() {
            return slot != null && (slot.lock() == null || !slot.lock().held()) && slot.occupying().isEmpty();
        }
    }

    /**
     * A Deployment of the plan, as it runs now.
     *
     * @param image the image its container runs (pinned by digest where the run pinned it), or null when it is missing
     * @param revision its current revision
     * @param progress its replicas ("2/2 updated, 2 available"), or why it is missing
     */
    public record Workload(String deployment, String container, String image, Long revision, String progress, boolean complete) {}

    /** Reads one environment of {@code plan} through {@code client}. */
    public static EnvironmentStatus read(KubernetesClient client, Plan plan, Environment env) {
        String ns = env.namespaceOrDefault();
        List<Workload> deployed = new ArrayList<>();
        for (String name : env.deployments()) {
            Deployment d = client.apps().deployments().inNamespace(ns).withName(name).get();
            if (d == null) {
                deployed.add(new Workload(name, env.container(), null, null, "not found in namespace " + ns, false));
                continue;
            }
            Container c;
            try {
                c = AppContainer.of(d, env); // the container the rollout sets, chosen as it chooses
            } catch (RolloutFailedException e) {
                c = null;
            }
            deployed.add(new Workload(name, c == null ? env.container() : c.getName(), c == null ? null : c.getImage(),
                    RolloutStatus.revision(d), RolloutStatus.progress(d).substring(name.length() + 2), RolloutStatus.isComplete(d)));
        }
        return new EnvironmentStatus(env.name(), ns, deployed, SlotState.read(client, plan, env), null);
    }

    /** The status as {@code mtd status} prints it: per environment, what runs, the last migration and the slot. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("Status of ").append(app).append('\n');
        for (EnvironmentStatus e : environments) {
            b.append(String.format(Locale.ROOT, "  %-12s namespace %s%n", e.name(), e.namespace()));
            if (e.problem() != null) {
                b.append("    cannot be read: ").append(e.problem()).append('\n');
                continue;
            }
            for (Workload w : e.deployed()) {
                b.append(String.format(Locale.ROOT, "    %-10s %s%n", "runs", w.deployment() + (w.container() == null ? "" : "/" + w.container())
                        + ": " + (w.image() == null ? "-" : w.image()) + (w.revision() == null ? "" : ", revision " + w.revision())
                        + (w.progress() == null ? "" : " (" + w.progress() + ")")));
            }
            SlotState slot = e.slot();
            b.append(String.format(Locale.ROOT, "    %-10s %s%n", "migration", slot.lastMigration().map(PlanStatus::describe)
                    .orElse("no migration Job in the cluster (none yet, or removed after its TTL)")));
            b.append(String.format(Locale.ROOT, "    %-10s %s%n", "lock", lock(slot)));
            for (SlotState.JobState j : slot.occupying()) {
                boolean orphaned = slot.orphaned().contains(j);
                b.append(String.format(Locale.ROOT, "    %-10s %s%n", "occupied", "by the unfinished Job " + j.name()
                        + (j.phase() == null ? "" : " (" + j.phase() + ")") + ", started by " + j.run() + " at " + Timeline.time(j.created())
                        + (orphaned ? ", whose run no longer holds the lock: the next run waits for it to end"
                                : ", of the run that holds the lock")));
            }
        }
        return b.toString();
    }

    /** The lock in a line: free, or who holds it and how fresh its last renewal looks from here. */
    private String lock(SlotState slot) {
        if (slot.lock() == null || !slot.lock().held()) {
            return "free";
        }
        String held = "held by " + slot.lock().describeHolder();
        Integer lease = slot.lock().leaseDurationSeconds();
        String takeOver = lease == null ? "" : "; a run takes it over once it has seen it unrenewed for " + Durations.format(Duration.ofSeconds(lease));
        return slot.sinceRenewal(at).map(d -> d.isNegative()
                ? held + ", renewed at " + Timeline.time(slot.lock().renewTime().toInstant()) + " by its holder's clock, which is ahead of this one"
                : slot.lockOverdue(at)
                        ? held + ", not renewed for " + Durations.format(d) + " (by this machine's clock against its holder's):"
                                + " its holder may have stopped" + takeOver
                        : held + ", renewed " + Durations.format(d) + " before this read" + (lease == null ? "" : " (its lease: " + Durations.format(Duration.ofSeconds(lease)) + ")"))
                .orElse(held + takeOver);
    }

    /** A migration Job in a line: its name, how it stands, who started it and when. */
    public static String describe(SlotState.JobState j) {
        String state = switch (j.state()) {
            case RUNNING -> "running";
            case SUCCEEDED -> "succeeded";
            case FAILED -> "failed" + (j.reason() == null ? "" : " (" + j.reason() + ")");
        };
        return "Job " + j.name() + (j.phase() == null ? "" : " (" + j.phase() + ")") + " " + state
                + (j.ended() != null ? " at " + Timeline.time(j.ended()) : j.created() != null ? " since " + Timeline.time(j.created()) : "")
                + (j.run() == null ? "" : ", started by " + j.run()) + (j.image() == null ? "" : ", image " + j.image());
    }
}
