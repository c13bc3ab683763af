package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * The apps/v1 Deployment controller as Kubernetes documents it, over the {@link ReplicaSetController}: one ReplicaSet
 * per Pod template (named after the template's hash, with a revision annotation; a template equal to an old
 * ReplicaSet's, as after {@code kubectl rollout undo}, brings that one back as the newest), one step of the strategy per
 * sync ({@link RolloutStep}, within the {@link RolloutBounds} of {@code maxSurge} and {@code maxUnavailable}), a Pod
 * counting as available only once Ready for {@code minReadySeconds}, and the status and conditions that
 * {@code kubectl rollout status} reads ({@link DeploymentProgress}, {@code progressDeadlineSeconds} included). Orphans
 * are collected by the {@link OwnerCollector}.
 *
 * <p>All of it runs on one thread, woken by the Deployment, ReplicaSet and Pod informers, at the moments a Pod becomes
 * available or a progress deadline passes, and on a short tick.
 */
final class DeploymentController implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DeploymentController.class.getName());
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String TEMPLATE_HASH = "pod-template-hash";
    private static final String SAFE = "bcdfghjklmnpqrstvwxz2456789";

    private final KubernetesClient client;
    private final SandboxKubelet kubelet;
    private final StatusWriter status;
    private final ReconcileLoop loop = new ReconcileLoop("sandbox-deployment-controller", this::reconcileAll);
    private final Map<String, DeploymentStatus> written = new HashMap<>();
    private final OwnerCollector collector;
    private ReplicaSetController replicaSetController;
    private SharedIndexInformer<Deployment> deployments;
    private SharedIndexInformer<ReplicaSet> replicaSets;
    private volatile Runnable afterEachPass = () -> { };

    DeploymentController(KubernetesClient client, SandboxKubelet kubelet) {
        this.client = client;
        this.kubelet = kubelet;
        this.status = new StatusWriter(client);
        this.collector = new OwnerCollector(client);
    }

    void start() {
        replicaSetController = new ReplicaSetController(client, kubelet.informer(), status);
        deployments = client.apps().deployments().inAnyNamespace().inform(loop.pokeOnChange(), 0);
        replicaSets = client.apps().replicaSets().inAnyNamespace().inform(loop.pokeOnChange(), 0);
        kubelet.informer().addEventHandler(loop.<Pod>pokeOnChange());
        loop.start();
    }

    /** Runs {@code check} on the controller's thread after each of its passes (tests sample the cluster there). */
    void afterEachPass(Runnable check) {
        this.afterEachPass = check;
    }

    private void reconcileAll() {
        Instant now = Instant.now();
        Instant wake = null;
        try {
            for (Deployment deployment : deployments.getStore().list()) {
                wake = earliest(wake, sync(deployment, now));
            }
            for (ReplicaSet replicaSet : replicaSets.getStore().list()) {
                wake = earliest(wake, replicaSetController.sync(replicaSet, now));
            }
            collector.collect(deployments.getStore().list(), replicaSets.getStore().list(), kubelet.informer().getStore().list(),
                    now);
            Set<String> rsUids = replicaSets.getStore().list().stream().map(r -> r.getMetadata().getUid())
                    .collect(Collectors.toSet());
            replicaSetController.forget(rsUids);
            Set<String> deploymentUids = deployments.getStore().list().stream().map(d -> d.getMetadata().getUid())
                    .collect(Collectors.toSet());
            written.keySet().retainAll(deploymentUids);
        } catch (KubernetesClientException e) {
            LOG.log(Level.FINE, "Deployment reconcile failed, retried on the next tick", e);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Deployment reconcile failed", e);
        }
        if (wake != null) {
            loop.pokeAt(wake);
        }
        afterEachPass.run();
    }

    /**
     * One sync of a Deployment, in the deployment controller's order: its new ReplicaSet and revisions first, then one
     * step of its strategy, then its status. Returns when it must be synced again at the latest (a progress deadline).
     */
    private Instant sync(Deployment deployment, Instant now) {
        String namespace = deployment.getMetadata().getNamespace();
        String uid = deployment.getMetadata().getUid();
        int desired = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        int minReadySeconds = deployment.getSpec().getMinReadySeconds() == null ? 0 : deployment.getSpec().getMinReadySeconds();
        boolean recreate = deployment.getSpec().getStrategy() != null
                && "Recreate".equals(deployment.getSpec().getStrategy().getType());
        RolloutBounds bounds = RolloutBounds.of(deployment, desired);
        PodTemplateSpec template = withoutHash(deployment.getSpec().getTemplate());
        String hash = hash(template);
        List<ReplicaSet> owned = replicaSets.getStore().list().stream()
                .filter(rs -> uid.equals(PodAvailability.controllerUid(rs.getMetadata()))).toList();
        int maxRevision = owned.stream().mapToInt(DeploymentController::revision).max().orElse(0);
        ReplicaSet current = owned.stream().filter(rs -> hash.equals(labels(rs).get(TEMPLATE_HASH))).findFirst().orElse(null);
        DeploymentProgress.Start start = null;
        if (current == null) {
            int existing = owned.stream().mapToInt(replicaSetController::replicas).sum();
            int initial = owned.isEmpty() ? desired : recreate ? 0
                    : Math.max(0, Math.min(desired, bounds.maxTotal(desired) - existing));
            current = createReplicaSet(deployment, template, hash, initial, maxRevision + 1, minReadySeconds);
            if (current == null) {
                return null;
            }
            start = DeploymentProgress.Start.CREATED;
        } else {
            if (revision(current) < maxRevision) {
                current = setRevision(current, maxRevision + 1);
            }
            if (!Objects.equals(current.getSpec().getMinReadySeconds(), minReadySeconds)) {
                current = client.apps().replicaSets().inNamespace(namespace).withName(current.getMetadata().getName())
                        .edit(r -> new ReplicaSetBuilder(r).editSpec().withMinReadySeconds(minReadySeconds).endSpec().build());
            }
            start = DeploymentProgress.Start.FOUND;
        }
        String revision = String.valueOf(revision(current));
        if (!revision.equals(annotations(deployment).get(REVISION))) {
            deployment = client.apps().deployments().inNamespace(namespace).withName(deployment.getMetadata().getName())
                    .edit(d -> new DeploymentBuilder(d).editMetadata().addToAnnotations(REVISION, revision).endMetadata().build());
        }
        String currentUid = current.getMetadata().getUid();
        List<ReplicaSet> old = owned.stream().filter(rs -> !rs.getMetadata().getUid().equals(currentUid))
                .sorted(Comparator.comparingInt(DeploymentController::revision)).toList();
        RolloutStep.Counts currentCounts = counts(current, minReadySeconds, now);
        List<RolloutStep.Counts> oldCounts = old.stream().map(rs -> counts(rs, minReadySeconds, now)).toList();
        List<RolloutStep.Scale> step = recreate ? RolloutStep.recreate(desired, currentCounts, oldCounts)
                : RolloutStep.rolling(desired, bounds, currentCounts, oldCounts);
        Map<String, ReplicaSet> byName = new HashMap<>();
        owned.forEach(rs -> byName.put(rs.getMetadata().getName(), rs));
        byName.put(current.getMetadata().getName(), current);
        for (RolloutStep.Scale scale : step) {
            replicaSetController.scale(byName.get(scale.name()), scale.replicas());
        }
        return writeStatus(deployment, desired, bounds, current, old, minReadySeconds, start, now);
    }

    private RolloutStep.Counts counts(ReplicaSet rs, int minReadySeconds, Instant now) {
        List<Pod> pods = replicaSetController.pods(rs);
        int available = (int) pods.stream().filter(p -> PodAvailability.isAvailable(p, minReadySeconds, now)).count();
        return new RolloutStep.Counts(rs.getMetadata().getName(), replicaSetController.replicas(rs), available,
                replicaSetController.running(rs));
    }

    /** Writes the Deployment's status when it changed; returns when its progress deadline passes, if it can. */
    private Instant writeStatus(Deployment deployment, int desired, RolloutBounds bounds, ReplicaSet current,
            List<ReplicaSet> old, int minReadySeconds, DeploymentProgress.Start start, Instant now) {
        String uid = deployment.getMetadata().getUid();
        List<Pod> updatedPods = replicaSetController.pods(current);
        List<Pod> all = new ArrayList<>(updatedPods);
        old.forEach(rs -> all.addAll(replicaSetController.pods(rs)));
        int wanted = replicaSetController.replicas(current) + old.stream().mapToInt(replicaSetController::replicas).sum();
        DeploymentProgress.Counts counts = new DeploymentProgress.Counts(all.size(), updatedPods.size(),
                (int) all.stream().filter(PodAvailability::isReady).count(),
                (int) all.stream().filter(p -> PodAvailability.isAvailable(p, minReadySeconds, now)).count(), wanted);
        DeploymentStatus previous = written.getOrDefault(uid, deployment.getStatus());
        DeploymentStatus next = DeploymentProgress.next(deployment, previous, desired, bounds, counts,
                current.getMetadata().getName(), start, now);
        if (!DeploymentProgress.sameIgnoringTimes(next, deployment.getStatus())
                && !DeploymentProgress.sameIgnoringTimes(next, written.get(uid))) {
            Deployment update = new DeploymentBuilder().withNewMetadata().withName(deployment.getMetadata().getName())
                    .withNamespace(deployment.getMetadata().getNamespace()).endMetadata().withStatus(next).build();
            update.setKind("Deployment");
            update.setApiVersion("apps/v1");
            if (status.put(update)) {
                written.put(uid, next);
            }
        }
        return DeploymentProgress.deadline(deployment, written.getOrDefault(uid, next));
    }

    /** Creates the ReplicaSet for a new template; null when it exists already (the cache has not seen it yet). */
    private ReplicaSet createReplicaSet(Deployment deployment, PodTemplateSpec template, String hash, int replicas,
            int revision, int minReadySeconds) {
        PodTemplateSpec rsTemplate = new PodTemplateSpecBuilder(template).editOrNewMetadata()
                .addToLabels(TEMPLATE_HASH, hash).endMetadata().build();
        Map<String, String> selector = new LinkedHashMap<>();
        if (deployment.getSpec().getSelector() != null && deployment.getSpec().getSelector().getMatchLabels() != null) {
            selector.putAll(deployment.getSpec().getSelector().getMatchLabels());
        }
        selector.put(TEMPLATE_HASH, hash);
        ReplicaSet rs = new ReplicaSetBuilder()
                .withNewMetadata().withName(deployment.getMetadata().getName() + "-" + hash)
                .withNamespace(deployment.getMetadata().getNamespace())
                .withLabels(rsTemplate.getMetadata().getLabels())
                .addToAnnotations(REVISION, String.valueOf(revision))
                .addToAnnotations("deployment.kubernetes.io/desired-replicas", String.valueOf(replicas))
                .withOwnerReferences(new OwnerReference("apps/v1", true, true, "Deployment", deployment.getMetadata().getName(),
                        deployment.getMetadata().getUid()))
                .endMetadata()
                .withNewSpec().withReplicas(replicas).withMinReadySeconds(minReadySeconds)
                .withNewSelector().withMatchLabels(selector).endSelector()
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

    private static Instant earliest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    private static int revision(ReplicaSet rs) {
        try {
            return Integer.parseInt(annotations(rs).getOrDefault(REVISION, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Map<String, String> labels(ReplicaSet rs) {
        return rs.getMetadata().getLabels() == null ? Map.of() : rs.getMetadata().getLabels();
    }

    private static Map<String, String> annotations(io.fabric8.kubernetes.api.model.HasMetadata object) {
        return object.getMetadata().getAnnotations() == null ? Map.of() : object.getMetadata().getAnnotations();
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
        return safeHash(Serialization.asJson(template), 10);
    }

    /**
     * {@code length} characters of a SHA-256 of {@code text} in the alphabet Kubernetes uses for generated name suffixes
     * (no vowels, no look-alike digits), as pod-template-hash values look.
     */
    static String safeHash(String text, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < length; i++) {
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
