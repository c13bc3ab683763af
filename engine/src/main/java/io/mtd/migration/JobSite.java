package io.mtd.migration;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.NamespaceWatch;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Where a run's Jobs under the migration lock run, and who hears of them: the environment's client, namespace and
 * shared watch, the run's listener and masker, and its cancel.
 *
 * @param watches the shared watch of another namespace of the same cluster (the slot's Lease, or a Job of another app
 *     that shares the slot, may live there)
 * @param cancelled completes with the reason when the run is cancelled
 */
record JobSite(String environment, String namespace, KubernetesClient client, NamespaceWatch watch,
        Function<String, NamespaceWatch> watches, ProgressListener listener, SecretMasker masker,
        CompletableFuture<String> cancelled) {

    /** The shared watch of {@code ns}: the environment's own, or another namespace's. */
    NamespaceWatch watch(String ns) {
        return ns.equals(namespace) ? watch : watches.apply(ns);
    }

    /** A note in the migration stage's log. */
    void note(String message) {
        note(Stage.MIGRATION, message);
    }

    /** A note about one Job, in the log of the stage its kind belongs to. */
    void note(MigrationJob job, String message) {
        note(job.kind().stage(), message);
    }

    private void note(Stage stage, String message) {
        listener.on(new ProgressEvent.Note(stage, environment, message));
    }

    /** A note about the migration lock, in its own stage's log. */
    void lockNote(String message) {
        listener.on(new ProgressEvent.Note(Stage.LOCK, environment, message));
    }
}
