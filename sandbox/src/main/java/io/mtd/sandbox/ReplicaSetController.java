package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The apps/v1 ReplicaSet controller: keeps {@code spec.replicas} Pods of a ReplicaSet (not ended, not being deleted),
 * deleting the least useful first as the real one ranks them (Pending before Running, not Ready before Ready, Ready for
 * less time first, more restarts first, newer first), and reports how many are Ready and available (Ready for the
 * ReplicaSet's {@code minReadySeconds}). Like the real controller it keeps expectations: Pods it created or deleted
 * count as such before its (possibly late) cache shows it, so that a slow cache never doubles or over-deletes Pods.
 */
final class ReplicaSetController {

    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final KubernetesClient client;
    private final SharedIndexInformer<Pod> pods;
    private final StatusWriter status;
    private final SecureRandom random = new SecureRandom();
    /** Names of Pods created per ReplicaSet uid and not yet seen in the cache. */
    private final Map<String, Set<String>> creating = new HashMap<>();
    /** Uids of Pods this controller deleted and whose deletion the cache has not shown yet. */
    private final Set<String> deleting = new HashSet<>();
    /** What this controller last set as each ReplicaSet's replicas (by uid), ahead of its cache. */
    private final Map<String, Integer> scaledTo = new HashMap<>();
    private final Map<String, ReplicaSetStatus> written = new HashMap<>();

    ReplicaSetController(KubernetesClient client, SharedIndexInformer<Pod> pods, StatusWriter status) {
        this.client = client;
        this.pods = pods;
        this.status = status;
    }

    /**
     * One sync of {@code rs}: creates or deletes Pods towards its replicas and writes its status. Returns when one of
     * its Ready Pods becomes available (for a requeue then), or null.
     */
    Instant sync(ReplicaSet rs, Instant now) {
        String uid = rs.getMetadata().getUid();
        int desired = replicas(rs);
        List<Pod> owned = pods(rs);
        Set<String> expected = creating.computeIfAbsent(uid, k -> new HashSet<>());
        if (!expected.isEmpty()) {
            Set<String> seen = new HashSet<>(pods.getStore().listKeys());
            String prefix = rs.getMetadata().getNamespace() + "/";
            expected.removeIf(name -> seen.contains(prefix + name));
        }
        for (int i = owned.size() + expected.size(); i < desired; i++) {
            expected.add(createPod(rs));
        }
        if (owned.size() > desired) {
            List<Pod> ranked = new ArrayList<>(owned);
            ranked.sort(deletionOrder(now));
            for (Pod pod : ranked.subList(0, owned.size() - desired)) {
                deleting.add(pod.getMetadata().getUid());
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            }
            owned = pods(rs);
        }
        int minReadySeconds = minReadySeconds(rs);
        int ready = (int) owned.stream().filter(PodAvailability::isReady).count();
        int available = (int) owned.stream().filter(p -> PodAvailability.isAvailable(p, minReadySeconds, now)).count();
        ReplicaSetStatus next = new ReplicaSetStatusBuilder().withReplicas(owned.size()).withFullyLabeledReplicas(owned.size())
                .withReadyReplicas(ready).withAvailableReplicas(available).withObservedGeneration(rs.getMetadata().getGeneration())
                .build();
        if (!next.equals(rs.getStatus()) && !next.equals(written.get(uid))) {
            ReplicaSet update = new ReplicaSetBuilder().withNewMetadata().withName(rs.getMetadata().getName())
                    .withNamespace(rs.getMetadata().getNamespace()).endMetadata().withStatus(next).build();
            update.setKind("ReplicaSet");
            update.setApiVersion("apps/v1");
            if (status.put(update)) {
                written.put(uid, next);
            }
        }
        return owned.stream().map(p -> PodAvailability.availableAt(p, minReadySeconds)).filter(at -> at != null && at.isAfter(now))
                .min(Comparator.naturalOrder()).orElse(null);
    }

    /** The ReplicaSet's Pods that count for it: its own, not ended, not being deleted (by anyone, or by this controller). */
    List<Pod> pods(ReplicaSet rs) {
        String uid = rs.getMetadata().getUid();
        return pods.getStore().list().stream()
                .filter(p -> uid.equals(PodAvailability.controllerUid(p.getMetadata())))
                .filter(PodAvailability::isActive)
                .filter(p -> !PodAvailability.isTerminating(p) && !deleting.contains(p.getMetadata().getUid()))
                .toList();
    }

    /** The ReplicaSet's Pods that have not ended, terminating ones included (they still run). */
    int running(ReplicaSet rs) {
        String uid = rs.getMetadata().getUid();
        return (int) pods.getStore().list().stream()
                .filter(p -> uid.equals(PodAvailability.controllerUid(p.getMetadata())))
                .filter(PodAvailability::isActive).count();
    }

    /** The ReplicaSet's wanted replicas: what this controller last set, ahead of a cache that may not show it yet. */
    int replicas(ReplicaSet rs) {
        Integer scaled = scaledTo.get(rs.getMetadata().getUid());
        if (scaled != null) {
            return scaled;
        }
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    /** Sets the ReplicaSet's replicas (the scale the Deployment controller decided). */
    void scale(ReplicaSet rs, int replicas) {
        scaledTo.put(rs.getMetadata().getUid(), replicas);
        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                .edit(r -> new ReplicaSetBuilder(r).editSpec().withReplicas(replicas).endSpec().build());
    }

    /** Forgets what it expected of ReplicaSets and Pods that are gone or whose deletion the cache shows. */
    void forget(Set<String> replicaSetUids) {
        creating.keySet().retainAll(replicaSetUids);
        scaledTo.keySet().retainAll(replicaSetUids);
        written.keySet().retainAll(replicaSetUids);
        Map<String, Pod> byUid = new HashMap<>();
        pods.getStore().list().forEach(p -> byUid.put(p.getMetadata().getUid(), p));
        deleting.removeIf(uid -> byUid.get(uid) == null || PodAvailability.isTerminating(byUid.get(uid)));
    }

    private static int minReadySeconds(ReplicaSet rs) {
        return rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
    }

    /** The order the ReplicaSet controller deletes Pods in ({@code controller.ActivePods}): least useful first. */
    private static Comparator<Pod> deletionOrder(Instant now) {
        return Comparator.<Pod>comparingInt(ReplicaSetController::phaseRank)
                .thenComparing(PodAvailability::isReady)
                .thenComparing(Comparator.comparing((Pod p) -> {
                    Instant at = PodAvailability.availableAt(p, 0);
                    return at == null ? now : at;
                }).reversed())
                .thenComparing(Comparator.comparingInt(ReplicaSetController::restarts).reversed())
                .thenComparing(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp() == null ? ""
                        : p.getMetadata().getCreationTimestamp()).reversed());
    }

    private static int phaseRank(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return phase == null || "Pending".equals(phase) ? 0 : "Running".equals(phase) ? 2 : 1;
    }

    private static int restarts(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null ? 0
                : pod.getStatus().getContainerStatuses().stream().mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount())
                .sum();
    }

    private String createPod(ReplicaSet rs) {
        StringBuilder name = new StringBuilder(rs.getMetadata().getName()).append('-');
        for (int i = 0; i < 5; i++) {
            name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        PodTemplateSpec template = rs.getSpec().getTemplate();
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name.toString()).withNamespace(rs.getMetadata().getNamespace())
                .withLabels(template.getMetadata() == null ? null : template.getMetadata().getLabels())
                .withAnnotations(template.getMetadata() == null ? null : template.getMetadata().getAnnotations())
                .withOwnerReferences(new OwnerReference("apps/v1", true, true, "ReplicaSet", rs.getMetadata().getName(),
                        rs.getMetadata().getUid()))
                .withFinalizers(SandboxKubelet.PROCESS_FINALIZER)
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
        try {
            client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
        return name.toString();
    }
}
