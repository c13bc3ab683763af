package io.mtd.kube;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The one classification of a container's waiting and terminated reasons that migrations and rollouts read a Pod by;
 * each caller decides what a kind means for it (a migration fails at once, a rollout counts restarts).
 */
public enum ContainerFailure {
    /** The image cannot be pulled: wrong name, missing tag, no credentials. */
    IMAGE_PULL("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"),
    /** The container's configuration names a missing Secret, ConfigMap or key. */
    CONFIG("CreateContainerConfigError", "CreateContainerError"),
    /**
     * The kubelet refused the container for its security context: {@code runAsNonRoot}, and the image runs as root (or
     * as a user name the kubelet cannot verify), or {@code runAsUser: 0}. Kubernetes says CreateContainerConfigError, as
     * for a missing Secret; {@link #of(String, String)} tells them apart by the kubelet's message, and names it
     * {@value #RUN_AS_NON_ROOT}.
     */
    NON_ROOT(ContainerFailure.RUN_AS_NON_ROOT),
    /** The runtime could not start the container's command. */
    START("RunContainerError"),
    /** The container keeps exiting and the kubelet backs off restarting it. */
    CRASH_LOOP("CrashLoopBackOff"),
    /** The container was killed for exceeding its memory limit. */
    OUT_OF_MEMORY("OOMKilled");

    /** The reason a container refused for {@code runAsNonRoot} is reported with. */
    public static final String RUN_AS_NON_ROOT = "RunAsNonRoot";

    private final Set<String> reasons;

    ContainerFailure(String... reasons) {
        this.reasons = Set.of(reasons);
    }

    /** The kind of a waiting or terminated reason, if it is one this classification knows. */
    public static Optional<ContainerFailure> of(String reason) {
        if (reason == null) {
            return Optional.empty();
        }
        for (ContainerFailure kind : values()) {
            if (kind.reasons.contains(reason)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    /**
     * The kind of a waiting reason with its message: a CreateContainerConfigError whose message is the kubelet's
     * runAsNonRoot refusal is {@link #NON_ROOT}, not a missing Secret.
     */
    public static Optional<ContainerFailure> of(String reason, String message) {
        Optional<ContainerFailure> kind = of(reason);
        if (kind.isPresent() && kind.get() == CONFIG && message != null
                && (message.contains("runAsNonRoot") || message.contains("non-root"))) {
            return Optional.of(NON_ROOT);
        }
        return kind;
    }

    /** Whether a container waiting for this reason has never started: its image or configuration keeps it from starting. */
    public boolean beforeStart() {
        return this == IMAGE_PULL || this == CONFIG || this == NON_ROOT || this == START;
    }

    /** Whether {@code reason} is of this kind. */
    public boolean matches(String reason) {
        return reason != null && reasons.contains(reason);
    }

    /** The Pod's init container statuses, then its containers'. */
    public static List<ContainerStatus> statuses(Pod pod) {
        List<ContainerStatus> all = new ArrayList<>();
        if (pod.getStatus() != null) {
            if (pod.getStatus().getInitContainerStatuses() != null) {
                all.addAll(pod.getStatus().getInitContainerStatuses());
            }
            if (pod.getStatus().getContainerStatuses() != null) {
                all.addAll(pod.getStatus().getContainerStatuses());
            }
        }
        return all;
    }
}
