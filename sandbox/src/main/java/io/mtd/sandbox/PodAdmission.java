package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;

import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What the node checks before it runs a Pod and before it creates the Pod's container: a Pod being deleted or already
 * ended is not taken on; a container whose configuration cannot be generated yet waits in CreateContainerConfigError,
 * retried as the kubelet does, until it can (the missing Secret, ConfigMap or key appeared) or the Pod is stopped. A
 * container whose effective security context has {@code runAsNonRoot} and that would run as root, or as a user the
 * kubelet cannot verify, is refused the same way, with the kubelet's messages.
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

    /** Whether {@code pod} belongs to a ReplicaSet: a Deployment Pod, whose container is restarted whenever it ends. */
    static boolean isReplicaSetPod(Pod pod) {
        List<OwnerReference> owners = pod.getMetadata().getOwnerReferences();
        return owners != null && owners.stream().anyMatch(o -> "ReplicaSet".equals(o.getKind()));
    }

    /**
     * The environment of {@code pod}'s {@code container} from {@code image} once its configuration can be generated, or
     * null when {@code stopped} first. Each new reason it cannot is published as the container's
     * CreateContainerConfigError. With {@code data} null (a simulated container) the environment is not resolved and
     * is empty.
     */
    static Map<String, String> awaitContainerConfig(Pod pod, Container container, SandboxImage image, NamespaceData data,
            PodStatusReport status, BooleanSupplier stopped) {
        return awaitContainerConfig(pod, container, image, data, Map.of(), status, stopped);
    }

    /** As the other {@code awaitContainerConfig}, the environment starting from {@code preset} (the node's variables). */
    static Map<String, String> awaitContainerConfig(Pod pod, Container container, SandboxImage image, NamespaceData data,
            Map<String, String> preset, PodStatusReport status, BooleanSupplier stopped) {
        String lastError = null;
        while (true) {
            try {
                // the kubelet's order: the options (environment) first, then the image's user
                Map<String, String> env = data == null ? Map.of()
                        : ContainerEnvironment.resolve(pod.getMetadata(), container, data, preset);
                verifyRunAsNonRoot(pod, container, image == null ? null : image.user());
                return env;
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

    /**
     * The kubelet's runAsNonRoot check: with {@code runAsNonRoot} in the container's effective security context (the
     * container's fields over the Pod's), a {@code runAsUser} of 0 is refused; without a {@code runAsUser} the image's
     * user must be numeric and not 0 (an image config without a user runs as root). {@code imageUser} is as
     * {@link SandboxImage#user} (null: unknown to the sandbox, not checked).
     */
    static void verifyRunAsNonRoot(Pod pod, Container container, String imageUser) throws ContainerConfigError {
        PodSecurityContext podContext = pod.getSpec().getSecurityContext();
        SecurityContext context = container.getSecurityContext();
        Boolean runAsNonRoot = context != null && context.getRunAsNonRoot() != null ? context.getRunAsNonRoot()
                : podContext == null ? null : podContext.getRunAsNonRoot();
        Long runAsUser = context != null && context.getRunAsUser() != null ? context.getRunAsUser()
                : podContext == null ? null : podContext.getRunAsUser();
        if (!Boolean.TRUE.equals(runAsNonRoot)) {
            return;
        }
        String where = " (pod: \"" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "("
                + pod.getMetadata().getUid() + ")\", container: " + container.getName() + ")";
        if (runAsUser != null) {
            if (runAsUser == 0) {
                throw new ContainerConfigError("container's runAsUser breaks non-root policy" + where);
            }
            return;
        }
        if (imageUser == null) {
            return;
        }
        // as the container runtime reads an image config's User: "uid", "uid:gid" or a name; none at all is root
        String user = imageUser.split(":", -1)[0];
        if (user.isEmpty()) {
            throw new ContainerConfigError("container has runAsNonRoot and image will run as root" + where);
        }
        long uid;
        try {
            uid = Long.parseLong(user);
        } catch (NumberFormatException e) {
            throw new ContainerConfigError("container has runAsNonRoot and image has non-numeric user (" + user
                    + "), cannot verify user is non-root" + where);
        }
        if (uid == 0) {
            throw new ContainerConfigError("container has runAsNonRoot and image will run as root" + where);
        }
        if (uid < 0 || uid > Integer.MAX_VALUE) {
            throw new ContainerConfigError("container has runAsNonRoot and image has an invalid user id (" + uid
                    + "). (Must be 1-(" + Integer.MAX_VALUE + ")): must be between 0 and " + Integer.MAX_VALUE
                    + ", inclusive" + where);
        }
    }
}
