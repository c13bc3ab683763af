package io.mtd.command;

import static io.mtd.concurrent.Futures.unwrap;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.NamespaceWatch;
import io.mtd.migration.MigrationStage;
import io.mtd.migration.SlotClaim;
import io.mtd.plan.Environment;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.PlanError;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.SchemaReport;
import io.mtd.schema.SchemaDiff;
import io.mtd.schema.SchemaDrift;
import io.mtd.schema.SnapshotJob;
import io.mtd.schema.SnapshotStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Each environment's schema now against the one kept after its last successful run ({@code mtd plan --drift}): a
 * snapshot Job per environment under its migration lock, as a run takes one, and nothing else touched.
 *
 * @param environments each environment's answer, in the plan's order
 */
public record DriftCheck(List<EnvironmentDrift> environments) {

    public DriftCheck {
        environments = List.copyOf(environments);
    }

    /**
     * One environment's schema.
     *
     * @param fingerprint the schema's fingerprint now (short form), or null when no snapshot could be taken
     * @param sinceLastRelease how it compares with the one kept after the last successful run; null when none was kept
     * @param problem why no snapshot could be taken, or null
     */
    public record EnvironmentDrift(String name, String namespace, String fingerprint, SchemaReport.LastRelease sinceLastRelease,
            String problem) {

        /** Whether the schema changed since the last release. */
        public boolean changed() {
            return sinceLastRelease != null && Boolean.TRUE.equals(sinceLastRelease.changed());
        }

        /** How it changed, in at most {@link SchemaDrift#SHOWN} lines to read (none when it did not). */
        public List<String> excerpt() {
            SchemaReport.Diff d = changed() ? sinceLastRelease.diff() : null;
            return d == null ? List.of() : SchemaDiff.of(d).excerpt(SchemaDrift.SHOWN);
        }
    }

    /** Whether any environment's schema changed since its last release. */
    public boolean changed() {
        return environments.stream().anyMatch(EnvironmentDrift::changed);
    }

    /** Whether a snapshot could not be taken somewhere. */
    public boolean failed() {
        return environments.stream().anyMatch(e -> e.problem() != null);
    }

    /** What taking each environment's snapshot needs from the engine. */
    public record Engine(MigrationStage migrations, Function<Environment, KubernetesClient> clients,
            BiFunction<KubernetesClient, String, NamespaceWatch> watches, RunIdentity identity, Path workspace) {}

    /**
     * Refuses a plan that takes no snapshots, before anything is asked of a cluster.
     *
     * @throws InvalidPlanException naming {@code migration.snapshot} and the fix
     */
    public static void requireSnapshots(Plan plan) {
        if (!plan.migration().takesSnapshots()) {
            throw new InvalidPlanException(List.of(new PlanError("migration.snapshot", "the plan takes no schema snapshots, so"
                    + " there is nothing to compare: add migration.snapshot (e.g. snapshot: {secret: shop-db})")));
        }
    }

    /** Takes each environment's snapshot in turn, each under its lock, and compares it with the one kept there. */
    public static DriftCheck of(Plan plan, Engine engine, ProgressListener events, SecretMasker masker) {
        List<EnvironmentDrift> out = new ArrayList<>();
        for (Environment env : plan.environments()) {
            out.add(environment(plan, env, engine, events, masker));
        }
        return new DriftCheck(out);
    }

    private static EnvironmentDrift environment(Plan plan, Environment env, Engine engine, ProgressListener events, SecretMasker masker) {
        String ns = env.namespaceOrDefault();
        KubernetesClient client;
        NamespaceWatch watch;
        try {
            client = engine.clients().apply(env);
            watch = engine.watches().apply(client, ns);
        } catch (RuntimeException e) {
            return new EnvironmentDrift(env.name(), ns, null, null, "cannot reach the cluster: " + e.getMessage());
        }
        MigrationStage.Target target = new MigrationStage.Target(plan, env, SnapshotJob.image(plan), engine.identity(), client, watch,
                events, masker, new CompletableFuture<>(), engine.workspace());
        CompletableFuture<SlotClaim> claim = engine.migrations().claim(target);
        SnapshotJob.Taken taken;
        try {
            taken = SnapshotJob.run(engine.migrations(), SnapshotJob.prepare(engine.migrations(), target), claim, masker).join();
        } catch (RuntimeException e) {
            taken = SnapshotJob.Taken.failed(unwrap(e).getMessage());
        } finally {
            claim.thenAccept(SlotClaim::release);
        }
        if (taken.failed()) {
            return new EnvironmentDrift(env.name(), ns, null, null, taken.problem());
        }
        Optional<SnapshotStore.KeptSnapshot> kept;
        try {
            kept = SnapshotStore.read(client, ns, plan.app(), env.name());
        } catch (RuntimeException e) {
            return new EnvironmentDrift(env.name(), ns, taken.snapshot().shortFingerprint(), null,
                    "the schema kept after the last release cannot be read: " + e.getMessage());
        }
        SchemaReport.LastRelease last = SchemaDrift.sinceLastRelease(kept, SnapshotStore.source(plan.migration().snapshot()),
                taken.snapshot());
        events.on(new ProgressEvent.Note(Stage.SNAPSHOT, env.name(), last == null ? "no schema kept here yet"
                : last.changed() == null ? last.note() : last.changed() ? "changed since the last release" : "unchanged since the last release"));
        return new EnvironmentDrift(env.name(), ns, taken.snapshot().shortFingerprint(), last, null);
    }
}
