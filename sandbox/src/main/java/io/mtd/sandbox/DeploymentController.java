package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The apps/v1 Deployment and ReplicaSet controllers as Kubernetes documents them: one ReplicaSet per Pod template with
 * a revision annotation, RollingUpdate (maxSurge, maxUnavailable) and Recreate strategies, and the status and the
 * Available and Progressing conditions that {@code kubectl rollout status} reads.
 */
final class DeploymentController implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeploymentController.class.getName());
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String TEMPLATE_HASH = "pod-template-hash";
    private static final String SAFE = "bcdfghjklmnpqrstvwxz2456789";
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final KubernetesClient client;
    private final SandboxKubelet kubelet;
    private final StatusWriter status;
    private final SecureRandom random = new SecureRandom();
    private final ReconcileLoop loop = new ReconcileLoop("sandbox-deployment-controller", this::reconcileAll);
    /** Pods created per ReplicaSet uid and not yet seen in the cache, so that a slow cache does not double them. */
    private final Map<String, List<String>> expectedPods = new HashMap<>();
    /** When each Deployment (by uid) last made progress, for progressDeadlineSeconds. */
    private final Map<String, Long> lastProgress = new HashMap<>();
    private final Map<String, String> progressSignature = new HashMap<>();
    private final Map<String, Object> written = new HashMap<>();
    private final Map<String, Integer> scaledTo = new HashMap<>();
    private SharedIndexInformer<Deployment> deployments;
    private SharedIndexInformer<ReplicaSet> replicaSets;

    DeploymentController(KubernetesClient client, SandboxKubelet kubelet) {
        this.client = client;
        this.kubelet = kubelet;
        this.status = new StatusWriter(client);
    }

    void start() {
        deployments = client.apps().deployments().inAnyNamespace().inform(loop.pokeOnChange(), 0);
        replicaSets = client.apps().replicaSets().inAnyNamespace().inform(loop.pokeOnChange(), 0);
        loop.start();
    }

    private void reconcileAll() {
        try {
            for (Deployment deployment : deployments.getStore().list()) {
                reconcile(deployment);
            }
            for (ReplicaSet replicaSet : replicaSets.getStore().list()) {
                reconcile(replicaSet);
            }
            collectOrphans();
        } catch (KubernetesClientException e) {
            LOG.log(Level.FINE, "Deployment reconcile failed, retried on the next tick", e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Deployment reconcile failed", e);
        }
    }

    private void reconcile(Deployment deployment) {
        String namespace = deployment.getMetadata().getNamespace();
        String uid = deployment.getMetadata().getUid();
        int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        PodTemplateSpec template = withoutHash(deployment.getSpec().getTemplate());
        String hash = hash(template);
        List<ReplicaSet> owned = ownedBy(replicaSets.getStore().list(), uid);
        int maxRevision = owned.stream().mapToInt(DeploymentController::revision).max().orElse(0);
        ReplicaSet current = owned.stream().filter(rs -> hash.equals(labels(rs.getMetadata()).get(TEMPLATE_HASH)))
                .findFirst().orElse(null);
        String rsName = deployment.getMetadata().getName() + "-" + hash;
        // Like the deployment controller's sync: new ReplicaSet and revisions first, then one scaling step, then status.
        if (current == null) {
            int existing = owned.stream().mapToInt(this::replicas).sum();
            boolean recreate = deployment.getSpec().getStrategy() != null
                    && "Recreate".equals(deployment.getSpec().getStrategy().getType());
            int initial = owned.isEmpty() ? desired : recreate ? 0
                    : Math.max(0, Math.min(desired, desired + rollingParameter(deployment, true, desired) - existing));
            current = createReplicaSet(deployment, template, hash, rsName, initial, maxRevision + 1);
            lastProgress.put(uid, System.currentTimeMillis());
            if (current == null) {
                return;
            }
        } else if (revision(current) < maxRevision) {
            // A template equal to an old ReplicaSet's (as after a rollout undo) brings that ReplicaSet back as the newest.
            current = setRevision(current, maxRevision + 1);
            lastProgress.put(uid, System.currentTimeMillis());
        }
        int revision = revision(current);
        if (!String.valueOf(revision).equals(annotations(deployment.getMetadata()).get(REVISION))) {
            deployment = client.apps().deployments().inNamespace(namespace).withName(deployment.getMetadata().getName())
                    .edit(d -> new DeploymentBuilder(d).editMetadata().addToAnnotations(REVISION, String.valueOf(revision))
                            .endMetadata().build());
        }
        String currentUid = current.getMetadata().getUid();
        List<ReplicaSet> old = owned.stream().filter(rs -> !rs.getMetadata().getUid().equals(currentUid))
                .collect(Collectors.toList());
        roll(deployment, desired, current, old);
        writeStatus(deployment, desired, current, old);
    }

    /**
     * One step of the Deployment's strategy, as the deployment controller takes it: RollingUpdate scales the new
     * ReplicaSet up within maxSurge and the old ones down within maxUnavailable (unavailable old Pods first); Recreate
     * scales the old ones to zero before the new one up. Returns whether it scaled anything.
     */
    private boolean roll(Deployment deployment, int desired, ReplicaSet current, List<ReplicaSet> old) {
        int newReplicas = replicas(current);
        int allReplicas = newReplicas + old.stream().mapToInt(this::replicas).sum();
        if (newReplicas > desired) {
            scale(current, desired);
            return true;
        }
        boolean recreate = deployment.getSpec().getStrategy() != null
                && "Recreate".equals(deployment.getSpec().getStrategy().getType());
        if (recreate) {
            boolean scaled = false;
            for (ReplicaSet rs : old) {
                if (replicas(rs) > 0) {
                    scale(rs, 0);
                    scaled = true;
                }
            }
            if (scaled || old.stream().anyMatch(rs -> !podsOf(rs).isEmpty())) {
                return scaled;
            }
            if (newReplicas < desired) {
                scale(current, desired);
                return true;
            }
            return false;
        }
        int maxSurge = rollingParameter(deployment, true, desired);
        int maxUnavailable = rollingParameter(deployment, false, desired);
        if (maxSurge == 0 && maxUnavailable == 0) {
            // The API server rejects both zero; progress as it would with the smallest legal setting.
            maxUnavailable = 1;
        }
        if (newReplicas < desired) {
            int up = Math.min(desired + maxSurge - allReplicas, desired - newReplicas);
            if (up > 0) {
                scale(current, newReplicas + up);
                return true;
            }
        }
        int minAvailable = desired - maxUnavailable;
        int newUnavailable = newReplicas - readyReplicas(current);
        int maxScaledDown = allReplicas - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return false;
        }
        boolean scaled = false;
        List<ReplicaSet> oldestFirst = new ArrayList<>(old);
        oldestFirst.sort(Comparator.comparingInt(DeploymentController::revision));
        for (ReplicaSet rs : oldestFirst) {
            int unavailable = replicas(rs) - readyReplicas(rs);
            int cut = Math.min(Math.max(unavailable, 0), maxScaledDown);
            if (cut > 0) {
                scale(rs, replicas(rs) - cut);
                maxScaledDown -= cut;
                scaled = true;
            }
        }
        if (scaled) {
            return true;
        }
        int available = readyReplicas(current) + old.stream().mapToInt(this::readyReplicas).sum();
        int canScaleDown = Math.min(maxScaledDown, available - minAvailable);
        for (ReplicaSet rs : oldestFirst) {
            int cut = Math.min(replicas(rs), canScaleDown);
            if (cut > 0) {
                scale(rs, replicas(rs) - cut);
                canScaleDown -= cut;
                scaled = true;
            }
        }
        return scaled;
    }

    /** maxSurge (rounded up) or maxUnavailable (rounded down) of a RollingUpdate strategy, 25% by default. */
    private static int rollingParameter(Deployment deployment, boolean surge, int desired) {
        IntOrString value = null;
        if (deployment.getSpec().getStrategy() != null && deployment.getSpec().getStrategy().getRollingUpdate() != null) {
            value = surge ? deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge()
                    : deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable();
        }
        if (value != null && value.getIntVal() != null) {
            return value.getIntVal();
        }
        String percent = value == null || value.getStrVal() == null ? "25%" : value.getStrVal();
        int p = Integer.parseInt(percent.replace("%", "").trim());
        return surge ? (desired * p + 99) / 100 : desired * p / 100;
    }

    private void writeStatus(Deployment deployment, int desired, ReplicaSet current, List<ReplicaSet> old) {
        String uid = deployment.getMetadata().getUid();
        List<Pod> currentPods = podsOf(current);
        List<Pod> allPods = new ArrayList<>(currentPods);
        old.forEach(rs -> allPods.addAll(podsOf(rs)));
        int updated = currentPods.size();
        int total = allPods.size();
        int ready = (int) allPods.stream().filter(DeploymentController::isReady).count();
        int updatedReady = (int) currentPods.stream().filter(DeploymentController::isReady).count();
        int specReplicas = replicas(current) + old.stream().mapToInt(this::replicas).sum();
        int unavailable = Math.max(0, specReplicas - ready);
        boolean complete = updated == desired && updatedReady == desired && total == desired;
        String signature = updated + "/" + updatedReady + "/" + total + "/" + current.getMetadata().getName();
        long now = System.currentTimeMillis();
        if (!signature.equals(progressSignature.put(uid, signature))) {
            lastProgress.put(uid, now);
        }
        int deadlineSeconds = deployment.getSpec().getProgressDeadlineSeconds() == null ? 600
                : deployment.getSpec().getProgressDeadlineSeconds();
        String rsName = current.getMetadata().getName();
        DeploymentCondition previousProgressing = condition(deployment.getStatus(), "Progressing");
        DeploymentCondition progressing;
        if (complete) {
            progressing = condition("Progressing", "True", "NewReplicaSetAvailable",
                    "ReplicaSet \"" + rsName + "\" has successfully progressed.", previousProgressing);
        } else if (previousProgressing != null && "ProgressDeadlineExceeded".equals(previousProgressing.getReason())
                && rsName.equals(progressingReplicaSet(previousProgressing))
                || now - lastProgress.getOrDefault(uid, now) > deadlineSeconds * 1000L) {
            progressing = condition("Progressing", "False", "ProgressDeadlineExceeded",
                    "ReplicaSet \"" + rsName + "\" has timed out progressing.", previousProgressing);
        } else {
            progressing = condition("Progressing", "True", "ReplicaSetUpdated",
                    "ReplicaSet \"" + rsName + "\" is progressing.", previousProgressing);
        }
        boolean available = ready >= desired - rollingParameter(deployment, false, desired);
        DeploymentCondition availableCondition = available
                ? condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.",
                        condition(deployment.getStatus(), "Available"))
                : condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.",
                        condition(deployment.getStatus(), "Available"));
        DeploymentStatus next = new DeploymentStatusBuilder()
                .withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(total)
                .withUpdatedReplicas(updated)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withUnavailableReplicas(unavailable == 0 ? null : unavailable)
                .withConditions(availableCondition, progressing)
                .build();
        if (!sameIgnoringTimes(next, deployment.getStatus()) && !sameIgnoringTimes(next, written.get(uid))) {
            Deployment update = new DeploymentBuilder().withNewMetadata().withName(deployment.getMetadata().getName())
                    .withNamespace(deployment.getMetadata().getNamespace()).endMetadata().withStatus(next).build();
            update.setKind("Deployment");
            update.setApiVersion("apps/v1");
            if (status.put(update)) {
                written.put(uid, next);
            }
        }
    }

    private static String progressingReplicaSet(DeploymentCondition condition) {
        String message = condition.getMessage() == null ? "" : condition.getMessage();
        int start = message.indexOf('"');
        int end = message.indexOf('"', start + 1);
        return start < 0 || end < 0 ? "" : message.substring(start + 1, end);
    }

    private static boolean sameIgnoringTimes(DeploymentStatus next, Object previous) {
        if (!(previous instanceof DeploymentStatus)) {
            return false;
        }
        return Objects.equals(withoutTimes(next), withoutTimes((DeploymentStatus) previous));
    }

    private static DeploymentStatus withoutTimes(DeploymentStatus status) {
        DeploymentStatus copy = new DeploymentStatusBuilder(status).build();
        if (copy.getConditions() != null) {
            copy.setConditions(copy.getConditions().stream().map(c -> new DeploymentConditionBuilder(c)
                    .withLastTransitionTime(null).withLastUpdateTime(null).build()).collect(Collectors.toList()));
        }
        return copy;
    }

    private static DeploymentCondition condition(DeploymentStatus status, String type) {
        if (status == null || status.getConditions() == null) {
            return null;
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static DeploymentCondition condition(String type, String value, String reason, String message,
            DeploymentCondition previous) {
        String now = ApiTime.now();
        String transition = previous != null && value.equals(previous.getStatus()) && previous.getLastTransitionTime() != null
                ? previous.getLastTransitionTime() : now;
        String update = previous != null && value.equals(previous.getStatus()) && Objects.equals(reason, previous.getReason())
                && previous.getLastUpdateTime() != null ? previous.getLastUpdateTime() : now;
        return new DeploymentConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
                .withLastTransitionTime(transition).withLastUpdateTime(update).build();
    }

    /** Creates the ReplicaSet for a new template; null when it exists already (the cache has not seen it yet). */
    private ReplicaSet createReplicaSet(Deployment deployment, PodTemplateSpec template, String hash, String name,
            int replicas, int revision) {
        PodTemplateSpec rsTemplate = new PodTemplateSpecBuilder(template).editOrNewMetadata()
                .addToLabels(TEMPLATE_HASH, hash).endMetadata().build();
        Map<String, String> selector = new LinkedHashMap<>();
        if (deployment.getSpec().getSelector() != null && deployment.getSpec().getSelector().getMatchLabels() != null) {
            selector.putAll(deployment.getSpec().getSelector().getMatchLabels());
        }
        selector.put(TEMPLATE_HASH, hash);
        ReplicaSet rs = new ReplicaSetBuilder()
                .withNewMetadata().withName(name).withNamespace(deployment.getMetadata().getNamespace())
                .withLabels(rsTemplate.getMetadata().getLabels())
                .addToAnnotations(REVISION, String.valueOf(revision))
                .addToAnnotations("deployment.kubernetes.io/desired-replicas", String.valueOf(replicas))
                .withOwnerReferences(new OwnerReference("apps/v1", true, true, "Deployment", deployment.getMetadata().getName(),
                        deployment.getMetadata().getUid()))
                .endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().withMatchLabels(selector).endSelector()
                .withTemplate(rsTemplate).endSpec()
                .build();
        try {
            return client.apps().replicaSets().inNamespace(deployment.getMetadata().getNamespace()).resource(rs).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return null;
        }
    }

    private ReplicaSet setRevision(ReplicaSet rs, int revision) {
        return client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                .edit(r -> new ReplicaSetBuilder(r).editMetadata().addToAnnotations(REVISION, String.valueOf(revision))
                        .endMetadata().build());
    }

    private void scale(ReplicaSet rs, int replicas) {
        scaledTo.put(rs.getMetadata().getUid(), replicas);
        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                .edit(r -> new ReplicaSetBuilder(r).editSpec().withReplicas(replicas).endSpec().build());
    }

    /** The ReplicaSet controller: keeps as many Pods as spec.replicas and reports how many are Ready. */
    private void reconcile(ReplicaSet rs) {
        String uid = rs.getMetadata().getUid();
        int desired = replicas(rs);
        List<Pod> pods = podsOf(rs);
        List<String> expected = expectedPods.computeIfAbsent(uid, k -> new ArrayList<>());
        expected.removeIf(name -> pods.stream().anyMatch(p -> p.getMetadata().getName().equals(name)));
        int count = pods.size() + expected.size();
        for (int i = count; i < desired; i++) {
            expected.add(createPod(rs));
        }
        if (pods.size() > desired) {
            List<Pod> extra = new ArrayList<>(pods);
            // Unready Pods go first, as the ReplicaSet controller prefers them for deletion.
            extra.sort(Comparator.comparing(DeploymentController::isReady));
            for (Pod pod : extra.subList(0, pods.size() - desired)) {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            }
        }
        int ready = (int) pods.stream().filter(DeploymentController::isReady).count();
        ReplicaSetStatus next = new ReplicaSetStatusBuilder().withReplicas(pods.size()).withFullyLabeledReplicas(pods.size())
                .withReadyReplicas(ready).withAvailableReplicas(ready).withObservedGeneration(rs.getMetadata().getGeneration())
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
        client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(pod).create();
        return name.toString();
    }

    /** Emulates the garbage collector for ReplicaSets of deleted Deployments and Pods of deleted ReplicaSets. */
    private void collectOrphans() {
        List<String> deploymentUids = deployments.getStore().list().stream().map(d -> d.getMetadata().getUid())
                .collect(Collectors.toList());
        for (ReplicaSet rs : replicaSets.getStore().list()) {
            OwnerReference owner = controller(rs.getMetadata());
            if (owner != null && "Deployment".equals(owner.getKind()) && !deploymentUids.contains(owner.getUid())
                    && createdBefore(rs.getMetadata(), 2)) {
                client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                        .delete();
            }
        }
        List<String> rsUids = replicaSets.getStore().list().stream().map(r -> r.getMetadata().getUid())
                .collect(Collectors.toList());
        for (Pod pod : kubelet.informer().getStore().list()) {
            OwnerReference owner = controller(pod.getMetadata());
            if (owner != null && "ReplicaSet".equals(owner.getKind()) && !rsUids.contains(owner.getUid())
                    && pod.getMetadata().getDeletionTimestamp() == null && createdBefore(pod.getMetadata(), 2)) {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            }
        }
        expectedPods.keySet().retainAll(rsUids);
        scaledTo.keySet().retainAll(rsUids);
    }

    private static boolean createdBefore(ObjectMeta meta, int seconds) {
        try {
            return meta.getCreationTimestamp() == null
                    || Instant.parse(meta.getCreationTimestamp()).plusSeconds(seconds).isBefore(Instant.now());
        } catch (RuntimeException e) {
            return true;
        }
    }

    private List<Pod> podsOf(ReplicaSet rs) {
        String uid = rs.getMetadata().getUid();
        return kubelet.informer().getStore().list().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(DeploymentController::isActive)
                .filter(p -> {
                    OwnerReference owner = controller(p.getMetadata());
                    return owner != null && uid.equals(owner.getUid());
                })
                .collect(Collectors.toList());
    }

    private static List<ReplicaSet> ownedBy(List<ReplicaSet> all, String uid) {
        return all.stream().filter(rs -> {
            OwnerReference owner = controller(rs.getMetadata());
            return owner != null && uid.equals(owner.getUid());
        }).collect(Collectors.toList());
    }

    private static OwnerReference controller(ObjectMeta meta) {
        if (meta.getOwnerReferences() == null) {
            return null;
        }
        return meta.getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst()
                .orElse(null);
    }

    /**
     * Whether the Pod has not ended: Succeeded and Failed (say evicted) Pods do not count for a ReplicaSet, which makes
     * replacements, nor for a Job.
     */
    static boolean isActive(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private int readyReplicas(ReplicaSet rs) {
        return (int) podsOf(rs).stream().filter(DeploymentController::isReady).count();
    }

    private int replicas(ReplicaSet rs) {
        // What this controller last set wins over a cache that may not have seen the write yet.
        Integer scaled = scaledTo.get(rs.getMetadata().getUid());
        if (scaled != null) {
            return scaled;
        }
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    private static int revision(ReplicaSet rs) {
        try {
            return Integer.parseInt(annotations(rs.getMetadata()).getOrDefault(REVISION, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Map<String, String> labels(ObjectMeta meta) {
        return meta.getLabels() == null ? Map.of() : meta.getLabels();
    }

    private static Map<String, String> annotations(ObjectMeta meta) {
        return meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    }

    /** The template without pod-template-hash, which a rollout undo copies back from the old ReplicaSet. */
    private static PodTemplateSpec withoutHash(PodTemplateSpec template) {
        PodTemplateSpec copy = new PodTemplateSpecBuilder(template).build();
        if (copy.getMetadata() != null && copy.getMetadata().getLabels() != null) {
            Map<String, String> labels = new LinkedHashMap<>(copy.getMetadata().getLabels());
            labels.remove(TEMPLATE_HASH);
            copy.getMetadata().setLabels(labels);
        }
        return copy;
    }

    private static String hash(PodTemplateSpec template) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                out.append(SAFE.charAt((digest[i] & 0xff) % SAFE.length()));
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public void close() {
        loop.close();
        if (deployments != null) {
            deployments.close();
        }
        if (replicaSets != null) {
            replicaSets.close();
        }
    }
}
