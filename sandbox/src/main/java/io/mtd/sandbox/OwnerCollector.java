package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The garbage collector's part for Deployments: a ReplicaSet whose owning Deployment is gone is deleted, and so is a Pod
 * whose owning ReplicaSet is gone (gracefully, as any deleted Pod). Objects younger than {@value #GRACE_SECONDS} s are
 * left alone, since a cache may not show their owner yet.
 */
final class OwnerCollector {

    static final int GRACE_SECONDS = 2;

    private final KubernetesClient client;

    OwnerCollector(KubernetesClient client) {
        this.client = client;
    }

    void collect(Collection<Deployment> deployments, Collection<ReplicaSet> replicaSets, Collection<Pod> pods, Instant now) {
        Set<String> deploymentUids = uids(deployments);
        for (ReplicaSet rs : replicaSets) {
            if (orphan(rs.getMetadata(), "Deployment", deploymentUids, now)) {
                client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                        .delete();
            }
        }
        Set<String> replicaSetUids = uids(replicaSets);
        for (Pod pod : pods) {
            if (!PodAvailability.isTerminating(pod) && orphan(pod.getMetadata(), "ReplicaSet", replicaSetUids, now)) {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            }
        }
    }

    private static boolean orphan(ObjectMeta meta, String ownerKind, Set<String> owners, Instant now) {
        OwnerReference owner = meta.getOwnerReferences() == null ? null : meta.getOwnerReferences().stream()
                .filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
        return owner != null && ownerKind.equals(owner.getKind()) && !owners.contains(owner.getUid())
                && olderThanGrace(meta, now);
    }

    private static boolean olderThanGrace(ObjectMeta meta, Instant now) {
        try {
            return meta.getCreationTimestamp() == null
                    || Instant.parse(meta.getCreationTimestamp()).plusSeconds(GRACE_SECONDS).isBefore(now);
        } catch (RuntimeException e) {
            return true;
        }
    }

    private static Set<String> uids(Collection<? extends HasMetadata> objects) {
        return objects.stream().map(o -> o.getMetadata().getUid()).collect(Collectors.toSet());
    }
}
