package io.mtd.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.concurrent.CompletableFuture;

/**
 * One informer on the Leases of a namespace, shared by every lock waiting there: a thousand runs waiting on one lock
 * cost one watch connection and no requests until the Lease changes.
 */
public final class LeaseWatch implements AutoCloseable {

    private final String namespace;
    private final SharedIndexInformer<Lease> leases;
    private final ChangeListeners listeners = new ChangeListeners();
    private final CompletableFuture<Void> synced;

    public LeaseWatch(KubernetesClient client, String namespace) {
        this.namespace = namespace;
        // every Lease of the namespace, not only the engine's: a lock held by a Lease someone wrote by hand counts too
        this.leases = client.leases().inNamespace(namespace).runnableInformer(0);
        leases.addEventHandler(listeners.handler(l -> l.getMetadata().getName()));
        this.synced = leases.start().toCompletableFuture();
    }

    /** Completes when the informer has listed the namespace's Leases once. */
    public CompletableFuture<Void> synced() {
        return synced;
    }

    /** The Lease as last seen, or null. */
    public Lease lease(String name) {
        return leases.getStore().getByKey(namespace + "/" + name);
    }

    /** The changes of the Lease, for a {@link WatchWait}. */
    public Changes changes(String name) {
        return listeners.of(name, synced);
    }

    /** How many wait on the Lease now. */
    int waiting(String name) {
        return listeners.count(name);
    }

    @Override
    public void close() {
        leases.close();
    }
}
