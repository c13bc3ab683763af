package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What the node checks before it runs a Pod and before it creates the Pod's container: a Pod being deleted or already
 * ended is not taken on; a container whose configuration cannot be generated yet waits in CreateContainerConfigError,
 * retried as the kubelet does, until it can (the missing Secret, ConfigMap or key appeared) or the Pod is stopped.
 */
final class PodAdmission {

    static final long CONFIG_RETRY_MS = 300;

    private PodAdmission() {
    }

    /** Whether a node that does not run {@code pod} yet should take it on: it is neither being deleted nor ended. */
    static boolean admits(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return false;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    /** Whether {@code pod} belongs to a ReplicaSet (a Deployment Pod, whose container the sandbox simulates). */
    static boolean isReplicaSetPod(Pod pod) {
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        return owners != null && owners.stream().anyMatch(o -> "ReplicaSet".equals(o.getKind()));
    }

    /**
     * The environment of {@code pod}'s {@code container} once its configuration can be generated, or null when
     * {@code stopped} first. Each new reason it cannot is published as the container's CreateContainerConfigError.
     */
    static Map<String, String> awaitContainerConfig(Pod pod, Container container, NamespaceData data, PodStatusReport status,
            BooleanSupplier stopped) {
        String lastError = null;
        while (true) {
            try {
                return ContainerEnvironment.resolve(pod.getMetadata(), container, data);
            } catch (ContainerConfigError e) {
                if (!e.getMessage().equals(lastError)) {
                    lastError = e.getMessage();
                    status.waiting("CreateContainerConfigError", e.getMessage());
                    status.publish();
                }
                PodRun.pause(CONFIG_RETRY_MS);
                if (stopped.getAsBoolean()) {
                    return null;
                }
            }
        }
    }
}
