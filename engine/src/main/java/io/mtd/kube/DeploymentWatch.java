package io.mtd.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Function;

/**
 * Watches the Deployments, ReplicaSets and Pods of one namespace with three shared informers, and tells whoever waits
 * on a Deployment when it, one of its ReplicaSets or one of its Pods changed.
 *
 * <p>The rollouts' counterpart of {@link NamespaceWatch}: a thousand rollouts waited on in one namespace share three
 * watch connections and the informers' dispatch threads, and an informer relists after a dropped watch, so no change
 * (deletions included) is missed. ReplicaSets and Pods are matched to a waiter by its Deployment's selector, as the
 * per-Deployment informers this replaces did.
 */
public final class DeploymentWatch implements AutoCloseable {

    static final String POD_TEMPLATE_HASH = "pod-template-hash";
    private static final String BY_OWNER = "by-owner";
    private static final String BY_HASH = "by-template-hash";

    /** An informer that stopped on an error: which kind it watched, and why it stopped. */
    public record Failure(String kind, Throwable cause) {}

    /** One waiter's interest: a Deployment by name, and its ReplicaSets and Pods by the Deployment's selector. */
    static final class Interest {
        private final String deployment;
        private final Map<String, String> selector;
        private final Runnable onChange;

        Interest(String deployment, Map<String, String> selector, Runnable onChange) {
            this.deployment = deployment;
            this.selector = selector;
            this.onChange = onChange;
        }

        boolean selects(Map<String, String> labels) {
            return labels != null && labels.entrySet().containsAll(selector.entrySet());
        }
    }

    private final String namespace;
    private final SharedIndexInformer<Deployment> deployments;
    private final SharedIndexInformer<ReplicaSet> replicaSets;
    private final SharedIndexInformer<Pod> pods;
    private final CompletableFuture<Void> synced;
    private final CompletableFuture<Failure> failed = new CompletableFuture<>();
    private final Map<String, Set<Interest>> byName = new ConcurrentHashMap<>();
    /** Subscriptions by one entry of their selector ({@code key=value}): an object's few labels find its waiters. */
    private final Map<String, Set<Interest>> byLabel = new ConcurrentHashMap<>();
    /** Subscriptions whose selector is empty, so that it matches everything. */
    private final Set<Interest> everything = new CopyOnWriteArraySet<>();

    /** Starts the three informers; {@link #synced()} completes when each has listed the namespace once. */
    public DeploymentWatch(KubernetesClient client, String namespace) {
        this.namespace = namespace;
        this.deployments = client.apps().deployments().inNamespace(namespace).runnableInformer(0);
        this.replicaSets = client.apps().replicaSets().inNamespace(namespace).runnableInformer(0);
        this.pods = client.pods().inNamespace(namespace).runnableInformer(0);
        replicaSets.addIndexers(Map.of(BY_OWNER, DeploymentWatch::ownerUids));
        pods.addIndexers(Map.of(BY_OWNER, DeploymentWatch::ownerUids, BY_HASH, DeploymentWatch::templateHash));
        deployments.addEventHandler(handler(d -> byName.getOrDefault(d.getMetadata().getName(), Set.of())));
        replicaSets.addEventHandler(handler(rs -> selectedBy(rs.getMetadata().getLabels())));
        pods.addEventHandler(handler(p -> selectedBy(p.getMetadata().getLabels())));
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (SharedIndexInformer<?> informer : List.of(deployments, replicaSets, pods)) {
            String kind = informer.getApiTypeClass().getSimpleName();
            informer.stopped().whenComplete((v, e) -> {
                // every waiter hears of it through its onChange, so that none holds on to this future
                if (e != null && failed.complete(new Failure(kind, e))) {
                    byName.values().forEach(DeploymentWatch::notify);
                }
            });
            started.add(informer.start().toCompletableFuture());
        }
        this.synced = CompletableFuture.allOf(started.toArray(CompletableFuture[]::new));
    }

    public String namespace() {
        return namespace;
    }

    /** Completes when every informer has listed the namespace once; exceptionally when one could not. */
    public CompletableFuture<Void> synced() {
        return synced;
    }

    /**
     * Completes when an informer stopped on an error (e.g. watching is forbidden); the watch is then of no more use,
     * and every subscriber's {@code onChange} is called once more.
     */
    public CompletableFuture<Failure> failed() {
        return failed;
    }

    /** Whether this watch can still serve waiters: it neither failed to start nor stopped on an error. */
    public boolean usable() {
        return !failed.isDone() && !synced.isCompletedExceptionally();
    }

