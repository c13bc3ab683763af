package io.mtd.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * One informer on the Leases of a namespace, shared by every lock waiting there: a thousand runs waiting on one lock
 * cost one watch connection and no requests until the Lease changes.
 */
public final class LeaseWatch implements AutoCloseable {

    private final String namespace;
    private final SharedIndexInformer<Lease> leases;
    private final Map<String, Set<Runnable>> listeners = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> synced;

    public LeaseWatch(KubernetesClient client, String namespace) {
        this.namespace = namespace;
        // every Lease of the namespace, not only the engine's: a lock held by a Lease someone wrote by hand counts too
        this.leases = client.leases().inNamespace(namespace).runnableInformer(0);
        leases.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Lease obj) {
                changed(obj);
            }

            @Override
            public void onUpdate(Lease oldObj, Lease newObj) {
                changed(newObj);
            }

            @Override
            public void onDelete(Lease obj, boolean deletedFinalStateUnknown) {
                changed(obj);
            }
        });
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

    /** Calls {@code onChange} (on the informer's thread: it must be quick) whenever the Lease changes. */
    public void subscribe(String name, Runnable onChange) {
        listeners.computeIfAbsent(name, k -> new CopyOnWriteArraySet<>()).add(onChange);
    }

    public void unsubscribe(String name, Runnable onChange) {
        listeners.computeIfPresent(name, (k, set) -> {
            set.remove(onChange);
            return set.isEmpty() ? null : set;
        });
    }

    private void changed(Lease lease) {
        Set<Runnable> set = listeners.get(lease.getMetadata().getName());
        if (set != null) {
            set.forEach(Runnable::run);
        }
    }

    @Override
    public void close() {
        leases.close();
    }
}
