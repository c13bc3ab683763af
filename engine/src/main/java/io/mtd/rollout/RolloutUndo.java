package io.mtd.rollout;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.mtd.kube.DeploymentWatch;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Puts a Deployment back to an earlier revision, as {@code kubectl rollout undo} does: the Pod template of that
 * revision's ReplicaSet, without its {@code pod-template-hash} label, becomes the Deployment's template again.
 *
 * <p>Not fabric8's {@code rolling().undo()}: that picks ReplicaSets by label rather than by owner, fails on one
 * without a revision annotation, and copies the {@code pod-template-hash} label into the Deployment's template.
 */
public final class RolloutUndo {

    static final String POD_TEMPLATE_HASH = "pod-template-hash";

    private final KubernetesClient client;

    public RolloutUndo(KubernetesClient client) {
        this.client = client;
    }

    /**
     * The Deployment as patched and the revision whose template it now runs.
     *
     * @param changed whether the template was patched (false when it already ran that revision's template)
     */
    public record Undone(Deployment deployment, Long revision, boolean changed) {}

    /**
     * Rolls {@code name} back; blocks for the API calls only, not for the rollback to complete.
     *
     * @param revision the revision to go back to, or null for the one before the current, as kubectl does
     * @param fallback the template to restore when no ReplicaSet of that revision is left (e.g. with
     *     {@code revisionHistoryLimit: 0}); may be null
     */
    public Undone undo(String namespace, String name, Long revision, PodTemplateSpec fallback) {
        Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(name).get();
        if (deployment == null) {
            throw new RolloutFailedException("cannot undo the rollout of Deployment " + name + ": it no longer exists in namespace "
                    + namespace);
        }
        Map<String, String> selector = deployment.getSpec().getSelector() == null
                ? null : deployment.getSpec().getSelector().getMatchLabels();
        List<ReplicaSet> owned = client.apps().replicaSets().inNamespace(namespace)
                .withLabels(selector == null ? Map.of() : selector).list().getItems().stream()
                .filter(rs -> DeploymentWatch.ownerUids(rs).contains(deployment.getMetadata().getUid()))
                .collect(Collectors.toList());
        Long target = revision != null ? revision : previousRevision(owned, RolloutStatus.revision(deployment));
        Optional<ReplicaSet> source = target == null ? Optional.empty()
                : owned.stream().filter(rs -> target.equals(RolloutStatus.revision(rs))).findFirst();
        PodTemplateSpec template;
        if (source.isPresent()) {
            template = withoutTemplateHash(source.get().getSpec().getTemplate());
        } else if (fallback != null) {
            template = fallback;
        } else {
            throw new RolloutFailedException("cannot undo the rollout of Deployment " + name + " in namespace " + namespace + ": "
                    + (target == null ? "it has no earlier revision"
                            : "no ReplicaSet of revision " + target + " is left (spec.revisionHistoryLimit may have pruned it)"));
        }
        if (template.equals(deployment.getSpec().getTemplate())) {
            return new Undone(deployment, target, false);
        }
        // a JSON patch without resourceVersion, as kubectl's, so the controller's status updates cannot conflict with it
        String patch = client.getKubernetesSerialization().asJson(List.of(
                Map.of("op", "replace", "path", "/spec/template", "value", template)));
        Deployment patched = client.apps().deployments().inNamespace(namespace).withName(name)
                .patch(PatchContext.of(PatchType.JSON), patch);
        return new Undone(patched, target, true);
    }

    private static Long previousRevision(List<ReplicaSet> owned, Long current) {
        return owned.stream()
                .map(RolloutStatus::revision)
                .filter(r -> r != null && (current == null || r < current))
                .max(Comparator.naturalOrder())
                .orElse(null);
    }

    /** A copy of {@code template} without the label the Deployment controller adds to its ReplicaSets' templates. */
    static PodTemplateSpec withoutTemplateHash(PodTemplateSpec template) {
        PodTemplateSpec copy = new PodTemplateSpecBuilder(template).build();
        if (copy.getMetadata() != null && copy.getMetadata().getLabels() != null) {
            Map<String, String> labels = new HashMap<>(copy.getMetadata().getLabels());
            labels.remove(POD_TEMPLATE_HASH);
            copy.getMetadata().setLabels(labels);
        }
        return copy;
    }
}
