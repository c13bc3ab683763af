package io.mtd.migration;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.NamespaceWatch;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.Stage;
import java.util.concurrent.CompletableFuture;

/**
 * Where a run's Jobs under the migration lock run, and who hears of them: the environment's client, namespace and
 * shared watch, the run's listener and masker, and its cancel.
 *
 * @param cancelled completes with the reason when the run is cancelled
 */
record JobSite(String environment, String namespace, KubernetesClient client, NamespaceWatch watch,
        ProgressListener listener, SecretMasker masker, CompletableFuture<String> cancelled) {

    /** A note in the migration stage's log. */
    void note(String message) {
        listener.on(new ProgressEvent.Note(Stage.MIGRATION, environment, message));
    }

    /** A note about the migration lock, in its own stage's log. */
    void lockNote(String message) {
        listener.on(new ProgressEvent.Note(Stage.LOCK, environment, message));
    }
}