    /**
     * Calls {@code onChange} (on an informer's thread: it must be quick) whenever the Deployment named
     * {@code deployment} changes, or a ReplicaSet or Pod whose labels {@code selector} matches (before or after the
     * change). What is current is read from {@link #deployment}, {@link #replicaSets} and {@link #pods}.
     */
    Interest subscribe(String deployment, Map<String, String> selector, Runnable onChange) {
        Interest s = new Interest(deployment, selector == null ? Map.of() : Map.copyOf(selector), onChange);
        byName.computeIfAbsent(deployment, k -> new CopyOnWriteArraySet<>()).add(s);
        String key = labelKey(s.selector);
        if (key == null) {
            everything.add(s);
        } else {
            byLabel.computeIfAbsent(key, k -> new CopyOnWriteArraySet<>()).add(s);
        }
        return s;
    }

    /**
     * The changes of the Deployment named {@code deployment} and of the ReplicaSets and Pods {@code selector} matches,
     * for a {@link WatchWait}; a watch that stopped on an error tells each subscriber once more.
     */
    public Changes rolloutChanges(String deployment, Map<String, String> selector) {
        return new Changes() {
            @Override
            public Changes.Subscription subscribe(Runnable onChange) {
                Interest s = DeploymentWatch.this.subscribe(deployment, selector, onChange);
                return () -> unsubscribe(s);
            }

            @Override
            public CompletableFuture<Void> synced() {
                return synced;
            }
        };
    }

    void unsubscribe(Interest s) {
        byName.computeIfPresent(s.deployment, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
        String key = labelKey(s.selector);
        if (key == null) {
            everything.remove(s);
        } else {
            byLabel.computeIfPresent(key, (k, set) -> {
                set.remove(s);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /** How many waits are subscribed now: every ended wait must have left (a watch can live for months). */
    public int waiting() {
        return byName.values().stream().mapToInt(Set::size).sum();
    }

    /** The Deployment as last seen, or null. */
    public Deployment deployment(String name) {
        return deployments.getStore().getByKey(namespace + "/" + name);
    }

    /** The ReplicaSets as last seen that {@code ownerUid} owns and {@code selector} matches. */
    public List<ReplicaSet> replicaSets(String ownerUid, Map<String, String> selector) {
        return selected(replicaSets.getIndexer().byIndex(BY_OWNER, ownerUid), selector);
    }

    /** The Pods as last seen that carry {@code pod-template-hash=hash} and that {@code selector} matches. */
    public List<Pod> podsWithTemplateHash(String hash, Map<String, String> selector) {
        return selected(pods.getIndexer().byIndex(BY_HASH, hash), selector);
    }

    /** The Pods as last seen that {@code ownerUid} owns and {@code selector} matches. */
    public List<Pod> podsOwnedBy(String ownerUid, Map<String, String> selector) {
        return selected(pods.getIndexer().byIndex(BY_OWNER, ownerUid), selector);
    }

    /** How many watch connections this holds open (for the scale benchmark). */
    public int watchConnections() {
        return 3;
    }

    @Override
    public void close() {
        deployments.close();
        replicaSets.close();
        pods.close();
    }

    private static <T extends HasMetadata> List<T> selected(List<T> items, Map<String, String> selector) {
        Map<String, String> wanted = selector == null ? Map.of() : selector;
        return items.stream()
                .filter(i -> i.getMetadata().getLabels() != null && i.getMetadata().getLabels().entrySet().containsAll(wanted.entrySet()))
                .toList();
    }

    private static String labelKey(Map<String, String> selector) {
        return selector.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().findFirst().orElse(null);
    }

    private Set<Interest> selectedBy(Map<String, String> labels) {
        Set<Interest> found = new LinkedHashSet<>(everything);
        if (labels != null) {
            for (Map.Entry<String, String> e : labels.entrySet()) {
                Set<Interest> candidates = byLabel.get(e.getKey() + "=" + e.getValue());
                if (candidates != null) {
                    candidates.stream().filter(s -> s.selects(labels)).forEach(found::add);
                }
            }
        }
        return found;
    }

    private static void notify(Set<Interest> subscriptions) {
        subscriptions.forEach(s -> s.onChange.run());
    }

    /** Notifies the waiters of the object as it was and as it is, so that one whose labels changed is seen leaving. */
    private <T extends HasMetadata> ResourceEventHandler<T> handler(Function<T, Set<Interest>> interested) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                DeploymentWatch.notify(interested.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                Set<Interest> both = new LinkedHashSet<>(interested.apply(newObj));
                both.addAll(interested.apply(oldObj));
                DeploymentWatch.notify(both);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                DeploymentWatch.notify(interested.apply(obj));
            }
        };
    }

    /** The uids of the resource's owners (a ReplicaSet's Deployment, a Pod's ReplicaSet). */
    public static List<String> ownerUids(HasMetadata resource) {
        List<OwnerReference> owners = resource.getMetadata().getOwnerReferences();
        return owners == null ? List.of() : owners.stream().map(OwnerReference::getUid).filter(u -> u != null).toList();
    }

    private static List<String> templateHash(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        String hash = labels == null ? null : labels.get(POD_TEMPLATE_HASH);
        return hash == null ? List.of() : List.of(hash);
    }
}
