package io.mtd.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Watches the engine's Jobs and their Pods in one namespace with two shared informers, and tells whoever waits on a
 * Job when it or one of its Pods changed.
 *
 * <p>This is why waiting costs no thread: a thousand waits in one namespace share two watch connections and the
 * informers' dispatch thread, and an informer relists after a dropped watch, so no change is missed.
 */
public final class NamespaceWatch implements AutoCloseable {

    private static final String BY_JOB = "by-job";

    private final String namespace;
    private final SharedIndexInformer<Job> jobs;
    private final SharedIndexInformer<Pod> pods;
    private final ChangeListeners listeners = new ChangeListeners();
    private final CompletableFuture<Void> synced;
    private final KubernetesClient client;
    private volatile LeaseWatch leases;

    public NamespaceWatch(KubernetesClient client, String namespace) {
        this.namespace = namespace;
        this.client = client;
        this.jobs = client.batch().v1().jobs().inNamespace(namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGER)
                .runnableInformer(0);
        this.pods = client.pods().inNamespace(namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGER)
                .runnableInformer(0);
        Function<Pod, List<String>> byJob = p -> List.of(jobNameOf(p));
        pods.addIndexers(Map.of(BY_JOB, byJob));
        jobs.addEventHandler(listeners.handler(j -> j.getMetadata().getName()));
        pods.addEventHandler(listeners.handler(NamespaceWatch::jobNameOf));
        this.synced = CompletableFuture.allOf(jobs.start().toCompletableFuture(), pods.start().toCompletableFuture());
    }

    public String namespace() {
        return namespace;
    }

    /** Completes when both informers have listed the namespace once. */
    public CompletableFuture<Void> synced() {
        return synced;
    }

    /**
     * Calls {@code onChange} (on the informers' thread: it must be quick) whenever the Job or one of its Pods changes,
     * until the returned subscription is closed.
     */
    public Changes.Subscription subscribe(String jobName, Runnable onChange) {
        return listeners.subscribe(jobName, onChange);
    }

    /** The changes of the Job and its Pods, for a {@link WatchWait}. */
    public Changes jobChanges(String jobName) {
        return listeners.of(jobName, synced);
    }

    /** How many wait on the Job now. */
    int waiting(String jobName) {
        return listeners.count(jobName);
    }

    /** The Job as last seen, or null. */
    public Job job(String name) {
        return jobs.getStore().getByKey(namespace + "/" + name);
    }

    /** The Job's Pods as last seen, oldest first. */
    public List<Pod> pods(String jobName) {
        return pods.getIndexer().byIndex(BY_JOB, jobName).stream()
                .sorted(Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp()))
                        .thenComparing(p -> p.getMetadata().getName()))
                .toList();
    }

    /** The namespace's Leases, watched from the first time a lock is taken here. */
    public LeaseWatch leases() {
        LeaseWatch l = leases;
        if (l == null) {
            synchronized (this) {
                if (leases == null) {
                    leases = new LeaseWatch(client, namespace);
                }
                l = leases;
            }
        }
        return l;
    }

    /** How many watch connections this holds open (for the scale benchmark). */
    public int watchConnections() {
        return leases == null ? 2 : 3;
    }

    @Override
    public void close() {
        jobs.close();
        pods.close();
        if (leases != null) {
            leases.close();
        }
    }

    /** The name of the Job a Pod belongs to, from the Job controller's labels, or "". */
    public static String jobNameOf(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        if (labels == null) {
            return "";
        }
        String name = labels.get(Labels.BATCH_JOB_NAME);
        return name != null ? name : labels.getOrDefault(Labels.JOB_NAME, "");
    }
}
